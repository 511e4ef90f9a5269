"""A long article opens with the spans of what is on screen; the rest is read afterwards."""

from __future__ import annotations

import gc
import weakref

import pytest
from long_articles import LongArticle, settle
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.core.models import Span
from annotator.core.schema import load_schema
from annotator.gui.document import READ_WHOLE_UP_TO, ArticleDocument
from annotator.gui.main_window import MainWindow
from annotator.resources import default_schema_path
from annotator.storage.store import DatabaseError, Store
from conftest import WindowFactory


def open_without_events(window: MainWindow, article: LongArticle) -> ArticleDocument:
    window.editor.open_article(article.id)
    document = window.editor.document
    assert document is not None and document.article.id == article.id
    return document


def test_long_article_opens_with_what_is_on_screen_then_reads_the_rest(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle], qtmodeltester
) -> None:
    window = idle_window
    article = long_articles[1]
    document = open_without_events(window, article)
    qtmodeltester.check(window.span_model)
    # Only the spans of the beginning have been read, with the text.
    assert not document.complete
    loaded_until = document.loaded_until
    assert loaded_until is not None and 0 < loaded_until < len(article.text) // 4
    head = [s for s in article.spans if s.start < loaded_until]
    assert document.spans == head and head
    # The span table and the article list follow once the text is on screen: drawing them
    # first would delay it. Meanwhile the table is not drawn at all, not even empty.
    assert window.span_model.rowCount() == 0
    assert not window.span_table.updatesEnabled()
    assert window.articles.view.currentIndex().row() != article_row(window, article.id)
    assert document.relations() == []
    first_block = window.article_view.document().firstBlock()
    assert first_block.layout().formats(), "the spans on screen are highlighted at once"
    # Once the text is painted, the rest arrives: every span, every relation, in the table.
    qtbot.waitUntil(lambda: document.complete)
    assert document.spans == article.spans
    assert document.relations() == [article.relation]
    assert window.span_model.rowCount() == len(article.spans)
    assert window.span_model.span_at(len(article.spans) - 1) == article.spans[-1]
    assert window.articles.view.currentIndex().row() == article_row(window, article.id)
    assert window.span_table.updatesEnabled()


def article_row(window: MainWindow, article_id: int) -> int:
    panel = window.articles
    row = panel.model.row_of(article_id)
    assert row is not None
    return panel.proxy.mapFromSource(panel.model.index(row, 0)).row()


def test_a_hidden_window_fills_the_span_table_at_once(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    window = idle_window
    window.hide()  # nothing will be painted, so nothing may wait for a paint
    document = open_without_events(window, long_articles[1])
    assert window.span_model.rowCount() == len(document.spans) > 0
    assert window.articles.view.currentIndex().row() == article_row(window, document.article.id)


def test_tagging_before_the_rest_arrives_reads_it_first(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    window = idle_window
    article = long_articles[1]
    document = open_without_events(window, article)
    assert not document.complete
    start = article.text.rindex("wartawan")
    window.article_view.select_range(start, start + len("wartawan"))
    qtbot.keyClick(window.article_view, Qt.Key.Key_O)
    assert document.complete
    settle(qtbot, window)  # the background read, arriving late, changes nothing
    ids = [s.id for s in document.spans]
    assert len(ids) == len(set(ids)) == len(article.spans) + 1
    store = window.editor.workspace.store
    assert document.spans == list(store.annotations(article.id, "ana").spans)
    assert window.span_model.rowCount() == len(ids)
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert document.spans == article.spans


def test_scrolling_before_the_rest_arrives_highlights_what_comes_into_view(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    window = idle_window
    article = long_articles[1]
    document = open_without_events(window, article)
    view = window.article_view
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    last = article.spans[-1]
    assert document.loaded_until is None or document.loaded_until > last.start
    block = view.document().findBlock(document.offsets.to_qt(last.start))
    begin = document.offsets.to_qt(last.start) - block.position()
    assert any(
        r.start <= begin < r.start + r.length and r.format.background().color().isValid()
        for r in block.layout().formats()
    )
    settle(qtbot, window)
    assert document.spans == article.spans


def test_an_article_opens_formatting_the_blocks_on_screen_only(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    """Each block formatted when an article opens costs its layout: those below the screen
    wait until a scroll brings them into view, and are formatted before they are painted."""
    window = idle_window
    document = open_without_events(window, long_articles[1])
    view = window.article_view
    bottom = view.cursorForPosition(view.viewport().rect().bottomLeft()).block()
    below = bottom.next()
    assert view.document().firstBlock().layout().formats() and bottom.layout().formats()
    assert below.isValid() and not below.layout().formats()
    assert any(s.start >= document.offsets.from_qt(below.position()) for s in document.spans)
    bar = view.verticalScrollBar()
    while not below.layout().formats():
        assert bar.value() < bar.maximum()
        bar.setValue(bar.value() + 1)
    top = view.blockBoundingGeometry(below).translated(view.contentOffset()).top()
    assert top < view.viewport().height()  # it came into view


def unformatted_on_screen(window: MainWindow) -> list[int]:
    """Numbers of the blocks on screen that hold spans but have no formats."""
    view = window.article_view
    document = window.editor.document
    assert document is not None
    offsets = document.offsets
    height = view.viewport().height()
    block = view.firstVisibleBlock()
    unformatted = []
    while block.isValid():
        if view.blockBoundingGeometry(block).translated(view.contentOffset()).top() >= height:
            break
        start = offsets.from_qt(block.position())
        end = offsets.from_qt(block.position() + block.length() - 1, round_up=True)
        if document.index.overlapping(start, end) and not block.layout().formats():
            unformatted.append(block.blockNumber())
        block = block.next()
    return unformatted


def test_zooming_out_formats_the_blocks_it_brings_on_screen(
    qtbot: QtBot, idle_window: MainWindow
) -> None:
    """Ctrl+wheel zooms the view: more blocks fit, without a scroll or a resize."""
    window = idle_window
    assert unformatted_on_screen(window) == []
    window.article_view.zoomOut(2)
    assert unformatted_on_screen(window) == []


def test_a_tag_in_a_block_a_zoom_brought_on_screen_is_highlighted(
    qtbot: QtBot, idle_window: MainWindow
) -> None:
    window = idle_window
    view = window.article_view
    view.zoomOut(2)
    bottom = view.cursorForPosition(view.viewport().rect().bottomLeft()).block()
    document = window.editor.document
    start = document.text.index("wartawan", document.offsets.from_qt(bottom.position()))
    assert view.document().findBlock(document.offsets.to_qt(start)) == bottom
    view.select_range(start, start + len("wartawan"))
    window.editor.apply_label("ORG")
    assert bottom.layout().formats(), "the new span on screen is not highlighted"


def test_rest_read_earlier_merges_with_spans_fetched_since(
    qapp: object, db_url: str, long_articles: list[LongArticle]
) -> None:
    article = long_articles[0]
    store = Store.open(db_url)
    try:
        document = ArticleDocument.open(
            store, load_schema(default_schema_path()), article.id, "ana"
        )
        document.fetch_until(2_000)
        rest = store.annotations(article.id, "ana", starts_from=2_000)  # read "in the background"
        document.fetch_until(len(article.text) // 2)  # meanwhile the view scrolled on
        document.complete_with(rest, 2_000)
        assert document.complete and document.spans == article.spans
        assert [r.id for r in document.relations()] == [article.relation.id]
        # Every span is found where it is, including the one across a paragraph break.
        across = article.spans[[s.label for s in article.spans].index("EVENT")]
        assert across in document.index.at(across.start + 5)
    finally:
        store.close()


def test_an_article_of_ordinary_length_opens_complete(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    document = window.editor.document
    assert document is not None and len(document.text) <= READ_WHOLE_UP_TO
    assert document.complete


def test_a_dropped_document_is_freed_without_the_cycle_collector(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    """Loaded articles are frozen out of the cyclic collector's sight (gc.freeze), which is
    only safe if a dropped document holds no reference cycle."""
    window = idle_window
    window.editor.open_article(long_articles[1].id)
    settle(qtbot, window)
    document = window.editor.document
    assert document is not None and document.complete
    gone = weakref.ref(document)
    spans = weakref.ref(document.spans[0])
    del document
    gc.disable()
    try:
        window.editor.reload({long_articles[1].id})  # as an import that changed it does
        window.editor.open_article(long_articles[0].id)
        settle(qtbot, window)
        qtbot.waitUntil(lambda: gone() is None and spans() is None)
    finally:
        gc.enable()


def test_a_failed_read_for_the_screen_is_reported_and_tried_again(
    qtbot: QtBot,
    idle_window: MainWindow,
    long_articles: list[LongArticle],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = idle_window
    store = window.editor.workspace.store
    working = store.spans

    def broken(*_args: object) -> list[Span]:
        raise DatabaseError("database error: disk I/O error")

    monkeypatch.setattr(store, "spans", broken)
    article = long_articles[1]
    document = open_without_events(window, article)  # the head comes with the text
    head = list(document.spans)
    view = window.article_view
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())  # raises nothing
    assert document.spans == head
    assert "disk I/O error" in window.statusBar().currentMessage()
    last_block = view.document().lastBlock()
    assert not last_block.layout().formats()
    monkeypatch.setattr(store, "spans", working)
    view.highlighter.format_visible()  # the next scroll or resize
    assert last_block.layout().formats()
    settle(qtbot, window)
    assert document.spans == article.spans


def test_an_article_opened_from_a_scrolled_one_is_highlighted_from_the_top(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    window = idle_window
    view = window.article_view
    window.editor.open_article(long_articles[1].id)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    window.editor.open_article(long_articles[0].id)
    first = long_articles[0].spans[0]
    block = view.document().firstBlock()
    assert first.start < block.length()
    assert block.layout().formats(), "the first paragraph of the new article is highlighted"


def test_clearing_the_selection_does_not_read_the_rest_at_once(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    window = idle_window
    document = open_without_events(window, long_articles[1])
    window.editor.select_span(None)
    window.editor.cancel()  # Esc
    assert not document.complete
    window.editor.select_span(document.spans[0].id)  # a selection needs the links
    assert document.complete
    assert window.editor.selected_span == long_articles[1].spans[0]


def test_a_long_article_comes_with_the_spans_of_the_whole_first_screen(
    qtbot: QtBot,
    idle_window: MainWindow,
    long_articles: list[LongArticle],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """However large the screen, its spans are read with the text, not by a second read."""
    window = idle_window
    window.resize(2400, 2000)
    view = window.article_view
    qtbot.waitUntil(lambda: view.viewport().height() > 1500)
    reads: list[tuple[object, ...]] = []
    store = window.editor.workspace.store
    working = store.spans

    def counted(*args: object) -> list[Span]:
        reads.append(args)
        return working(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "spans", counted)
    document = open_without_events(window, long_articles[1])
    view.viewport().repaint()
    corner = view.cursorForPosition(view.viewport().rect().bottomRight()).position()
    last_shown = document.offsets.from_qt(corner)
    assert last_shown > 4_000  # more than a screen of the default window shows
    assert document.loaded_until is not None and document.loaded_until > last_shown
    assert reads == []

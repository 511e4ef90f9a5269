"""Drive the real window: select text, tag, relabel, delete, undo, redo, reopen."""

from __future__ import annotations

from pathlib import Path

import orjson
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from annotator.core.models import Status
from annotator.gui.main_window import MainWindow
from annotator.storage.store import Store
from conftest import CursorAt, WindowFactory

EMOJI_ARTICLE = "003_lab_rover_social_media"
CRLF_TEXT = "Line one\r\nZelensky spoke 😀 today.\r\n\r\nKyiv 🇺🇦 said “no”."


def open_article(window: MainWindow, external_id: str) -> None:
    assert window.editor is not None
    article_id = window.editor.workspace.store.find_article(external_id)
    assert article_id is not None
    window.editor.open_article(article_id)


def shift_select(
    qtbot: QtBot, window: MainWindow, cursor_at: CursorAt, start: int, length: int
) -> None:
    """Put the cursor at code point ``start`` and extend it with Shift+Right ``length`` times."""
    window.article_view.setTextCursor(cursor_at(window, start))
    for _ in range(length):
        qtbot.keyClick(window.article_view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)


def stored_spans(
    db_url: str, external_id: str, user: str = "ana"
) -> list[tuple[str, int, int, str]]:
    store = Store.open(db_url)
    try:
        article_id = store.find_article(external_id)
        assert article_id is not None
        spans = store.annotations(article_id, user).spans
        return [(s.label, s.start, s.end, s.text) for s in spans]
    finally:
        store.close()


def test_window_lists_sample_articles_and_shows_plain_text(make_window: WindowFactory) -> None:
    window = make_window()
    assert window.findChild(object, "articleList").model().rowCount() == 5
    assert window.editor is not None and window.editor.document is not None
    assert window.article_view.toPlainText() == window.editor.document.text
    assert window.progress_label.text() == "0 / 5 done"


def test_tag_after_emoji_with_shift_arrows_and_key(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, cursor_at: CursorAt
) -> None:
    window = make_window()
    open_article(window, EMOJI_ARTICLE)
    text = window.editor.document.text
    start = text.index("wrote", text.index("👩‍🔬"))
    shift_select(qtbot, window, cursor_at, start, len("wrote"))
    qtbot.keyClick(window.article_view, Qt.Key.Key_P)
    assert stored_spans(db_url, EMOJI_ARTICLE) == [("PER", start, start + 5, "wrote")]
    qtbot.waitUntil(lambda: window.span_model.rowCount() == 1)  # filled once the text shows


def test_tag_after_crlf_by_mouse_double_click_and_button(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, tmp_path: Path, cursor_at: CursorAt
) -> None:
    source = tmp_path / "crlf.jsonl"
    source.write_bytes(orjson.dumps({"id": "crlf", "title": "CRLF", "text": CRLF_TEXT}) + b"\n")
    from annotator.__main__ import main

    assert main(["import", "--db", db_url, str(source)]) == 0
    window = make_window()
    open_article(window, "crlf")
    assert window.editor.document.text == CRLF_TEXT
    view = window.article_view
    start = CRLF_TEXT.index("Kyiv")
    rect = view.cursorRect(cursor_at(window, start + 2))
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selection() == (start, start + 4)
    buttons = window.label_palette.findChildren(QAbstractButton)
    gpe = next(b for b in buttons if b.text().startswith("GPE"))
    qtbot.mouseClick(gpe, Qt.MouseButton.LeftButton)
    assert stored_spans(db_url, "crlf") == [("GPE", start, start + 4, "Kyiv")]


def test_selection_snaps_to_words_and_trims_whitespace(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    text = window.editor.document.text
    start = text.index("Ukraina")
    window.article_view.select_range(start - 1, start + 3)  # " Ukr"
    qtbot.keyClick(window.article_view, Qt.Key.Key_G)
    (span,) = window.editor.document.spans
    assert (span.text, span.label) == ("Ukraina", "GPE")


def test_snap_can_be_switched_off(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    window._snap_action.setChecked(False)
    text = window.editor.document.text
    start = text.index("Ukraina")
    window.article_view.select_range(start - 1, start + 3)
    qtbot.keyClick(window.article_view, Qt.Key.Key_G)
    assert window.editor.document.spans[0].text == "Ukr"


def test_relabel_delete_undo_redo_keep_ids(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, cursor_at: CursorAt
) -> None:
    window = make_window()
    editor = window.editor
    text = editor.document.text
    external_id = editor.document.article.external_id
    start = text.index("Bakhmut")
    window.article_view.select_range(start, start + 7)
    qtbot.keyClick(window.article_view, Qt.Key.Key_L)
    span_id = editor.document.spans[0].id
    # Click the span to select it, then relabel with a key.
    editor.select_span(None)
    rect = window.article_view.cursorRect(cursor_at(window, start + 3))
    qtbot.mouseClick(window.article_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert editor.selected_span is not None and editor.selected_span.id == span_id
    qtbot.keyClick(window.article_view, Qt.Key.Key_G)
    assert stored_spans(db_url, external_id) == [("GPE", start, start + 7, "Bakhmut")]
    qtbot.keyClick(window.article_view, Qt.Key.Key_Delete)
    assert stored_spans(db_url, external_id) == []
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_spans(db_url, external_id) == [("GPE", start, start + 7, "Bakhmut")]
    assert editor.document.spans[0].id == span_id
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_spans(db_url, external_id) == [("LOC", start, start + 7, "Bakhmut")]
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_spans(db_url, external_id) == []
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, redo)
    assert stored_spans(db_url, external_id) == [("LOC", start, start + 7, "Bakhmut")]
    assert editor.document.spans[0].id == span_id
    assert window.span_model.rowCount() == 1


def test_nested_spans_and_repeated_click_walks_outwards(
    qtbot: QtBot, make_window: WindowFactory, cursor_at: CursorAt
) -> None:
    window = make_window()
    editor = window.editor
    text = editor.document.text
    start = text.index("Andriy Zagorodnyuk")
    window.article_view.select_range(start, start + len("Andriy Zagorodnyuk"))
    qtbot.keyClick(window.article_view, Qt.Key.Key_P)
    window.article_view.select_range(start, start + len("Andriy"))
    qtbot.keyClick(window.article_view, Qt.Key.Key_N)
    assert [s.text for s in editor.document.spans] == ["Andriy", "Andriy Zagorodnyuk"]
    view = window.article_view
    point = view.cursorRect(cursor_at(window, start + 2)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert editor.selected_span.text == "Andriy"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert editor.selected_span.text == "Andriy Zagorodnyuk"
    # Both stay visible: inner background, outer as underline on the shared characters.
    block = view.document().findBlock(editor.document.offsets.to_qt(start))
    formats = block.layout().formats()
    offset_in_block = editor.document.offsets.to_qt(start) - block.position()
    inner = next(f for f in formats if f.start == offset_in_block)
    assert inner.format.background().style() != Qt.BrushStyle.NoBrush
    assert inner.format.fontUnderline()
    outer_only = next(f for f in formats if f.start == offset_in_block + len("Andriy"))
    assert not outer_only.format.fontUnderline()


def test_span_table_row_selects_span_in_view(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    editor = window.editor
    text = editor.document.text
    for word, key in (("Ukraina", Qt.Key.Key_G), ("Bakhmut", Qt.Key.Key_L)):
        start = text.index(word)
        window.article_view.select_range(start, start + len(word))
        qtbot.keyClick(window.article_view, key)
    editor.select_span(None)
    window.span_table.selectRow(1)
    assert editor.selected_span is not None and editor.selected_span.text == "Bakhmut"
    (marker,) = window.article_view.extraSelections()
    assert marker.cursor.selectedText() == "Bakhmut"


def test_mark_done_opens_next_and_counts_progress(
    qtbot: QtBot, make_window: WindowFactory, db_url: str
) -> None:
    window = make_window()
    first = window.editor.document.article.id
    qtbot.keyClick(window.article_view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.document.article.id != first
    assert window.progress_label.text() == "1 / 5 done"
    store = Store.open(db_url)
    assert store.annotations(first, "ana").status == Status.DONE
    store.close()
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.progress_label.text() == "1 / 5 done"  # the next article's stack is active
    window.editor.open_article(first)
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.progress_label.text() == "0 / 5 done"


def test_work_survives_a_new_window(qtbot: QtBot, make_window: WindowFactory, db_url: str) -> None:
    window = make_window()
    text = window.editor.document.text
    external_id = window.editor.document.article.external_id
    start = text.index("Zelensky")
    window.article_view.select_range(start, start + len("Zelensky"))
    qtbot.keyClick(window.article_view, Qt.Key.Key_P)
    window.close()
    again = make_window()
    assert again.editor.document.article.external_id == external_id  # last article remembered
    assert [(s.label, s.text) for s in again.editor.document.spans] == [("PER", "Zelensky")]
    assert again.span_model.rowCount() == 1


def test_the_article_open_at_close_opens_next_time(
    make_window: WindowFactory,
) -> None:
    window = make_window()
    third = window.articles.model.summaries()[2]
    window.editor.open_article(third.id)
    window.close()
    again = make_window()
    assert again.editor.document.article.external_id == third.external_id


def test_label_key_without_selection_explains(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    window.article_view.setTextCursor(QTextCursor(window.article_view.document()))
    qtbot.keyClick(window.article_view, Qt.Key.Key_P)
    assert window.editor.document.spans == []
    assert "Select some text" in window.statusBar().currentMessage()


def test_filter_box_filters_articles(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    qtbot.keyClicks(window.articles.filter, "rover")
    assert window.articles.proxy.rowCount() == 2  # the match, and the open article
    assert window.editor.document.spans == []  # typing a label key into the box tags nothing

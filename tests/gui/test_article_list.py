"""The article list and its filter follow the open article; only the user's choice of a row,
or Ctrl+Return / Ctrl+N, opens another."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.core.models import Status
from annotator.gui.article_list import ArticleListModel
from annotator.gui.main_window import MainWindow
from annotator.storage.store import Store
from conftest import WindowFactory

CTRL = Qt.KeyboardModifier.ControlModifier


def listed(window: MainWindow) -> list[int]:
    proxy = window.articles.proxy
    return [
        proxy.index(row, 0).data(ArticleListModel.ArticleIdRole) for row in range(proxy.rowCount())
    ]


def current_row_article(window: MainWindow) -> int:
    return window.articles.view.currentIndex().data(ArticleListModel.ArticleIdRole)


def follows(qtbot: QtBot, window: MainWindow) -> None:
    """Wait until the list shows the open article as current: it follows once the article's
    text is on screen."""
    qtbot.waitUntil(lambda: current_row_article(window) == window.editor.document.article.id)


def test_typing_a_filter_keeps_the_open_article_open_and_selected(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    summaries = window.articles.model.summaries()
    first = window.editor.document.article.id
    follows(qtbot, window)
    rover = next(s.id for s in summaries if "rover" in s.title)
    qtbot.keyClicks(window.articles.filter, "rover")
    assert window.editor.document.article.id == first
    assert listed(window) == [first, rover]  # the open article stays listed, though no match
    assert current_row_article(window) == first
    window.articles.filter.clear()
    assert window.editor.document.article.id == first
    assert current_row_article(window) == first
    # Clicking a row is a choice: it opens that article.
    qtbot.keyClicks(window.articles.filter, "rover")
    view = window.articles.view
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(view.model().index(1, 0)).center(),
    )
    assert window.editor.document.article.id == rover
    qtbot.waitUntil(lambda: listed(window) == [rover])  # the first one no longer kept listed


def test_filtering_before_the_list_follows_an_opened_article_opens_nothing(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    follows(qtbot, window)
    summaries = window.articles.model.summaries()
    first = window.editor.document.article.id
    rover = next(s.id for s in summaries if "rover" in s.title)
    other = next(s.id for s in summaries if s.id not in (first, rover))
    window.editor.open_article(other)  # the list is still on the first article
    window.articles.filter.setText("rover")  # ... whose row leaves the list
    assert window.editor.document.article.id == other
    follows(qtbot, window)
    assert listed(window) == [rover, other] or listed(window) == [other, rover]


def test_tagging_under_a_status_filter_stays_on_the_article_and_undo_acts_on_it(
    qtbot: QtBot, make_window: WindowFactory, db_url: str
) -> None:
    window = make_window()
    document = window.editor.document
    window.articles.filter.setText("to do")
    text = document.text
    start = text.index("Ukraina")
    window.article_view.select_range(start, start + len("Ukraina"))
    qtbot.keyClick(window.article_view, Qt.Key.Key_G)  # to do -> in progress
    assert window.editor.document is document
    assert document.status == Status.IN_PROGRESS
    assert current_row_article(window) == document.article.id
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, CTRL)
    assert window.editor.document is document and document.spans == []
    store = Store.open(db_url)
    try:
        assert not store.annotations(document.article.id, "ana").spans
    finally:
        store.close()


def test_done_and_next_under_a_filter_visits_every_article_in_order(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    window.articles.filter.setText("to do")
    ids = [s.id for s in window.articles.model.summaries()]
    visited = [window.editor.document.article.id]
    for _ in ids[1:]:
        qtbot.keyClick(window.article_view, Qt.Key.Key_Return, CTRL)
        visited.append(window.editor.document.article.id)
    assert visited == ids
    follows(qtbot, window)
    assert listed(window) == ids[-1:]  # the done ones left the filter as they were left
    assert window.progress_label.text() == f"{len(ids) - 1} / {len(ids)} done"


def test_next_unfinished_from_the_last_unfinished_article_says_so(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ids = [s.id for s in window.articles.model.summaries()]
    for _ in ids[1:]:
        qtbot.keyClick(window.article_view, Qt.Key.Key_Return, CTRL)
    assert window.editor.document.article.id == ids[-1]
    qtbot.keyClick(window.article_view, Qt.Key.Key_N, CTRL)
    assert window.editor.document.article.id == ids[-1]
    assert window.statusBar().currentMessage() == "This is the last unfinished article."
    qtbot.keyClick(window.article_view, Qt.Key.Key_Return, CTRL)
    assert window.statusBar().currentMessage() == "Every article is done or skipped."


def test_done_right_after_clicking_a_row_under_a_filter_goes_to_the_next_article(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    """The article a click opens stays listed at once, before the list has caught up with it:
    marking it done then moves on from it, not from where its row would have gone."""
    window = make_window()
    follows(qtbot, window)
    window.articles.filter.setText("to do")
    ids = listed(window)
    view = window.articles.view
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(view.model().index(2, 0)).center(),
    )
    assert window.editor.document.article.id == ids[2]
    qtbot.keyClick(window.article_view, Qt.Key.Key_Return, CTRL)  # before the text is painted
    assert window.editor.document.article.id == ids[3]
    statuses = {s.id: s.status for s in window.articles.model.summaries()}
    assert statuses[ids[2]] == Status.DONE and statuses[ids[3]] == Status.TODO

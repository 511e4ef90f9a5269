"""A change reaches the screen in the article text first; the panels follow a frame later."""

from __future__ import annotations

import pytest
from long_articles import LongArticle
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from annotator.gui.main_window import MainWindow
from annotator.gui.text_first import TextFirst
from annotator.storage.store import DatabaseError
from conftest import WindowFactory


class Frames(QObject):
    """Numbers the window's frames (its update requests) and notes in which frame each
    watched widget was painted."""

    def __init__(self, window: MainWindow, watched: dict[str, QWidget]) -> None:
        super().__init__()
        self.frame = 0
        self.painted: dict[str, list[int]] = {name: [] for name in watched}
        self._window = window
        self._names = {id(widget): name for name, widget in watched.items()}
        for widget in (window, *watched.values()):
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.UpdateRequest:
            self.frame += 1
        elif event.type() == QEvent.Type.Paint and id(watched) in self._names:
            self.painted[self._names[id(watched)]].append(self.frame)
        return False


def settled(qtbot: QtBot, window: MainWindow) -> None:
    """The open article's panels have followed it."""
    assert window.editor is not None and window.editor.document is not None
    qtbot.waitUntil(lambda: window.editor.document.complete)
    qtbot.waitUntil(lambda: window.span_table.updatesEnabled())
    qtbot.waitUntil(lambda: window.articles.view.updatesEnabled())


def window_with_a_word_selected(qtbot: QtBot, make_window: WindowFactory) -> MainWindow:
    """A window on a sample article, settled, its first word selected."""
    window = make_window()
    settled(qtbot, window)
    cursor = window.article_view.textCursor()
    cursor.setPosition(0)
    cursor.movePosition(cursor.MoveOperation.EndOfWord, cursor.MoveMode.KeepAnchor)
    window.article_view.setTextCursor(cursor)
    return window


def test_a_tag_is_painted_in_the_text_a_frame_before_the_span_table(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = window_with_a_word_selected(qtbot, make_window)
    frames = Frames(
        window,
        {"text": window.article_view.viewport(), "table": window.span_table.viewport()},
    )
    rows = window.span_model.rowCount()
    qtbot.keyClick(window.article_view, Qt.Key.Key_P)
    assert window.span_model.rowCount() == rows + 1  # the model follows at once
    qtbot.waitUntil(lambda: frames.painted["table"] != [])
    first_text = frames.painted["text"][0]
    assert first_text >= 1
    assert min(frames.painted["table"]) > first_text
    assert window.span_table.updatesEnabled() and window.articles.view.updatesEnabled()


def test_undo_is_painted_in_the_text_before_the_panels(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = window_with_a_word_selected(qtbot, make_window)
    qtbot.keyClick(window.article_view, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: window.span_table.updatesEnabled())
    frames = Frames(
        window,
        {"text": window.article_view.viewport(), "list": window.articles.view.viewport()},
    )
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.span_model.rowCount() == 0
    qtbot.waitUntil(lambda: frames.painted["list"] != [])
    assert frames.painted["text"] and min(frames.painted["list"]) > frames.painted["text"][0]


def test_panels_held_while_the_text_is_not_redrawn_are_drawn_soon_anyway(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    settled(qtbot, window)
    text_first = window.findChild(TextFirst)
    assert isinstance(text_first, TextFirst)
    text_first.hold()  # as an edit does; this one changes nothing the text shows
    assert text_first.held and not window.span_table.updatesEnabled()
    qtbot.waitUntil(lambda: not text_first.held)
    assert window.span_table.updatesEnabled() and window.articles.view.updatesEnabled()


def test_nothing_is_held_in_a_hidden_window(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    settled(qtbot, window)
    window.hide()
    text_first = window.findChild(TextFirst)
    assert isinstance(text_first, TextFirst)
    text_first.hold()
    assert not text_first.held and window.span_table.updatesEnabled()


class TablePaints(QObject):
    """The span table's number of rows each time it is painted."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.rows: list[int] = []
        self._model = window.span_model
        window.span_table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.rows.append(self._model.rowCount())
        return False

    def filled(self) -> bool:
        return any(self.rows)


class Unexposed(QObject):
    """Nothing of ``window`` is painted, as while it is minimised or covered (the offscreen
    platform cannot take a window off the screen)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self._window = window
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return (
            event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self._window
        )

    def expose(self) -> None:
        QApplication.instance().removeEventFilter(self)
        for widget in (self._window, *self._window.findChildren(QWidget)):
            widget.update()


def text_first_of(window: MainWindow) -> TextFirst:
    found = window.findChild(TextFirst)
    assert isinstance(found, TextFirst)
    return found


def test_an_article_opened_while_the_window_is_not_drawn_comes_back_with_its_spans(
    qtbot: QtBot, idle_window: MainWindow, long_articles: list[LongArticle]
) -> None:
    """The table waits for the text of an article it does not show yet, however long."""
    window = idle_window
    unexposed = Unexposed(window)
    window.editor.open_article(long_articles[1].id)
    text_first = text_first_of(window)
    with qtbot.waitSignal(text_first._latest.timeout):  # what a frame later would end
        pass
    assert text_first.held
    paints = TablePaints(window)
    unexposed.expose()
    qtbot.waitUntil(paints.filled)
    assert paints.rows[0] > 0, paints.rows


def test_reading_the_open_article_again_does_not_draw_the_table_empty(
    qtbot: QtBot, idle_window: MainWindow
) -> None:
    """As after an import that changed the open article."""
    window = idle_window
    paints = TablePaints(window)
    window.editor.reload({window.editor.document.article.id})
    qtbot.waitUntil(paints.filled)
    assert paints.rows[0] > 0, paints.rows


def store_fails(monkeypatch: pytest.MonkeyPatch, window: MainWindow, method: str) -> list[str]:
    """The store's ``method`` raises a database error; returns the warnings shown."""
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: errors.append(args[2]))

    def fail(*_args: object, **_kwargs: object) -> None:
        raise DatabaseError("database error: disk I/O error")

    monkeypatch.setattr(window.editor.workspace.store, method, fail)
    return errors


def test_a_refused_save_does_not_draw_the_table_empty(
    qtbot: QtBot, idle_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = idle_window
    errors = store_fails(monkeypatch, window, "add_span")
    text = window.editor.document.text
    start = text.index("wartawan")
    window.article_view.select_range(start, start + len("wartawan"))
    paints = TablePaints(window)
    window.editor.apply_label("ORG")
    assert errors
    qtbot.waitUntil(paints.filled)
    assert paints.rows[0] > 0, paints.rows


def test_a_click_on_a_held_table_draws_it_and_selects_nothing(
    qtbot: QtBot, idle_window: MainWindow
) -> None:
    """Held after an edit, the table shows its rows from before, while a click would land on
    the row now under it: a tag that inserts row 0 moves every row down."""
    window = idle_window
    editor = window.editor
    table = window.span_table
    text = editor.document.text
    start = text.index("Paragraf")
    assert start < window.span_model.span_at(0).start
    window.article_view.select_range(start, start + len("Paragraf"))
    editor.apply_label("ORG")  # inserted as row 0
    assert not table.updatesEnabled()  # the old rows are on screen
    editor.select_span(None)
    paints = TablePaints(window)
    where = table.visualRect(window.span_model.index(0, 1)).center()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert editor.selected_span is None
    assert table.updatesEnabled() and paints.rows  # drawn at once, as it is now


def test_an_article_that_cannot_be_read_again_leaves_no_panel_held(
    qtbot: QtBot, idle_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held for an article about to be read again, the panels are released when the read
    fails: no paint of it will come to release them."""
    window = idle_window
    errors = store_fails(monkeypatch, window, "open_article")
    window.editor.reload({window.editor.document.article.id})
    assert errors and window.editor.document is None
    assert not text_first_of(window).held
    assert window.span_table.updatesEnabled() and window.articles.view.updatesEnabled()

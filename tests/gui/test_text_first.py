"""A change reaches the screen in the article text first; the panels follow a frame later."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from annotator.gui.main_window import MainWindow
from annotator.gui.text_first import TextFirst
from conftest import CursorAt, WindowFactory


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


def test_a_tag_is_painted_in_the_text_a_frame_before_the_span_table(
    qtbot: QtBot, make_window: WindowFactory, cursor_at: CursorAt
) -> None:
    window = make_window()
    settled(qtbot, window)
    assert window.editor is not None and window.editor.document is not None
    text = window.editor.document.text
    start = text.index(" ") + 1
    cursor = cursor_at(window, start)
    cursor.setPosition(
        cursor_at(window, text.index(" ", start)).position(), cursor.MoveMode.KeepAnchor
    )
    window.article_view.setTextCursor(cursor)
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
    qtbot: QtBot, make_window: WindowFactory, cursor_at: CursorAt
) -> None:
    window = make_window()
    settled(qtbot, window)
    assert window.editor is not None and window.editor.document is not None
    window.article_view.setTextCursor(cursor_at(window, 0))
    cursor = window.article_view.textCursor()
    cursor.movePosition(cursor.MoveOperation.EndOfWord, cursor.MoveMode.KeepAnchor)
    window.article_view.setTextCursor(cursor)
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

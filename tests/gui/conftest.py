"""Fixtures for driving the real window: isolated settings, a database, a window factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from long_articles import LongArticle, add_long_article, settle
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.gui import create_main_window
from annotator.gui.app import configure_application
from annotator.gui.main_window import MainWindow
from annotator.storage.store import Store


@pytest.fixture(autouse=True)
def isolated_settings(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    """Each test gets empty QSettings in its own folder."""
    configure_application(qapp)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    QSettings().clear()
    yield
    QThreadPool.globalInstance().waitForDone()  # background work ends with its test
    QSettings().clear()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'annotator.db'}"


WindowFactory = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, db_url: str) -> WindowFactory:
    """Create, show and activate a main window; closed at the end of the test."""

    def make(url: str = db_url, user: str = "ana", schema_path: str | None = None) -> MainWindow:
        window = create_main_window(url, user, schema_path)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.windowHandle().requestActivate()
        qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is window.windowHandle())
        window.article_view.setFocus()
        return window

    return make


CursorAt = Callable[[MainWindow, int], QTextCursor]


@pytest.fixture
def cursor_at() -> CursorAt:
    """A text cursor at a code-point offset of the open article."""

    def at(window: MainWindow, position: int) -> QTextCursor:
        cursor = QTextCursor(window.article_view.document())
        assert window.editor is not None and window.editor.document is not None
        cursor.setPosition(window.editor.document.offsets.to_qt(position))
        return cursor

    return at


@pytest.fixture
def long_articles(db_url: str) -> list[LongArticle]:
    store = Store.open(db_url)
    try:
        return [add_long_article(store, f"long-{n}", seed=n) for n in range(2)]
    finally:
        store.close()


@pytest.fixture
def idle_window(
    qtbot: QtBot, make_window: WindowFactory, long_articles: list[LongArticle]
) -> MainWindow:
    """A window on the long articles, its first article complete and no work pending."""
    window = make_window()
    settle(qtbot, window)
    return window

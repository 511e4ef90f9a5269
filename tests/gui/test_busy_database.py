"""Another program writing to the database (an import from the command line) never freezes
the window nor loses an edit: edits are kept and saved once the database is free."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from annotator.core.models import Span
from annotator.gui.main_window import MainWindow
from annotator.storage.edit_journal import EditJournal, PendingEdit, journal_path
from annotator.storage.store import Store
from conftest import WindowFactory

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Messages the window would show in a modal box (which would wait for a click)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))

    def close_anyway(*args: object) -> QMessageBox.StandardButton:
        shown.append(str(args[2]))
        return QMessageBox.StandardButton.Close

    monkeypatch.setattr(QMessageBox, "question", close_anyway)
    return shown


@pytest.fixture
def other_writer(db_url: str) -> Iterator[sqlite3.Connection]:
    """A connection of another program, which takes the write lock when it begins."""
    connection = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    yield connection
    connection.close()


def tag(qtbot: QtBot, window: MainWindow, word: str, key: Qt.Key) -> None:
    text = window.editor.document.text
    start = text.index(word)
    window.article_view.select_range(start, start + len(word))
    qtbot.keyClick(window.article_view, key)


def saved(db_url: str, article_id: int) -> list[tuple[str, str]]:
    store = Store.open(db_url)
    try:
        return [(s.label, s.text) for s in store.annotations(article_id, "ana").spans]
    finally:
        store.close()


def test_edits_made_while_another_program_writes_are_saved_once_it_is_done(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, other_writer: sqlite3.Connection
) -> None:
    window = make_window()
    document = window.editor.document
    tag(qtbot, window, "Ukraina", Qt.Key.Key_G)  # saved at once
    other_writer.execute("BEGIN IMMEDIATE")
    tag(qtbot, window, "Bakhmut", Qt.Key.Key_L)  # kept: the database is busy
    tag(qtbot, window, "Rusia", Qt.Key.Key_G)  # kept behind it, in order
    qtbot.keyClick(window.article_view, Qt.Key.Key_Z, CTRL)  # undo "Rusia": kept as well
    assert [s.text for s in document.spans] == ["Ukraina", "Bakhmut"]
    assert window.waiting_label.isVisible()
    assert saved(db_url, document.article.id) == [("GPE", "Ukraina")]
    other_writer.execute("COMMIT")
    qtbot.waitUntil(lambda: window.editor.workspace.edits.waiting == 0)
    assert saved(db_url, document.article.id) == [("GPE", "Ukraina"), ("LOC", "Bakhmut")]
    assert not window.waiting_label.isVisible()


def test_closing_with_edits_the_database_is_too_busy_for_asks_first(
    qtbot: QtBot,
    make_window: WindowFactory,
    db_url: str,
    other_writer: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window()
    store = window.editor.workspace.store
    wait = store.wait_for_edits
    # Closing waits as long as any write would (seconds); a test need not.
    monkeypatch.setattr(store, "wait_for_edits", lambda ms: wait(50 if ms is None else ms))
    asked: list[str] = []

    def answer(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    other_writer.execute("BEGIN IMMEDIATE")
    tag(qtbot, window, "Ukraina", Qt.Key.Key_G)
    window.close()
    assert window.isVisible()  # the user chose not to lose the edit
    assert asked and asked[0].startswith("1 edits are not saved yet")
    other_writer.execute("COMMIT")
    window.close()  # now it is written first
    assert not window.isVisible()
    assert saved(db_url, window.editor.document.article.id) == [("GPE", "Ukraina")]


def test_a_kept_edit_that_fails_is_reported_and_its_article_read_again(
    qtbot: QtBot,
    make_window: WindowFactory,
    db_url: str,
    other_writer: sqlite3.Connection,
    no_modal_boxes: list[str],
) -> None:
    errors = no_modal_boxes
    window = make_window()
    article = window.editor.document.article
    other_writer.execute("BEGIN IMMEDIATE")
    tag(qtbot, window, "Ukraina", Qt.Key.Key_G)
    span = window.editor.document.spans[0]
    # The other program stores a span under the same id: the kept edit will clash with it.
    other_writer.execute("INSERT INTO annotators (name) VALUES ('zed')")
    other_writer.execute(
        "INSERT INTO annotation_sets (article_id, annotator_id, status, updated_at) "
        "VALUES (?, (SELECT id FROM annotators WHERE name = 'zed'), 'todo', '2026-01-01')",
        (article.id,),
    )
    other_writer.execute(
        'INSERT INTO spans (id, set_id, start, "end", label, text, attrs, origin, created_at, '
        "updated_at) VALUES (?, last_insert_rowid(), ?, ?, 'PER', ?, '{}', 'manual', "
        "'2026-01-01', '2026-01-01')",
        (span.id, span.start, span.end, span.text),
    )
    other_writer.execute("COMMIT")
    qtbot.waitUntil(lambda: window.editor.workspace.edits.waiting == 0)
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[0].startswith("Not saved: database error:")
    assert window.editor.document.spans == []  # read again: what the database holds for ana
    assert saved(db_url, article.id) == []


def test_edits_a_crash_left_waiting_are_saved_at_the_next_start(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, other_writer: sqlite3.Connection
) -> None:
    window = make_window()
    document = window.editor.document
    article_id = document.article.id
    edits = window.editor.workspace.edits
    other_writer.execute("BEGIN IMMEDIATE")
    tag(qtbot, window, "Ukraina", Qt.Key.Key_G)  # waits for the other program
    journal = EditJournal(journal_path(db_url))
    assert [edit.operation for edit in journal.read()] == ["add_span"]
    # The window dies here: what it kept in memory is gone, the journal is not.
    edits._held.clear()
    window.close()
    other_writer.execute("COMMIT")
    assert saved(db_url, article_id) == []
    again = make_window()
    assert saved(db_url, article_id) == [("GPE", "Ukraina")]
    assert not journal.path.exists()
    assert again.statusBar().currentMessage() == (
        "Saved 1 edits that the last run left waiting for the database."
    )


def test_a_journal_is_emptied_once_its_edits_are_written(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, other_writer: sqlite3.Connection
) -> None:
    window = make_window()
    journal = EditJournal(journal_path(db_url))
    other_writer.execute("BEGIN IMMEDIATE")
    tag(qtbot, window, "Ukraina", Qt.Key.Key_G)
    assert journal.path.exists()
    other_writer.execute("COMMIT")
    qtbot.waitUntil(lambda: window.editor.workspace.edits.waiting == 0)
    assert not journal.path.exists()


def test_a_journal_the_database_is_too_busy_for_at_start_is_kept(
    qtbot: QtBot,
    make_window: WindowFactory,
    db_url: str,
    other_writer: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = make_window()
    article_id = first.editor.document.article.id
    span = Span.of(first.editor.document.text, 0, 7, "GPE")
    first.close()
    journal = EditJournal(journal_path(db_url))
    arguments = {"article_id": article_id, "annotator": "ana", "span": span}
    journal.add(PendingEdit(article_id, "add_span", arguments))
    wait = Store.wait_for_edits
    # A start waits as long as any write would (seconds); a test need not.
    monkeypatch.setattr(
        Store, "wait_for_edits", lambda store, ms: wait(store, 50 if ms is None else ms)
    )
    other_writer.execute("BEGIN IMMEDIATE")
    window = make_window()
    assert window.editor.workspace.edits.waiting == 1 and journal.path.exists()
    assert window.waiting_label.isVisible()
    other_writer.execute("COMMIT")
    qtbot.waitUntil(lambda: window.editor.workspace.edits.waiting == 0)
    assert saved(db_url, article_id) == [("GPE", span.text)]
    assert not journal.path.exists()

"""File ▸ Export and File ▸ Import run on a worker thread, report progress, and cancel cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from annotator.formats.base import ImportOptions
from annotator.gui import editor as editor_module
from annotator.gui import exchange
from annotator.gui.exchange import ImportDialog, JobRunner
from annotator.gui.main_window import MainWindow
from annotator.storage.store import DatabaseError, Store
from conftest import WindowFactory

T = TypeVar("T")


def tag_first_word(qtbot: QtBot, window, word: str = "Ukraina") -> None:  # type: ignore[no-untyped-def]
    text = window.editor.document.text
    start = text.index(word)
    window.article_view.select_range(start, start + len(word))
    qtbot.keyClick(window.article_view, Qt.Key.Key_G)


def test_export_from_the_window_writes_the_file(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    tag_first_word(qtbot, window)
    target = tmp_path / "out.jsonl"
    runner = window.exchange.start_export("jsonl", target, {"annotator": "ana"})
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    ok, message = finished.args
    assert ok, message
    (line,) = [orjson.loads(raw) for raw in target.read_bytes().splitlines()]
    assert [(s["label"], s["text"]) for s in line["spans"]] == [("GPE", "Ukraina")]
    assert "1 records written" in message
    assert window.exchange.result_box is not None and window.exchange.result_box.isVisible()


def gated(items: Iterator[T], gate: threading.Event, ahead: int = 1) -> Iterator[T]:
    """``items``, holding back all but the first ``ahead`` until ``gate`` is set (work the
    user can cancel while it runs)."""
    yield from islice(items, ahead)
    assert gate.wait(10)
    yield from items


def cancel_while_running(qtbot: QtBot, runner: JobRunner, gate: threading.Event) -> list[Any]:
    """Press the progress dialog's Cancel once the job has begun, as a user does; then let
    the job go on and return what it finished with."""
    with qtbot.waitSignal(runner.job.progressed, timeout=10_000):
        pass
    cancel = runner.dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    cancel.click()  # on the GUI thread, while the worker is busy
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        gate.set()
    return list(finished.args)


def window_with_a_held_export(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, threading.Event]:
    """A window with spans on two articles, whose exports hold back all but the first record
    until the returned gate is set."""
    window = make_window()
    tag_first_word(qtbot, window)
    window.articles.view.selectRow(1)
    tag_first_word(qtbot, window, "a")
    store = window.editor.workspace.store
    gate = threading.Event()
    export = store.iter_export
    monkeypatch.setattr(store, "iter_export", lambda **filters: gated(export(**filters), gate))
    return window, gate


def test_a_cancelled_export_leaves_no_file(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, gate = window_with_a_held_export(qtbot, make_window, monkeypatch)
    (tmp_path / "out").mkdir()
    runner = window.exchange.start_export("jsonl", tmp_path / "out" / "out.jsonl", {})
    assert cancel_while_running(qtbot, runner, gate) == [False, "Cancelled: nothing was written."]
    assert list((tmp_path / "out").iterdir()) == []


def test_a_cancelled_import_commits_nothing(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    source = tmp_path / "doccano.jsonl"
    records = [{"id": f"new-{n}", "text": f"Artikel {n} baru.", "label": []} for n in range(3)]
    source.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    gate = threading.Event()
    real = exchange.reader_for

    class Gated:
        def __init__(self, name: str) -> None:
            self.reader = real(name)

        def read(self, path: Path, options: ImportOptions) -> Iterator[Any]:
            return gated(self.reader.read(path, options), gate)

    monkeypatch.setattr(exchange, "reader_for", Gated)
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    ok, message = cancel_while_running(qtbot, runner, gate)
    assert not ok and message.startswith("Cancelled"), message
    assert window.editor.workspace.store.stats().articles == 5


def test_an_export_onto_the_database_is_refused(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    tag_first_word(qtbot, window)
    database = tmp_path / "annotator.db"
    runner = window.exchange.start_export("jsonl", database, {})
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    ok, message = finished.args
    assert not ok
    assert "it is a file of the database" in message
    reopened = Store.open(f"sqlite:///{database}")  # not the window's connections to it
    try:
        assert reopened.stats().spans == 1
    finally:
        reopened.close()


def test_import_from_the_window_adds_articles_with_annotations(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    source = tmp_path / "doccano.jsonl"
    record = {"id": "new-1", "text": "Presiden Joko berpidato.", "label": [[9, 13, "PER"]]}
    source.write_bytes(orjson.dumps(record) + b"\n")
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    ok, message = finished.args
    assert ok, message
    assert window.articles.model.rowCount() == 6
    new = next(s for s in window.articles.model.summaries() if s.external_id == "new-1")
    assert new.span_count == 1


def test_import_into_the_open_article_shows_the_imported_spans(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    article = window.editor.document.article
    start = article.text.index("Bakhmut")
    source = tmp_path / "doccano.jsonl"
    record = {"id": article.external_id, "text": article.text, "label": [[start, start + 7, "LOC"]]}
    source.write_bytes(orjson.dumps(record) + b"\n")
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    assert finished.args[0], finished.args[1]
    assert [(s.label, s.text) for s in window.editor.document.spans] == [("LOC", "Bakhmut")]
    qtbot.waitUntil(lambda: window.span_model.rowCount() == 1)  # filled once the text shows


def test_exporting_only_the_annotations_of_a_user_without_any_is_refused(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()  # "ana" has not tagged anything yet
    target = tmp_path / "out.jsonl"
    runner = window.exchange.start_export("jsonl", target, {"annotator": "zed"})
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    ok, message = finished.args
    assert not ok
    assert "no annotator named 'zed' in the database" in message
    assert not target.exists()


def test_the_progress_dialog_shows_soon_while_work_runs(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, gate = window_with_a_held_export(qtbot, make_window, monkeypatch)
    runner = window.exchange.start_export("jsonl", tmp_path / "out.jsonl", {})
    qtbot.waitUntil(runner.dialog.isVisible, timeout=2_000)  # shown after 300 ms
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        gate.set()


def doccano_file(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    return path


def gate_reader(monkeypatch: pytest.MonkeyPatch, gate: threading.Event, ahead: int = 1) -> None:
    """Make File ▸ Import's readers hold back all but ``ahead`` documents until ``gate`` is
    set."""
    real = exchange.reader_for

    class Gated:
        def __init__(self, name: str) -> None:
            self.reader = real(name)

        def read(self, path: Path, options: ImportOptions) -> Iterator[Any]:
            return gated(self.reader.read(path, options), gate, ahead)

    monkeypatch.setattr(exchange, "reader_for", Gated)


def export_under_way(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> tuple[Path, JobRunner]:
    """Start an export into a new folder and wait until it has written its first record."""
    folder = tmp_path / "out"
    folder.mkdir()
    runner = window.exchange.start_export("jsonl", folder / "out.jsonl", {})
    with qtbot.waitSignal(runner.job.progressed, timeout=10_000):
        pass
    return folder, runner


def test_closing_the_window_during_an_export_stops_it_first_and_leaves_no_file(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, gate = window_with_a_held_export(qtbot, make_window, monkeypatch)
    folder, runner = export_under_way(qtbot, window, tmp_path)
    window.close()
    stays_open = window.isVisible()  # until the export has stopped
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        gate.set()  # the export goes on to its next record, where it sees it was cancelled
    qtbot.waitUntil(lambda: not window.isVisible())
    assert stays_open
    assert finished.args == [False, "Cancelled: nothing was written."]
    assert not runner.running
    assert list(folder.iterdir()) == []


def test_closing_the_window_during_an_import_rolls_it_back_first(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
) -> None:
    window = make_window()
    records = [
        {"id": f"new-{n}", "text": f"Artikel {n} baru.", "label": [[0, 7, "ORG"]]} for n in range(3)
    ]
    source = doccano_file(tmp_path / "doccano.jsonl", records)
    gate = threading.Event()
    gate_reader(monkeypatch, gate)
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    with qtbot.waitSignal(runner.job.progressed, timeout=10_000):
        pass
    tag_first_word(qtbot, window)  # saved once the import has stopped
    window.close()
    stays_open = window.isVisible()
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        gate.set()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert stays_open
    assert not finished.args[0]
    reopened = Store.open(db_url)
    try:
        stats = reopened.stats()
        assert (stats.articles, stats.labels) == (5, {"GPE": 1})
    finally:
        reopened.close()


def test_tagging_while_an_import_holds_the_database_is_saved_once_it_is_done(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
) -> None:
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: errors.append(args[2]))
    window = make_window()  # "ana" has tagged nothing yet: the import adds her
    records = [
        {"id": f"new-{n}", "text": f"Artikel {n} baru.", "label": [[0, 7, "ORG"]]}
        for n in range(300)
    ]
    source = doccano_file(tmp_path / "doccano.jsonl", records)
    gate = threading.Event()
    gate_reader(monkeypatch, gate, ahead=250)
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    # Once 200 documents are read, the first batch is stored: the import holds the write lock.
    with qtbot.waitSignal(
        runner.job.progressed, timeout=10_000, check_params_cb=lambda count: count >= 200
    ):
        pass
    tag_first_word(qtbot, window)
    window.editor.undo_group.undo()
    window.editor.undo_group.redo()
    document = window.editor.document
    assert [(s.label, s.text) for s in document.spans] == [("GPE", "Ukraina")]
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        gate.set()
    assert errors == []
    assert finished.args[0], finished.args[1]
    reopened = Store.open(db_url)
    try:
        saved = reopened.annotations(document.article.id, "ana").spans
        assert [(s.id, s.label, s.text) for s in saved] == [
            (document.spans[0].id, "GPE", "Ukraina")
        ]
        assert reopened.stats().spans == 301
    finally:
        reopened.close()


def test_an_edit_that_cannot_be_saved_after_an_import_is_reported_and_undone_on_screen(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    source = doccano_file(
        tmp_path / "doccano.jsonl", [{"id": "new-1", "text": "Baru.", "label": []}]
    )
    gate = threading.Event()
    gate_reader(monkeypatch, gate)
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    tag_first_word(qtbot, window)
    store = window.editor.workspace.store

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise DatabaseError("database error: disk I/O error")

    monkeypatch.setattr(store, "add_span", broken)
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        gate.set()
    box = window.exchange.result_box
    assert box is not None and box.icon() == QMessageBox.Icon.Warning
    assert box.text().endswith(
        "Not saved: edits made while the import ran:\ndatabase error: disk I/O error"
    )
    assert window.editor.document.spans == []  # what the database holds
    assert window.span_model.rowCount() == 0


def news_folder(tmp_path: Path) -> Path:
    """A folder with a .txt article and a .jsonl file of two, as ``annotator import`` takes."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "banjir.txt").write_text("Banjir di Semarang\n\nHujan deras sejak pagi.\n")
    records = [
        {"id": "pemilu-1", "title": "Pemilu", "text": "KPU menetapkan jadwal.", "meta": {}},
        {"id": "pemilu-2", "text": "Debat kedua digelar malam ini.", "source": "Antara"},
    ]
    (folder / "pemilu.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return folder


def test_file_import_takes_a_folder_of_article_files(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    folder = news_folder(tmp_path)

    def fill_in() -> None:  # as a user does in File ▸ Import…
        dialog = window.findChild(ImportDialog)
        assert dialog is not None and dialog.isVisible()
        try:
            dialog.format_box.setCurrentIndex(dialog.format_box.findData(exchange.ARTICLES))
            assert not dialog.unit_box.isEnabled()  # options of annotated files only
            dialog.path_edit.setText(str(folder))
        except BaseException:
            dialog.reject()  # the test fails rather than wait for the dialog forever
            raise
        dialog.accept()

    QTimer.singleShot(0, fill_in)
    window.exchange.import_()
    runner = window.exchange.runner
    assert runner is not None
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    ok, message = finished.args
    assert ok, message
    assert message == (
        "banjir.txt: 1 added, 0 already present\npemilu.jsonl: 2 added, 0 already present"
    )
    titles = [summary.title for summary in window.articles.model.summaries()]
    assert titles[5:] == ["Banjir di Semarang", "Pemilu", "Debat kedua digelar malam ini."]


def test_a_cancelled_import_of_article_files_keeps_the_files_imported_before(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
) -> None:
    window = make_window()
    folder = news_folder(tmp_path)
    gate = threading.Event()
    real = exchange.read_articles

    def read(path: Path) -> Iterator[Any]:
        return gated(real(path), gate) if path.suffix == ".jsonl" else real(path)

    monkeypatch.setattr(exchange, "read_articles", read)
    runner = window.exchange.start_import(exchange.ARTICLES, folder, ImportOptions())
    with qtbot.waitSignal(runner.job.progressed, check_params_cb=lambda n: n == 2):
        pass  # banjir.txt is in, and the first article of pemilu.jsonl read
    cancel = runner.dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    cancel.click()
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        gate.set()
    ok, message = finished.args
    assert not ok
    assert message == (
        "Cancelled: nothing was imported from pemilu.jsonl on. Before it:\n"
        "banjir.txt: 1 added, 0 already present"
    )
    assert window.articles.model.rowCount() == 6
    reopened = Store.open(db_url)
    try:
        assert reopened.article_count() == 6
    finally:
        reopened.close()


def import_and_wait(qtbot: QtBot, window, source: Path) -> str:  # type: ignore[no-untyped-def]
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    ok, message = finished.args
    assert ok, message
    return str(message)


def test_an_import_keeps_the_undo_history_of_the_articles_it_leaves_alone(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    tag_first_word(qtbot, window)
    first = window.editor.document
    source = tmp_path / "doccano.jsonl"
    doccano_file(source, [{"id": "new-1", "text": "Presiden Joko.", "label": [[9, 13, "PER"]]}])
    import_and_wait(qtbot, window, source)
    assert window.articles.model.rowCount() == 6
    assert window.editor.document is first
    window.editor.undo_group.undo()
    assert first.spans == []
    assert window.editor.workspace.store.annotations(first.article.id, "ana").spans == ()


def test_an_import_that_changes_an_open_article_reads_it_again_and_says_so(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    tag_first_word(qtbot, window)  # on the first article, left open
    first = window.editor.document.article
    window.articles.view.selectRow(1)
    tag_first_word(qtbot, window, "a")  # on the second, open now
    second = window.editor.document.article
    source = tmp_path / "doccano.jsonl"
    record = {"id": second.external_id, "text": second.text, "label": [[0, 6, "ORG"]]}
    doccano_file(source, [record])
    import_and_wait(qtbot, window, source)
    assert window.statusBar().currentMessage() == (
        "The import changed this article: it was read again, and its undo history cleared."
    )
    document = window.editor.document
    assert document.article.id == second.id
    assert sorted((s.text, s.label) for s in document.spans) == [
        ("Harbor", "GPE"),
        ("Harbor", "ORG"),
    ]
    qtbot.waitUntil(lambda: window.span_model.rowCount() == 2)  # filled once the text shows
    assert not window.editor.undo_group.canUndo()
    window.articles.view.selectRow(0)  # the first article kept its history
    assert window.editor.document.article.id == first.id
    assert window.editor.undo_group.canUndo()


def test_an_export_into_a_missing_folder_names_the_path_chosen(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    tag_first_word(qtbot, window)
    target = tmp_path / "missing" / "out.jsonl"
    runner = window.exchange.start_export("jsonl", target, {})
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    assert finished.args == [False, f"cannot write {target}: No such file or directory"]


def failed_import_message(qtbot: QtBot, window, source: Path) -> str:  # type: ignore[no-untyped-def]
    runner = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    ok, message = finished.args
    assert not ok
    return str(message)


def test_import_errors_name_the_dialog_s_options_not_the_command_line_s(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    emoji = "Presiden 😀 Joko berpidato."  # offsets after the emoji differ by unit
    source = doccano_file(tmp_path / "doccano.jsonl", [{"text": emoji, "label": [[11, 15, "PER"]]}])
    assert failed_import_message(qtbot, window, source) == (
        f"cannot tell whether offsets in {source}:1 count code points, UTF-16 code units or "
        "grapheme clusters; the text has characters outside the BMP, combining marks or CRLF: "
        "choose what they count under “Offsets count”. Nothing was imported."
    )
    doccano_file(source, [{"text": "Presiden Joko.", "label": [[9, 40, "PER"]]}])
    message = failed_import_message(qtbot, window, source)
    assert message.endswith(
        "Nothing was imported; “Skip invalid spans” imports the rest and lists what it leaves out."
    )
    assert "--" not in message


def test_closing_the_window_stops_every_running_job_first(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
) -> None:
    window, gate = window_with_a_held_export(qtbot, make_window, monkeypatch)
    folder, export = export_under_way(qtbot, window, tmp_path)
    gate_reader(monkeypatch, gate)
    records = [{"id": f"new-{n}", "text": f"Artikel {n} baru.", "label": []} for n in range(3)]
    source = doccano_file(tmp_path / "doccano.jsonl", records)
    import_ = window.exchange.start_import("doccano", source, ImportOptions(annotator="ana"))
    with qtbot.waitSignal(import_.job.progressed, timeout=10_000):
        pass
    window.close()
    with qtbot.waitSignals([export.finished, import_.finished], timeout=10_000):
        gate.set()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert not export.running and not import_.running
    assert list(folder.iterdir()) == []
    reopened = Store.open(db_url)
    try:
        assert reopened.article_count() == 5
    finally:
        reopened.close()


def test_an_article_with_edits_waiting_for_an_import_is_not_forgotten(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    """Only the last few articles are kept open; one whose edits have not been written yet
    stays, or opening it again would read the database without them."""
    monkeypatch.setattr(editor_module, "KEPT_ARTICLES", 1)
    window = make_window()
    edits = window.editor.workspace.edits
    edits.hold()  # as a running import does
    tag_first_word(qtbot, window)
    tagged = window.editor.document
    for row in (1, 2, 3):
        window.articles.view.selectRow(row)
    assert len(window.editor._stacks) == 2  # the tagged article and the open one
    window.editor.open_article(tagged.article.id)
    assert window.editor.document is tagged
    assert [(s.label, s.text) for s in tagged.spans] == [("GPE", "Ukraina")]
    assert edits.release() == {}
    reopened = Store.open(db_url)
    try:
        assert [s.text for s in reopened.annotations(tagged.article.id, "ana").spans] == ["Ukraina"]
    finally:
        reopened.close()


def test_a_second_import_keeps_on_screen_the_edits_the_first_one_holds(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
) -> None:
    window = make_window()
    article = window.editor.document.article
    real = exchange.reader_for
    gate = threading.Event()
    gate_reader(monkeypatch, gate)
    others = [{"id": f"new-{n}", "text": f"Artikel {n} baru.", "label": []} for n in range(3)]
    first = window.exchange.start_import(
        "doccano", doccano_file(tmp_path / "first.jsonl", others), ImportOptions(annotator="ana")
    )
    with qtbot.waitSignal(first.job.progressed, timeout=10_000):
        pass
    tag_first_word(qtbot, window)  # kept until the first import ends
    monkeypatch.setattr(exchange, "reader_for", real)
    start = article.text.index("Bakhmut")
    record = {"id": article.external_id, "text": article.text, "label": [[start, start + 7, "LOC"]]}
    import_and_wait(qtbot, window, doccano_file(tmp_path / "second.jsonl", [record]))
    shown = [(s.label, s.text) for s in window.editor.document.spans]
    assert shown == [("GPE", "Ukraina")]  # not read again yet: it would lack the kept tag
    with qtbot.waitSignal(first.finished, timeout=10_000):
        gate.set()
    document = window.editor.document
    assert sorted((s.label, s.text) for s in document.spans) == [
        ("GPE", "Ukraina"),
        ("LOC", "Bakhmut"),
    ]
    store = Store.open(db_url)
    try:
        assert len(store.annotations(article.id, "ana").spans) == 2
    finally:
        store.close()


def test_export_waits_for_edits_that_are_not_saved_yet(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
    window = make_window()
    window.editor.workspace.edits.hold()  # as a running import does
    tag_first_word(qtbot, window)
    window.exchange.export()
    assert told and told[0].startswith("1 edits are not saved yet")
    assert window.editor.workspace.edits.release() == {}

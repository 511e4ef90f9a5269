"""File ▸ Export and File ▸ Import run on a worker thread, report progress, and cancel cleanly."""

from __future__ import annotations

from pathlib import Path

import orjson
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.formats.base import ImportOptions
from annotator.storage.store import Store
from conftest import WindowFactory


def tag_first_word(qtbot: QtBot, window) -> None:  # type: ignore[no-untyped-def]
    text = window.editor.document.text
    start = text.index("Ukraina")
    window.article_view.select_range(start, start + 7)
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


def test_a_cancelled_export_leaves_no_file(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    tag_first_word(qtbot, window)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.jsonl"
    runner = window.exchange.start_export("jsonl", target, {})
    runner.job.progressed.connect(runner.job.cancel)  # cancel as soon as work has begun
    with qtbot.waitSignal(runner.finished, timeout=10_000) as finished:
        pass
    assert finished.args == [False, "Cancelled: nothing was written."]
    assert list((tmp_path / "out").iterdir()) == []


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
    assert window.span_model.rowCount() == 1

"""Time tagging one span (and undoing it) in a 1M-character article with 20,000 spans.

Run: .venv/bin/python benchmarks/tag_latency.py [--tags N] [--dir FOLDER] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import re
import sqlite3
import statistics
from collections import defaultdict
from pathlib import Path

from workload import (
    FUNCTION_WORDS,
    USER,
    Recorder,
    build_database,
    isolate_settings,
    make_workload,
    median_ms,
    offscreen,
    show_and_wait,
    table,
    temp_dir,
    timed,
    verdict,
)
from workload import (
    settle as settle_events,
)

offscreen()

from PySide6.QtGui import QTextCursor  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.gui import create_main_window  # noqa: E402
from annotator.gui.article_list import ArticleListModel  # noqa: E402
from annotator.gui.editor import Editor  # noqa: E402
from annotator.gui.main_window import MainWindow  # noqa: E402
from annotator.gui.span_table import SpanTableModel  # noqa: E402
from annotator.storage.store import Store  # noqa: E402

TARGET_MS = 16.0
_WORD = re.compile(r"[^\W_]{3,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tags", type=int, default=60, help="spans to tag (default 60)")
    parser.add_argument("--dir", type=Path, help="folder for the databases (default: a temp dir)")
    parser.add_argument("--profile", action="store_true", help="also profile one tag and undo")
    args = parser.parse_args()
    count = max(args.tags, 1)

    with temp_dir("annotator-bench-tag-") as folder:
        tmp = args.dir or Path(folder)
        tmp.mkdir(parents=True, exist_ok=True)
        small = make_workload("small", 3_000, 20, seed=1)
        big = make_workload("1M", 1_000_000, 20_000, seed=11)
        db = tmp / "bench-tag.db"
        remove_databases(tmp, db)
        ids = build_database(db, [small, big])
        baseline = raw_insert_commit(tmp / "bench-raw.db", big.spans, count)

        app = QApplication.instance() or QApplication([])
        isolate_settings(Path(folder) / "settings")
        window = create_main_window(f"sqlite:///{db}", USER)
        show_and_wait(window)
        editor = window.editor
        assert editor is not None
        editor.open_article(ids["1M"])
        window.article_view.viewport().repaint()
        settle()
        assert editor.document is not None and len(editor.document.spans) == len(big.spans)

        words = pick_words(big.text, count + 2, seed=5)
        warm_up(window, words.pop())
        if args.profile:
            profile_one(window, words.pop())
        tag_times, undo_times, parts = measure(window, words[:count])
        window.close()
        app.processEvents()
        editor.workspace.store.close()
        remove_databases(tmp, db)

    raw_ms = median_ms(baseline)
    rows = []
    for name, samples in (("tag (apply_label)", tag_times), ("undo", undo_times)):
        ms = median_ms(samples)
        p90 = sorted(samples)[int(0.9 * (len(samples) - 1))] * 1000
        rows.append(
            (
                name,
                len(samples),
                ms,
                p90,
                raw_ms,
                ms / raw_ms,
                f"<= {TARGET_MS:.0f} ms",
                verdict(ms <= TARGET_MS),
            )
        )
    print(f"Tag latency: 1M chars, 20000 spans, databases in {tmp}\n")
    print(
        table(
            (
                "action",
                "n",
                "median ms",
                "p90 ms",
                "raw INSERT+COMMIT ms",
                "ratio",
                "target",
                "result",
            ),
            rows,
        )
    )
    for name, steps in parts.items():
        print(f"\nBreakdown, {name} (median per action)\n")
        print(table(("step", "ms"), steps))


def remove_databases(folder: Path, db: Path) -> None:
    for name in (db.name, "bench-raw.db"):
        for suffix in ("", "-wal", "-shm"):
            (folder / (name + suffix)).unlink(missing_ok=True)


def raw_insert_commit(path: Path, spans: list[dict[str, object]], count: int) -> list[float]:
    """One INSERT + COMMIT per row with plain sqlite3 (WAL, synchronous=FULL) into a spans-like
    table already holding the article's spans."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute(
        "CREATE TABLE spans (id TEXT PRIMARY KEY, set_id INTEGER NOT NULL, start INTEGER NOT NULL,"
        ' "end" INTEGER NOT NULL, label TEXT NOT NULL, text TEXT NOT NULL, attrs TEXT NOT NULL,'
        " origin TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    connection.execute("CREATE INDEX ix_spans_set_start ON spans (set_id, start)")
    insert = "INSERT INTO spans VALUES (?, 1, ?, ?, ?, ?, '{}', 'manual', ?, ?)"

    def values(row: dict[str, object], suffix: str = "") -> tuple[object, ...]:
        stamp = str(row["created_at"])
        return (
            f"{row['id']}{suffix}",
            row["start"],
            row["end"],
            row["label"],
            row["text"],
            stamp,
            stamp,
        )

    connection.execute("BEGIN")
    connection.executemany(insert, [values(row) for row in spans])
    connection.execute("COMMIT")
    times = []
    for n, row in enumerate(spans[:count]):

        def one(row: dict[str, object] = row, n: int = n) -> None:
            connection.execute("BEGIN")
            connection.execute(insert, values(row, f"-{n}"))
            connection.execute("COMMIT")

        times.append(timed(one))
    connection.close()
    return times


def pick_words(text: str, count: int, seed: int) -> list[tuple[int, int]]:
    """``count`` words (not function words: one tags names and terms) spread over the whole
    text, in random order."""
    rng = random.Random(seed)
    function = set(FUNCTION_WORDS)
    words = [m.span() for m in _WORD.finditer(text) if m.group().lower() not in function]
    stride = len(words) // count
    picked = [words[i * stride + rng.randrange(stride)] for i in range(count)]
    rng.shuffle(picked)
    return picked


def select_word(window: MainWindow, start: int, end: int) -> None:
    """Select code points [start, end) through the view's QTextCursor, as a drag would."""
    editor = window.editor
    assert editor is not None and editor.document is not None
    offsets = editor.document.offsets
    view = window.article_view
    cursor = QTextCursor(view.document())
    cursor.setPosition(offsets.to_qt(start))
    cursor.setPosition(offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    QApplication.processEvents()


def settle() -> None:
    """No background work (reading the article, suggestions) runs on into the next step.

    No forced garbage collection here: a full collection over a document of 20,000 spans
    leaves the CPU caches cold and adds a millisecond or two to the next action, which the
    application itself never sees in that way."""
    settle_events()


def instrument(recorder: Recorder, window: MainWindow) -> None:
    recorder.wrap(Store, "add_span", "db")
    recorder.wrap(Store, "delete_span", "db")
    recorder.wrap(SpanTableModel, "_added", "table")
    recorder.wrap(SpanTableModel, "_removed", "table")
    recorder.wrap(window.article_view.highlighter, "rehighlight_range", "highlight")
    recorder.wrap(ArticleListModel, "update_article", "list")
    recorder.wrap(Editor, "select_span", "select")


STEPS = (
    ("store (SQL + commit)", "db"),
    ("span table row insert/remove", "table"),
    ("rehighlight changed blocks", "highlight"),
    ("article list row update", "list"),
    ("select_span (table + marker)", "select"),
)


def measure(
    window: MainWindow, words: list[tuple[int, int]]
) -> tuple[list[float], list[float], dict[str, list[tuple[str, float]]]]:
    editor = window.editor
    assert editor is not None and editor.document is not None
    view = window.article_view
    before = len(editor.document.spans)
    recorder = Recorder()
    instrument(recorder, window)
    samples: dict[str, dict[str, list[float]]] = {
        "tag": defaultdict(list),
        "undo": defaultdict(list),
    }
    tags: list[float] = []
    undos: list[float] = []
    try:
        for start, end in words:
            select_word(window, start, end)
            settle()
            recorder.reset()
            action = timed(lambda: editor.apply_label("PER"))
            events = timed(QApplication.processEvents)
            paint = timed(view.viewport().repaint)
            tags.append(action + events + paint)
            record(samples["tag"], recorder, action, events, paint)
        assert len(editor.document.spans) == before + len(words), "some tags were not applied"
        for start, _end in reversed(words):
            view.collapse_selection_to(start)
            view.ensureCursorVisible()
            settle()
            recorder.reset()
            action = timed(editor.undo)
            events = timed(QApplication.processEvents)
            paint = timed(view.viewport().repaint)
            undos.append(action + events + paint)
            record(samples["undo"], recorder, action, events, paint)
        assert len(editor.document.spans) == before, "some undos did not remove their span"
    finally:
        recorder.restore()
    parts = {
        name: [(step, statistics.median(values) * 1000) for step, values in steps.items()]
        for name, steps in samples.items()
    }
    return tags, undos, parts


def record(
    into: dict[str, list[float]], recorder: Recorder, action: float, events: float, paint: float
) -> None:
    totals = recorder.totals
    inner = 0.0
    for label, key in STEPS:
        into[label].append(totals[key])
        inner += totals[key]
    into["action, rest (model, undo stack, signals)"].append(action - inner)
    into["processEvents"].append(events)
    into["paint (viewport repaint)"].append(paint)
    into["total"].append(action + events + paint)


def warm_up(window: MainWindow, word: tuple[int, int]) -> None:
    """One untimed tag and undo: the first use of some Qt enums and SQL statements is slow."""
    editor = window.editor
    assert editor is not None
    select_word(window, *word)
    editor.apply_label("PER")
    settle()
    editor.undo()
    settle()


def profile_one(window: MainWindow, word: tuple[int, int]) -> None:
    editor = window.editor
    assert editor is not None
    select_word(window, *word)
    settle()
    for name, action in (
        ("tag", lambda: editor.apply_label("PER")),
        ("undo", editor.undo),
    ):
        profiler = cProfile.Profile()
        profiler.enable()
        action()
        QApplication.processEvents()
        window.article_view.viewport().repaint()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(f"cProfile, one {name}:\n{out.getvalue()}")
        settle()


if __name__ == "__main__":
    main()

"""Time opening a large annotated article in the main window against a bare QPlainTextEdit.

Run: .venv/bin/python benchmarks/open_article.py [--runs N]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workload import (
    USER,
    Recorder,
    Workload,
    build_database,
    isolate_settings,
    make_workload,
    median_ms,
    offscreen,
    release_signals,
    settle,
    show_and_wait,
    table,
    temp_dir,
    timed,
    verdict,
)

offscreen()

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication, QPlainTextEdit  # noqa: E402

from annotator.core.offsets import OffsetMap  # noqa: E402
from annotator.gui import create_main_window  # noqa: E402
from annotator.gui.article_list import ArticleListPanel  # noqa: E402
from annotator.gui.article_view import ArticleView  # noqa: E402
from annotator.gui.document import ArticleDocument  # noqa: E402
from annotator.gui.editor import Editor  # noqa: E402
from annotator.gui.main_window import MainWindow  # noqa: E402
from annotator.gui.span_table import SpanTableModel  # noqa: E402
from annotator.storage.store import Store  # noqa: E402

CASES = (
    # name, characters, spans, allowed ratio to the bare widget
    ("100k", 100_000, 2_000, 1.5),
    ("1M", 1_000_000, 20_000, 3.0),
)
SMALL = "small"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per case (default 9)")
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of one open of each case"
    )
    args = parser.parse_args()
    runs = max(args.runs, 1)

    with temp_dir("annotator-bench-open-") as folder:
        tmp = Path(folder)
        workloads = [make_workload(SMALL, 3_000, 20, seed=1)]
        workloads += [
            make_workload(name, chars, spans, seed=10 + i)
            for i, (name, chars, spans, _) in enumerate(CASES)
        ]
        ids = build_database(tmp / "bench.db", workloads)
        app = QApplication.instance() or QApplication([])
        isolate_settings(tmp / "settings")
        window = create_main_window(f"sqlite:///{tmp / 'bench.db'}", USER)
        show_and_wait(window)
        bare = QPlainTextEdit()
        bare.setFont(window.article_view.font())
        bare.resize(window.article_view.size())
        show_and_wait(bare)
        alone = ArticleView()  # the window's article view class, on its own
        alone.set_colors({label.name: label.color for label in window.editor.schema.labels})
        alone.resize(window.article_view.size())
        show_and_wait(alone)

        results = []
        breakdowns = {}
        suggestions: dict[str, int | None] = {}
        for name, _chars, _spans, limit in CASES:
            workload = next(w for w in workloads if w.external_id == name)
            time_bare(bare, workload.text)  # warm-up, untimed
            time_open(window, ids[SMALL], ids[name])
            bare_times, app_times, alone_times = [], [], []
            for _ in range(runs):  # alternate, so drift affects both sides alike
                bare_times.append(time_bare(bare, workload.text))
                app_times.append(time_open(window, ids[SMALL], ids[name]))
                alone_times.append(time_view_alone(alone, window, ids[name]))
            check_highlighted(window, workload)
            complete_ms = median_ms(
                time_complete(window, ids[SMALL], ids[name]) for _ in range(runs)
            )
            bare_ms, app_ms = median_ms(bare_times), median_ms(app_times)
            ratio = app_ms / bare_ms
            results.append(
                (
                    name,
                    len(workload.text),
                    len(workload.spans),
                    bare_ms,
                    app_ms,
                    ratio,
                    f"<= {limit:.1f}x",
                    verdict(ratio <= limit),
                    complete_ms,
                )
            )
            alone_ms = median_ms(alone_times)
            results.append(
                (
                    f"{name}, view alone",
                    len(workload.text),
                    len(workload.spans),
                    bare_ms,
                    alone_ms,
                    alone_ms / bare_ms,
                    f"<= {limit:.1f}x",
                    verdict(alone_ms / bare_ms <= limit),
                    "",
                )
            )
        for name, *_ in CASES:  # instrumented runs last: they patch the code they time
            breakdowns[name] = breakdown(window, ids[SMALL], ids[name], runs)
            suggestions[name] = suggestion_count(window)
        profiles = {}
        if args.profile:
            profiles = {name: profile_open(window, ids[SMALL], ids[name]) for name, *_ in CASES}
        settle()
        window.close()
        bare.close()
        alone.close()
        app.processEvents()
        window.editor.workspace.store.close()  # type: ignore[union-attr]

    print(f"Open article: median of {runs} runs (load + highlight + processEvents + repaint)")
    print("(all spans ms: until the rest of the spans and the relations are read, not timed;")
    print(" view alone: the article view by itself, without the window's docks)\n")
    print(
        table(
            (
                "case",
                "chars",
                "spans",
                "bare ms",
                "annotator ms",
                "ratio",
                "target",
                "result",
                "all spans ms",
            ),
            results,
        )
    )
    for name, rows in breakdowns.items():
        print(f"\nBreakdown, {name} (median of {runs} instrumented runs)\n")
        print(table(("step", "ms", "share"), rows))
        print('("of which" rows may overlap, e.g. loading suggestions rehighlights the text)')
        if suggestions[name] is not None:
            print(f"(suggestions on offer after the open: {suggestions[name]})")
    for name, profile in profiles.items():
        print(f"\ncProfile, one open of {name}:\n{profile}")


def profile_open(window: MainWindow, small_id: int, article_id: int) -> str:
    """cProfile of one open (+ processEvents + repaint), top functions by own time."""
    switch_away(window, small_id)
    profiler = cProfile.Profile()
    profiler.enable()
    window.editor.open_article(article_id)  # type: ignore[union-attr]
    QApplication.processEvents()
    window.article_view.viewport().repaint()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    return out.getvalue()


def time_bare(view: QPlainTextEdit, text: str) -> float:
    view.setPlainText("")
    settle()  # the window's background work (reading an article's rest) is done

    def run() -> None:
        view.setPlainText(text)
        QApplication.processEvents()
        view.viewport().repaint()

    return timed(run)


def time_view_alone(view: ArticleView, window: MainWindow, article_id: int) -> float:
    """The article view on its own, opening the article from the database: the document
    (text, status, the spans of the blocks on screen), the text and the highlights, without
    the window's other panels. Its rest is never read (nothing listens for the first paint)."""
    editor = window.editor
    assert editor is not None
    store, schema = editor.workspace.store, editor.schema
    view.setPlainText("")
    settle()

    def run() -> None:
        head = view.characters_on_screen()  # as the editor opens it
        view.show_article(ArticleDocument.open(store, schema, article_id, USER, head))
        QApplication.processEvents()
        view.viewport().repaint()

    return timed(run)


def switch_away(window: MainWindow, small_id: int) -> None:
    """Open the small article and drop every other cached document, so the next open reads
    the database again."""
    editor = window.editor
    assert editor is not None
    settle()  # the previous open's background reads and suggestions are done
    editor.open_article(small_id)
    window.article_view.viewport().repaint()
    for article_id in [a for a in editor._stacks if a != small_id]:
        document, stack = editor._stacks.pop(article_id)
        editor.undo_group.removeStack(stack)
        stack.setParent(None)
        stack.deleteLater()
        release_signals(document)
    settle()  # and so are the small article's


def time_open(window: MainWindow, small_id: int, article_id: int) -> float:
    switch_away(window, small_id)
    editor = window.editor
    assert editor is not None

    def run() -> None:
        editor.open_article(article_id)
        QApplication.processEvents()
        window.article_view.viewport().repaint()

    elapsed = timed(run)
    assert editor.document is not None and editor.document.article.id == article_id
    return elapsed


def time_complete(window: MainWindow, small_id: int, article_id: int) -> float:
    """Open, then run the event loop until the document holds every span and relation."""
    switch_away(window, small_id)
    editor = window.editor
    assert editor is not None

    def run() -> None:
        editor.open_article(article_id)
        while editor.document is not None and not editor.document.complete:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

    return timed(run)


def check_highlighted(window: MainWindow, workload: Workload) -> None:
    """The timed open really formatted the spans (guards against a silently empty run), and
    the whole span list arrives afterwards."""
    editor = window.editor
    assert editor is not None and editor.document is not None
    assert window.article_view.document().firstBlock().layout().formats() or not any(
        s.start < len(editor.document.text) // 100 for s in workload.spans
    )
    while not editor.document.complete:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    assert len(editor.document.spans) == len(workload.spans)
    span = editor.document.spans[0]
    block = window.article_view.document().findBlock(editor.document.offsets.to_qt(span.start))
    assert block.layout().formats(), "the first span's block carries no highlight formats"


# ------------------------------------------------------------------------------- breakdown


@contextmanager
def instrumented(window: MainWindow) -> Iterator[Recorder]:
    recorder = Recorder()
    recorder.wrap(Store, "open_article", "db_article")
    recorder.wrap(Store, "spans", "db_spans")
    recorder.wrap(ArticleDocument, "fetch_until", "fetch")
    recorder.wrap(OffsetMap, "__init__", "offsets")
    recorder.wrap(ArticleDocument, "__init__", "document")
    recorder.wrap(SpanTableModel, "set_document", "table")
    for name in ("show_article", "show_text"):  # the view's "display this article" method
        recorder.wrap(ArticleView, name, "show")
    recorder.wrap(window.article_view.highlighter, "_format_block", "highlight")
    recorder.wrap(ArticleListPanel, "select_article", "list")
    recorder.wrap(Editor, "_load_suggestions", "suggestions")
    recorder.wrap(window.span_model, "data", "table_data")
    recorder.wrap(window.span_model, "multiData", "table_data")
    try:
        yield recorder
    finally:
        recorder.restore()


OPEN_STEPS = (  # label, key, keys of nested steps to subtract (joined by "+")
    ("DB: open_article (text, status, spans of the first screen)", "db_article", None),
    ("DB: more spans on screen (beyond the first read)", "db_spans", None),
    ("OffsetMap build", "offsets", None),
    ("ArticleDocument rest (sort, SpanIndex)", "document", "offsets"),
    ("span table reset", "table", None),
    ("show article, rest (Qt setPlainText)", "show", "fetch+highlight"),
    ("format visible blocks (Python)", "highlight", None),
    ("article list select", "list", None),
)
EVENT_STEPS = (
    ("suggestions (Editor._load_suggestions)", "suggestions"),
    ("format blocks (Python)", "highlight"),
    ("span table data() and multiData() (Python)", "table_data"),
)


def breakdown(window: MainWindow, small_id: int, article_id: int, runs: int) -> list[tuple]:
    """Where one open spends its time: open_article's parts, then what the first event-loop
    turn runs ("of which" rows may overlap), then the paint."""
    editor = window.editor
    assert editor is not None
    samples: dict[str, list[float]] = defaultdict(list)
    with instrumented(window) as recorder:
        for _ in range(runs):
            switch_away(window, small_id)
            recorder.reset()
            opening = timed(lambda: editor.open_article(article_id))
            after_open = recorder.snapshot()
            events = timed(QApplication.processEvents)
            after_events = recorder.snapshot()
            paint = timed(window.article_view.viewport().repaint)
            assert recorder.calls["highlight"] > 0, "block formatting was not instrumented"
            parts: dict[str, float] = {}
            for label, key, nested in OPEN_STEPS:
                if key in recorder.wrapped:
                    inner = sum(after_open.get(k, 0.0) for k in (nested or "").split("+"))
                    parts[label] = after_open.get(key, 0.0) - inner
            parts["open_article, rest"] = opening - sum(parts.values())
            parts["processEvents (first event-loop turn)"] = events
            for label, key in EVENT_STEPS:
                if key in recorder.wrapped:
                    spent = after_events.get(key, 0.0) - after_open.get(key, 0.0)
                    parts[f"  of which {label}"] = spent
            parts["paint (viewport repaint)"] = paint
            parts["total"] = opening + events + paint
            for step, value in parts.items():
                samples[step].append(value)
    medians = {step: statistics.median(values) * 1000 for step, values in samples.items()}
    total = medians["total"]
    return [(step, ms, f"{100 * ms / total:.0f}%") for step, ms in medians.items()]


def suggestion_count(window: MainWindow) -> int | None:
    """How many suggestions the open article offers (None if the editor has none)."""
    document = window.editor.document if window.editor else None
    offered = getattr(document, "open_suggestions", None)
    return len(offered()) if callable(offered) else None


if __name__ == "__main__":
    main()

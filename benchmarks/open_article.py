"""Time opening a large annotated article in the main window against a bare QPlainTextEdit.

Run: .venv/bin/python benchmarks/open_article.py [--runs N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workload import (
    USER,
    Workload,
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

offscreen()

from PySide6.QtWidgets import QApplication, QPlainTextEdit  # noqa: E402

from annotator.core.offsets import OffsetMap  # noqa: E402
from annotator.gui import create_main_window  # noqa: E402
from annotator.gui.article_list import ArticleListPanel  # noqa: E402
from annotator.gui.article_view import ArticleView  # noqa: E402
from annotator.gui.document import ArticleDocument  # noqa: E402
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
    args = parser.parse_args()
    runs = max(args.runs, 1)

    with temp_dir("annotator-bench-open-") as folder:
        tmp = Path(folder)
        workloads = [make_workload(SMALL, 3_000, 20, seed=1)]
        workloads += [make_workload(name, chars, spans, seed=10 + i) for i, (name, chars, spans, _) in enumerate(CASES)]
        ids = build_database(tmp / "bench.db", workloads)
        app = QApplication.instance() or QApplication([])
        isolate_settings(tmp / "settings")
        window = create_main_window(f"sqlite:///{tmp / 'bench.db'}", USER)
        show_and_wait(window)
        bare = QPlainTextEdit()
        bare.setFont(window.article_view.font())
        bare.resize(window.article_view.size())
        show_and_wait(bare)

        results = []
        breakdowns = {}
        for name, _chars, _spans, limit in CASES:
            workload = next(w for w in workloads if w.external_id == name)
            bare_times, app_times = [], []
            for _ in range(runs):  # alternate, so drift affects both sides alike
                bare_times.append(time_bare(bare, workload.text))
                app_times.append(time_open(window, ids[SMALL], ids[name]))
            check_highlighted(window, workload)
            bare_ms, app_ms = median_ms(bare_times), median_ms(app_times)
            ratio = app_ms / bare_ms
            results.append(
                (name, len(workload.text), len(workload.spans), bare_ms, app_ms, ratio,
                 f"<= {limit:.1f}x", verdict(ratio <= limit))
            )
        for name, *_ in CASES:  # instrumented runs last: they patch the code they time
            breakdowns[name] = breakdown(window, ids[SMALL], ids[name], runs)
        window.close()
        bare.close()
        app.processEvents()
        window.editor.workspace.store.close()  # type: ignore[union-attr]

    print(f"Open article: median of {runs} runs (load + highlight + processEvents + repaint)\n")
    print(
        table(
            ("case", "chars", "spans", "bare ms", "annotator ms", "ratio", "target", "result"),
            results,
        )
    )
    for name, rows in breakdowns.items():
        print(f"\nBreakdown, {name} (median of {runs} instrumented runs)\n")
        print(table(("step", "ms", "share"), rows))


def time_bare(view: QPlainTextEdit, text: str) -> float:
    view.setPlainText("")
    QApplication.processEvents()
    gc.collect()

    def run() -> None:
        view.setPlainText(text)
        QApplication.processEvents()
        view.viewport().repaint()

    return timed(run)


def switch_away(window: MainWindow, small_id: int) -> None:
    """Open the small article and drop every other cached document, so the next open reads
    the database again."""
    editor = window.editor
    assert editor is not None
    editor.open_article(small_id)
    for article_id in [a for a in editor._stacks if a != small_id]:
        _document, stack = editor._stacks.pop(article_id)
        editor.undo_group.removeStack(stack)
        stack.setParent(None)
        stack.deleteLater()
    QApplication.processEvents()
    gc.collect()


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


def check_highlighted(window: MainWindow, workload: Workload) -> None:
    """The timed open really formatted the spans (guards against a silently empty run)."""
    editor = window.editor
    assert editor is not None and editor.document is not None
    assert len(editor.document.spans) == len(workload.spans)
    span = editor.document.spans[0]
    block = window.article_view.document().findBlock(editor.document.offsets.to_qt(span.start))
    assert block.layout().formats(), "the first span's block carries no highlight formats"


# ------------------------------------------------------------------------------- breakdown


class Recorder:
    """Accumulates wall time spent in selected functions, by name."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, attribute: str, key: str) -> None:
        """Time ``owner.attribute``; ``owner`` is a class, or an instance for a Qt virtual
        (the binding caches which Python override a C++ virtual calls, per object)."""
        original = owner.__dict__[attribute] if isinstance(owner, type) else None
        bound = getattr(owner, attribute)
        totals, calls = self.totals, self.calls

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return (original or bound)(*args, **kwargs)
            finally:
                totals[key] += time.perf_counter() - start
                calls[key] += 1

        setattr(owner, attribute, timed_call)
        self._undo.append((owner, attribute, original))

    def restore(self) -> None:
        for owner, attribute, original in reversed(self._undo):
            if original is None:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)
        self._undo.clear()

    def reset(self) -> None:
        self.totals.clear()
        self.calls.clear()


@contextmanager
def instrumented(window: MainWindow) -> Iterator[Recorder]:
    recorder = Recorder()
    recorder.wrap(Store, "get_article", "db_article")
    recorder.wrap(Store, "annotations", "db_spans")
    recorder.wrap(OffsetMap, "__init__", "offsets")
    recorder.wrap(ArticleDocument, "__init__", "document")
    recorder.wrap(SpanTableModel, "set_document", "table")
    recorder.wrap(ArticleView, "show_text", "show_text")
    recorder.wrap(window.article_view.highlighter, "highlightBlock", "highlight")
    recorder.wrap(ArticleListPanel, "select_article", "list")
    try:
        yield recorder
    finally:
        recorder.restore()


def breakdown(window: MainWindow, small_id: int, article_id: int, runs: int) -> list[tuple]:
    editor = window.editor
    assert editor is not None
    samples: dict[str, list[float]] = defaultdict(list)
    with instrumented(window) as recorder:
        for _ in range(runs):
            switch_away(window, small_id)
            recorder.reset()
            steps: dict[str, Callable[[], object]] = {
                "open_article": lambda: editor.open_article(article_id),
                "processEvents": QApplication.processEvents,
                "repaint": window.article_view.viewport().repaint,
            }
            measured = {step: timed(action) for step, action in steps.items()}
            totals = recorder.totals
            assert recorder.calls["highlight"] > 0, "highlightBlock was not instrumented"
            parts = {
                "DB: get_article (text)": totals["db_article"],
                "DB: annotations (spans)": totals["db_spans"],
                "OffsetMap build": totals["offsets"],
                "ArticleDocument sort + SpanIndex": totals["document"] - totals["offsets"],
                "span table reset": totals["table"],
                "setPlainText (Qt, excl. highlight)": totals["show_text"] - totals["highlight"],
                "highlightBlock (Python)": totals["highlight"],
                "article list select": totals["list"],
            }
            parts["open_article, rest"] = measured["open_article"] - sum(parts.values())
            parts["processEvents (layout, other widgets)"] = measured["processEvents"]
            parts["paint (viewport repaint)"] = measured["repaint"]
            for step, value in parts.items():
                samples[step].append(value)
            samples["total"].append(sum(measured.values()))
    medians = {step: statistics.median(values) * 1000 for step, values in samples.items()}
    total = medians["total"]
    return [(step, ms, f"{100 * ms / total:.0f}%") for step, ms in medians.items()]


if __name__ == "__main__":
    main()

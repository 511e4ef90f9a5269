"""Deterministic workloads shared by the benchmark scripts.

Articles are generated from a seeded random generator: sentences of function words, content
words and names (each drawn with Zipf frequencies from a vocabulary shared by all articles, so
strings recur as they do in news), paragraph breaks every 400-800 characters, a few non-BMP
emoji, and spans of 1-4 words with labels from the default schema, some of them nested in or
overlapping another span.

The database is filled through ``Store.import_articles`` (articles) and one SQLAlchemy Core
bulk insert into the spans table, which is much faster than ``Store.add_span`` per span.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LABELS = ("PER", "ORG", "GPE", "LOC", "NORP", "EVENT", "DATE", "QUOTE", "CUE", "CLAIM")
USER = "bench"


def _wordlist(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FUNCTION_WORDS = _wordlist(  # most frequent first; spans never start or end on one
    """
    the of and to in a that for on is was with said by as at from it has have be are his her
    their its an not this which but will after who had were would been also more than about
    over when where while because could should may into they he she we our new two
    """
)
_CONTENT = _wordlist(
    """
    government police minister year people city state officials percent report week month
    country council budget water flood rail service company market prices election party court
    case health school workers residents president spokesman statement plans project public
    million billion local national security agency growth economy trade exports imports fuel
    energy power station harbour district province region village coast river bridge road
    traffic signal fault train passengers delays morning evening night Monday Tuesday Friday
    January March June September December well-known long-term cost-of-living it's don't
    """
)
_NAMES = _wordlist(
    """
    Ana Budi Siti Rahman Okafor Lindqvist Moreau Tanaka Haddad Kowalski Fernandes Nguyen Jakarta
    Pekalongan Lagos Lyon Osaka Gdansk Lisbon Hanoi Harbor Reuters Antara Pertamina Bundesbank
    UNESCO Interpol Javanese Catholic Labour Olympics Expo Ramadan Mekong Andes
    """
)
_SYLLABLES = _wordlist("ba ri ko ta len mar sun dor vi ga per lo ne sto ran ki mu del sa tor")


def _vocabulary(size: int, capital: bool, seed: int) -> tuple[str, ...]:
    """``size`` distinct made-up words of 2-4 syllables (the long tail of a real vocabulary)."""
    rng = random.Random(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        words[word.capitalize() if capital else word] = None
    return tuple(words)


class _Zipf:
    """Draws from ``words`` with probability proportional to 1 / (rank + flatten)."""

    def __init__(self, words: Sequence[str], flatten: int = 0) -> None:
        self.words = list(words)
        weights = (1 / (rank + flatten) for rank in range(1, len(words) + 1))
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.words, cum_weights=self.cumulative)[0]


# Shared by every article, so the same strings recur across a project as they do in news.
_FUNCTION = _Zipf(FUNCTION_WORDS)
_CONTENT_WORDS = _Zipf(_CONTENT + _vocabulary(6000, capital=False, seed=101), flatten=30)
_PROPER_NAMES = _Zipf(_NAMES + _vocabulary(2000, capital=True, seed=102), flatten=10)
_EMOJI = (  # non-BMP: single, with variation selector, skin tone, flag, ZWJ sequence
    "\U0001f600",
    "\U0001f30a",
    "\U0001f686",
    "\U0001f4c8",
    "\U0001f5f3\ufe0f",
    "\U0001f44d\U0001f3fd",
    "\U0001f1ee\U0001f1e9",
    "\U0001f525",
    "\U0001f64f",
    "\U0001f4f0",
    "\U0001f469\u200d\u2695\ufe0f",
)
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")  # apostrophes and hyphens join


@dataclass
class Workload:
    """One generated article and the spans to store for it."""

    external_id: str
    title: str
    text: str
    spans: list[dict[str, object]] = field(default_factory=list)


def make_text(n_chars: int, seed: int) -> str:
    """About ``n_chars`` code points of news-like prose (never more)."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    total = 0
    while total < n_chars:
        target = rng.randint(400, 800)
        sentences: list[str] = []
        length = 0
        while length < target:
            sentence = _sentence(rng)
            sentences.append(sentence)
            length += len(sentence) + 1
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    text = "\n\n".join(paragraphs)
    if len(text) > n_chars:
        text = text[: text.rfind(" ", 0, n_chars)].rstrip() + "."
    return text


def _sentence(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(8, 28)):
        roll = rng.random()
        source = _FUNCTION if roll < 0.45 else _PROPER_NAMES if roll < 0.55 else _CONTENT_WORDS
        word = source.draw(rng)
        if rng.random() < 0.004:
            word += " " + rng.choice(_EMOJI)
        elif rng.random() < 0.06:
            word += ","
        words.append(word)
    words[0] = words[0][:1].upper() + words[0][1:]
    sentence = " ".join(words).rstrip(",")
    if rng.random() < 0.1:
        return f"“{sentence},” {_PROPER_NAMES.draw(rng)} said."
    return sentence + "."


def make_spans(text: str, count: int, seed: int) -> list[dict[str, object]]:
    """``count`` span rows (spans table columns, without ``set_id``) over 1-4 whole words,
    neither the first nor the last a function word; random labels.

    About 10% are nested inside an earlier multi-word span and 10% overlap one.
    """
    rng = random.Random(seed)
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    function = set(FUNCTION_WORDS)
    edge_ok = [text[start:end].lower() not in function for start, end in words]
    chosen: list[tuple[int, int]] = []  # (first word, number of words)
    while len(chosen) < count:
        roll = rng.random()
        multi = [c for c in chosen[-50:] if c[1] >= 2]
        if roll < 0.2 and multi:
            first, size = rng.choice(multi)
            if roll < 0.1:  # nested: a strict sub-range of the other span
                inner_first = rng.randint(first, first + size - 1)
                inner_size = rng.randint(1, first + size - inner_first)
                if (inner_first, inner_size) == (first, size):
                    inner_size -= 1
                candidate = (inner_first, inner_size)
            else:  # overlapping: starts inside the other span and ends after it
                shift = rng.randint(1, size - 1)
                candidate = (first + shift, rng.randint(size - shift + 1, 4))
        else:
            candidate = (rng.randrange(len(words)), rng.randint(1, 4))
        first, size = candidate
        if size < 1 or first + size > len(words):
            continue
        if not (edge_ok[first] and edge_ok[first + size - 1]):  # "the", "of" are not entities
            continue
        start, end = words[first][0], words[first + size - 1][1]
        if "\n" in text[start:end]:
            continue
        chosen.append(candidate)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for first, size in chosen:
        start, end = words[first][0], words[first + size - 1][1]
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                "start": start,
                "end": end,
                "label": rng.choice(LABELS),
                "text": text[start:end],
                "attrs": {},
                "origin": "manual",
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def make_workload(name: str, n_chars: int, n_spans: int, seed: int) -> Workload:
    text = make_text(n_chars, seed)
    return Workload(
        external_id=name,
        title=f"Benchmark article {name}",
        text=text,
        spans=make_spans(text, n_spans, seed + 1),
    )


def build_database(path: Path, workloads: Sequence[Workload], user: str = USER) -> dict[str, int]:
    """Create a database at ``path`` holding ``workloads``; returns external id -> article id."""
    from sqlalchemy import insert, select

    from annotator.core.models import ArticleIn, Status
    from annotator.storage import tables
    from annotator.storage.store import Store

    store = Store.open(f"sqlite:///{path}")
    try:
        store.import_articles(
            ArticleIn(external_id=w.external_id, title=w.title, text=w.text) for w in workloads
        )
        ids: dict[str, int] = {}
        for workload in workloads:
            article_id = store.find_article(workload.external_id)
            assert article_id is not None
            ids[workload.external_id] = article_id
            if not workload.spans:
                continue
            store.set_status(article_id, user, Status.IN_PROGRESS)  # creates the annotation set
            engine = store._engine
            with engine.begin() as connection:
                sets, annotators = tables.annotation_sets.c, tables.annotators.c
                set_id = connection.scalar(
                    select(sets.id)
                    .join(tables.annotators, annotators.id == sets.annotator_id)
                    .where(sets.article_id == article_id, annotators.name == user)
                )
                connection.execute(
                    insert(tables.spans), [{**row, "set_id": set_id} for row in workload.spans]
                )
    finally:
        store.close()
    return ids


# ------------------------------------------------------------------- measuring and reporting


def offscreen() -> None:
    """Run Qt headless unless the caller chose a platform, without its chatter on stderr."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(_qt_message)


_QUIET = ("This plugin does not support",)


def _qt_message(_mode: object, _context: object, message: str) -> None:
    if not message.startswith(_QUIET):
        print(message, file=sys.stderr)


def isolate_settings(folder: Path) -> None:
    """Keep QSettings (window layout, last article) out of the user's real configuration."""
    from PySide6.QtCore import QCoreApplication, QSettings

    from annotator.gui.app import APPLICATION, ORGANISATION

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)


def temp_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix)


def show_and_wait(widget: object, timeout: float = 5.0) -> None:
    """Show a top-level widget and process events until its window is exposed."""
    from PySide6.QtWidgets import QApplication, QWidget

    assert isinstance(widget, QWidget)
    widget.show()
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        QApplication.processEvents()
        handle = widget.windowHandle()
        if handle is not None and handle.isExposed():
            break
    for _ in range(3):
        QApplication.processEvents()


def child_environment() -> dict[str, str]:
    """The environment for a timed ``annotator`` process: as this one, but free to cache
    compiled bytecode (``PYTHONDONTWRITEBYTECODE`` would have every run compile the
    project's modules again, which an installed application never does)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def settle() -> None:
    """Run the event loop and wait for pool threads until no work is left: background work
    of an earlier step (reading the rest of an article, suggestions) must not run during
    the next timed one."""
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    pool = QThreadPool.globalInstance()
    idle_turns = 0
    while idle_turns < 3:
        QApplication.processEvents()
        busy = pool.activeThreadCount() > 0
        pool.waitForDone()
        idle_turns = 0 if busy else idle_turns + 1


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_ms(samples: Iterable[float]) -> float:
    return statistics.median(samples) * 1000


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table, columns right-aligned except the first."""
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class Recorder:
    """Accumulates wall time spent in selected functions, by key.

    A function that no longer exists is skipped (``wrapped`` tells which keys are measured),
    so a breakdown degrades gracefully when the code it looks into changes.
    """

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.wrapped: set[str] = set()
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, attribute: str, key: str) -> bool:
        """Time ``owner.attribute``; ``owner`` is a class, or an instance for a Qt virtual
        (the binding caches, per object, which Python override a C++ virtual calls)."""
        if isinstance(owner, type):
            original = owner.__dict__.get(attribute)
            if original is None:
                return False
        elif not hasattr(owner, attribute):
            return False
        else:
            original = None
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
        self.wrapped.add(key)
        return True

    def restore(self) -> None:
        for owner, attribute, original in reversed(self._undo):
            if original is None:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)
        self._undo.clear()
        self.wrapped.clear()

    def reset(self) -> None:
        self.totals.clear()
        self.calls.clear()

    def snapshot(self) -> dict[str, float]:
        return dict(self.totals)


def release_signals(qobject: Any) -> None:
    """Disconnect every signal its class declares: slots connected to an object's own signals
    (lambdas capturing it) form a cycle through Qt that the garbage collector cannot see, so
    a dropped object would otherwise never be freed."""
    from PySide6.QtCore import Signal

    own = [cls for cls in type(qobject).__mro__ if not cls.__module__.startswith("PySide6")]
    with warnings.catch_warnings():  # "failed to disconnect" for a signal with no slots
        warnings.simplefilter("ignore", RuntimeWarning)
        for cls in own:
            for name, value in vars(cls).items():
                if isinstance(value, Signal):
                    with contextlib.suppress(RuntimeError, TypeError):
                        getattr(qobject, name).disconnect()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"

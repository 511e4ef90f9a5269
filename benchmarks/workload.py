"""Deterministic workloads shared by the benchmark scripts.

Articles are generated from a seeded random generator: sentences of realistic words and names,
paragraph breaks every 400-800 characters, a few non-BMP emoji, and spans of 1-4 words with
labels from the default schema, some of them nested in or overlapping another span.

The database is filled through ``Store.import_articles`` (articles) and one SQLAlchemy Core
bulk insert into the spans table, which is much faster than ``Store.add_span`` per span.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

LABELS = ("PER", "ORG", "GPE", "LOC", "NORP", "EVENT", "DATE", "QUOTE", "CUE", "CLAIM")
USER = "bench"

_WORDS = (
    "the of and to in a that for on is was with said by as at from it has have be are "
    "his her their its an not this which but will after new more year years people two "
    "been also who one had were would government police minister told last first city "
    "state officials percent report week month country council budget water flood rail "
    "service company market prices election party court case health school workers "
    "residents president according spokesman statement announced plans project public "
    "million billion per cent local national international security agency during under "
    "between before about against since over when where while because could should may "
    "higher lower growth economy trade exports imports fuel energy power station harbour "
    "district province region village coast river bridge road traffic signal fault train "
    "passengers delays morning evening night Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday January February March April May June July August September October "
    "November December well-known long-term cost-of-living it's don't"
).split()
_NAMES = (
    "Ana Budi Siti Rahman Okafor Lindqvist Moreau Tanaka Haddad Kowalski Fernandes Nguyen "
    "Jakarta Pekalongan Lagos Lyon Osaka Gdansk Lisbon Hanoi Harbor Reuters Antara Pertamina "
    "Bundesbank UNESCO Interpol Javanese Catholic Labour Olympics Expo Ramadan Mekong Andes"
).split()
_EMOJI = ("😀", "🌊", "🚆", "📈", "🗳️", "👍🏽", "🇮🇩", "🔥", "🙏", "📰", "👩‍⚕️")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


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
        word = rng.choice(_NAMES) if rng.random() < 0.12 else rng.choice(_WORDS)
        if rng.random() < 0.004:
            word += " " + rng.choice(_EMOJI)
        elif rng.random() < 0.06:
            word += ","
        words.append(word)
    words[0] = words[0][:1].upper() + words[0][1:]
    sentence = " ".join(words).rstrip(",")
    if rng.random() < 0.1:
        return f"“{sentence},” {rng.choice(_NAMES)} said."
    return sentence + "."


def make_spans(text: str, count: int, seed: int) -> list[dict[str, object]]:
    """``count`` span rows (spans table columns, without ``set_id``) over whole words.

    About 10% are nested inside an earlier multi-word span and 10% overlap one.
    """
    rng = random.Random(seed)
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
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
    from annotator.storage.orm import AnnotationSetRow, AnnotatorRow, SpanRow
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
                set_id = connection.scalar(
                    select(AnnotationSetRow.id)
                    .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
                    .where(AnnotationSetRow.article_id == article_id, AnnotatorRow.name == user)
                )
                connection.execute(
                    insert(SpanRow.__table__), [{**row, "set_id": set_id} for row in workload.spans]
                )
    finally:
        store.close()
    return ids


# ------------------------------------------------------------------- measuring and reporting


def offscreen() -> None:
    """Run Qt headless unless the caller chose a platform."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"

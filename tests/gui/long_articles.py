"""Long articles (beyond what opens whole) with spans and a relation, for window tests."""

from __future__ import annotations

from dataclasses import dataclass

from pytestqt.qtbot import QtBot

from annotator.core.models import ArticleIn, Relation, Span
from annotator.gui import background
from annotator.gui.document import READ_WHOLE_UP_TO
from annotator.gui.main_window import MainWindow
from annotator.storage.store import Store

NAMES = ("Budi Santoso", "Siti Rahma", "Ana Lindqvist", "Okafor")


def long_text(paragraphs: int, seed: int) -> str:
    """Paragraphs of ~700 characters, each naming someone; emoji now and then."""
    parts = []
    for n in range(paragraphs):
        name = NAMES[(n + seed) % len(NAMES)]
        emoji = " 🇮🇩👍🏽" if n % 7 == 0 else ""
        filler = "Warga kota menunggu keputusan dewan tentang anggaran air. " * 11
        parts.append(f"Paragraf {n}{emoji}: {name} berbicara kepada wartawan. {filler.strip()}")
    return "\n".join(parts)


@dataclass
class LongArticle:
    id: int
    text: str
    spans: list[Span]
    relation: Relation


def add_long_article(store: Store, external_id: str, seed: int) -> LongArticle:
    text = long_text(80, seed)
    assert len(text) > READ_WHOLE_UP_TO
    store.import_articles([ArticleIn(external_id=external_id, title=external_id, text=text)])
    article_id = store.find_article(external_id)
    assert article_id is not None
    spans = []
    for name in NAMES:
        position = 0
        while (position := text.find(name, position)) != -1:
            span = Span.of(text, position, position + len(name), "PER")
            spans.append(store.add_span(article_id, "ana", span))
            position += len(name)
    # One span reaching across a paragraph break, and a link between the first and last.
    spans.sort(key=lambda s: (s.start, s.end, s.id))
    across = text.index("air.\nParagraf 40")
    spans.append(store.add_span(article_id, "ana", Span.of(text, across, across + 14, "EVENT")))
    relation = store.add_relation(
        article_id, "ana", Relation(head=spans[0].id, child=spans[-2].id, label="speaker")
    )
    ordered = sorted(spans, key=lambda s: (s.start, s.end, s.id))
    return LongArticle(article_id, text, ordered, relation)


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Wait until the open document is complete and no background work is left."""
    qtbot.waitUntil(lambda: window.editor.document is not None and window.editor.document.complete)
    qtbot.waitUntil(lambda: not background.busy())  # every result handed back

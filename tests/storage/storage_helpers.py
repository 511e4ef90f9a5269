"""Helpers shared by the storage tests."""

from annotator.core.models import ArticleIn, Span
from annotator.storage.store import Store


def add_article(store: Store, external_id: str, text: str, title: str = "") -> int:
    """Import one article and return its database id."""
    report = store.import_articles(
        [ArticleIn(external_id=external_id, title=title or external_id, text=text)]
    )
    assert report.added == 1
    article_id = store.find_article(external_id)
    assert article_id is not None
    return article_id


def span_on(text: str, needle: str, label: str = "PER", occurrence: int = 0) -> Span:
    """A span over the ``occurrence``-th appearance of ``needle`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Span.of(text, start, start + len(needle), label)

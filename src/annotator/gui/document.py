"""The open article and one annotator's spans on it: the model that undo commands act on.

Every mutation is written through the store first (one short transaction), then applied in
memory, then announced by a signal so views refresh only what changed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal

from annotator.core.models import Annotations, Article, Relation, Span, Status
from annotator.core.offsets import OffsetMap
from annotator.core.span_index import SpanIndex
from annotator.storage.store import Store


def _order(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.id)


class ArticleDocument(QObject):
    """One article as seen by one annotator."""

    # The "about to" signals come before the span list changes, so item models can call
    # beginInsertRows / beginRemoveRows at the right moment.
    spanAboutToBeAdded = Signal(int)  # row
    spanAdded = Signal(int, object)  # row, Span
    spanAboutToBeRemoved = Signal(int)  # row
    spanRemoved = Signal(int, object)  # row, Span
    spanChanged = Signal(int, object, object)  # row, old Span, new Span
    statusChanged = Signal(object)  # Status

    def __init__(
        self,
        store: Store,
        article: Article,
        annotations: Annotations,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self.article = article
        self.annotator = annotations.annotator
        self.status = annotations.status
        self.offsets = OffsetMap(article.text)
        self._spans: list[Span] = sorted(annotations.spans, key=_order)
        self._by_id = {span.id: span for span in self._spans}
        self._relations = {relation.id: relation for relation in annotations.relations}
        self.index: SpanIndex[Span] = SpanIndex(self._spans)

    @classmethod
    def load(cls, store: Store, article_id: int, annotator: str) -> ArticleDocument:
        return cls(store, store.get_article(article_id), store.annotations(article_id, annotator))

    # ---------------------------------------------------------------- queries

    @property
    def text(self) -> str:
        return self.article.text

    @property
    def spans(self) -> list[Span]:
        """Spans sorted by (start, end, id); do not modify."""
        return self._spans

    def span(self, span_id: str) -> Span | None:
        return self._by_id.get(span_id)

    def row_of(self, span_id: str) -> int:
        span = self._by_id[span_id]
        return bisect_left(self._spans, _order(span), key=_order)

    def relations(self) -> list[Relation]:
        return list(self._relations.values())

    # -------------------------------------------------------------- mutations

    def add_span(self, span: Span, relations: Iterable[Relation] = ()) -> Span:
        relations = tuple(relations)
        stored = self._store.add_span(self.article.id, self.annotator, span, relations)
        self._insert(stored)
        for relation in relations:
            self._relations[relation.id] = relation
        if self.status == Status.TODO:
            self._set_status_locally(Status.IN_PROGRESS)
        return stored

    def remove_span(self, span_id: str) -> tuple[Span, tuple[Relation, ...]]:
        span, relations = self._store.delete_span(span_id)
        row = self.row_of(span_id)
        self.spanAboutToBeRemoved.emit(row)
        del self._spans[row]
        del self._by_id[span_id]
        self.index.remove(span)
        for relation in relations:
            self._relations.pop(relation.id, None)
        self.spanRemoved.emit(row, span)
        return span, relations

    def relabel_span(self, span_id: str, label: str) -> Span:
        old = self._by_id[span_id]
        new = self._store.update_span(span_id, label=label)
        row = self.row_of(span_id)
        self._spans[row] = new
        self._by_id[span_id] = new
        self.index.remove(old)
        self.index.add(new)
        self.spanChanged.emit(row, old, new)
        return new

    def set_status(self, status: Status) -> None:
        self._store.set_status(self.article.id, self.annotator, status)
        self._set_status_locally(status)

    def _set_status_locally(self, status: Status) -> None:
        self.status = status
        self.statusChanged.emit(status)

    def _insert(self, span: Span) -> None:
        row = bisect_left(self._spans, _order(span), key=_order)
        self.spanAboutToBeAdded.emit(row)
        self._spans.insert(row, span)
        self._by_id[span.id] = span
        self.index.add(span)
        self.spanAdded.emit(row, span)

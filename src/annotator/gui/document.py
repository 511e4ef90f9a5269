"""The open article and one annotator's work on it: the model that undo commands act on.

Every mutation is written through the edit queue first (at once, in one short transaction, or
after a running import), then applied in memory, then announced by a signal so views refresh
only what changed.

A long article is read progressively: ``ArticleDocument.open`` reads the text with the spans
of its first screenful, the views fetch the spans of other parts as they show them
(``fetch_until``, in text order, as Qt's ``fetchMore`` does for item models), and the rest
arrives with ``complete_with`` from a read
off the GUI thread. Mutations and the queries that need every span or relation complete the
document first, so nothing is ever edited on a partial picture.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from annotator.core.attribution import Attribution
from annotator.core.memory import collector_paused
from annotator.core.models import Annotations, Article, Relation, Span, Status, Suggestion
from annotator.core.offsets import OffsetMap
from annotator.core.schema import LabelSchema
from annotator.core.span_index import SpanIndex
from annotator.gui.edit_queue import EditQueue
from annotator.storage.edit_journal import PendingEdit
from annotator.storage.store import DatabaseError, Store, StoreError

# Articles up to this many code points are read whole when opened; longer ones progressively,
# starting with the spans of a screenful of text (by default this many code points), read with
# the text.
READ_WHOLE_UP_TO = 20_000
FIRST_READ = 4_000


def _order(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.id)


@dataclass(frozen=True)
class SuggestionPart:
    """One span of a suggestion, as the highlighter and hit-testing see it."""

    id: str
    start: int
    end: int
    label: str
    suggestion_id: str


class SuggestionSet:
    """The suggestions on offer for one article, indexed for drawing and hit-testing.

    Plain Python, so it can be built off the GUI thread.
    """

    def __init__(self, suggestions: Iterable[Suggestion] = ()) -> None:
        self.by_id: dict[str, Suggestion] = {}
        self.by_main: dict[tuple[int, int, str], list[Suggestion]] = {}
        self.index: SpanIndex[SuggestionPart] = SpanIndex()
        self.add(suggestions)

    def add(self, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
        """Add the suggestions not already here; returns those added."""
        added = []
        for suggestion in suggestions:
            if suggestion.id in self.by_id:
                continue
            self.by_id[suggestion.id] = suggestion
            main = suggestion.main
            self.by_main.setdefault((main.start, main.end, main.label), []).append(suggestion)
            for part in suggestion.spans:
                self.index.add(
                    SuggestionPart(
                        f"{suggestion.id}/{part.role}",
                        part.start,
                        part.end,
                        part.label,
                        suggestion.id,
                    )
                )
            added.append(suggestion)
        return added


@dataclass(frozen=True)
class Link:
    """A relation seen from one of its spans."""

    relation: Relation
    other: Span
    outgoing: bool


class ArticleDocument(QObject):
    """One article as seen by one annotator."""

    # The "about to" signals come before the span list changes, so item models can call
    # beginInsertRows / beginRemoveRows at the right moment.
    spanAboutToBeAdded = Signal(int)  # row
    spanAdded = Signal(int, object)  # row, Span
    spanAboutToBeRemoved = Signal(int)  # row
    spanRemoved = Signal(int, object)  # row, Span
    spanChanged = Signal(int, object, object)  # row, old Span, new Span
    relationsChanged = Signal(object)  # set of span ids whose links changed
    statusChanged = Signal(object)  # Status
    # Rows appended at the end by progressive loading: first and last row.
    spansAboutToBeAppended = Signal(int, int)
    spansAppended = Signal(int, int)
    completed = Signal()  # every span and relation is now here
    readFailed = Signal(str)  # reading spans for the view failed (the message)
    suggestionsChanged = Signal(object)  # list of Suggestion whose visibility may have changed

    def __init__(
        self,
        store: Store,
        schema: LabelSchema,
        article: Article,
        annotations: Annotations,
        parent: QObject | None = None,
        *,
        loaded_until: int | None = None,
        edits: EditQueue | None = None,
    ) -> None:
        """``annotations`` holds every span and relation, or with ``loaded_until`` the spans
        that start before that offset (and no relations yet). Edits are written through
        ``edits``, else straight to ``store``."""
        super().__init__(parent)
        self._store = store
        self._edits = edits
        self.schema = schema
        self.article = article
        self.annotator = annotations.annotator
        self.status = annotations.status
        self.offsets = OffsetMap(article.text)
        self._loaded_until = loaded_until
        self._spans: list[Span] = sorted(annotations.spans, key=_order)
        self._by_id = {span.id: span for span in self._spans}
        self._keys = Counter((s.start, s.end, s.label) for s in self._spans)
        self._relations: dict[str, Relation] = {}
        self._relations_of: dict[str, dict[str, Relation]] = {}
        for relation in annotations.relations:
            self._remember(relation)
        self._attribution = Attribution(schema)
        self._relation_types = {relation.name: relation for relation in schema.relations}
        self.index: SpanIndex[Span] = SpanIndex(self._spans)
        self._offered = SuggestionSet()
        self._rejected: set[str] = set()

    @classmethod
    def load(
        cls, store: Store, schema: LabelSchema, article_id: int, annotator: str
    ) -> ArticleDocument:
        """The article with every span and relation."""
        return cls(
            store, schema, store.get_article(article_id), store.annotations(article_id, annotator)
        )

    @classmethod
    def open(
        cls,
        store: Store,
        schema: LabelSchema,
        article_id: int,
        annotator: str,
        head: int = FIRST_READ,
        edits: EditQueue | None = None,
    ) -> ArticleDocument:
        """The article with every span and relation if it is of ordinary length; a longer one
        comes with the spans of its first ``head`` code points, what its first screen shows
        (see ``fetch_until`` for the rest)."""
        opened = store.open_article(article_id, annotator, whole_up_to=READ_WHOLE_UP_TO, head=head)
        return cls(
            store,
            schema,
            opened.article,
            opened.annotations,
            loaded_until=opened.loaded_until,
            edits=edits,
        )

    # --------------------------------------------------------- progressive load

    @property
    def complete(self) -> bool:
        return self._loaded_until is None

    @property
    def loaded_until(self) -> int | None:
        """Every span starting before this offset is here; None once the document is complete."""
        return self._loaded_until

    def fetch_until(self, position: int) -> bool:
        """Read the spans that start before ``position`` if they are not here yet. Returns
        whether they are here: a database error is announced by ``readFailed`` (views call
        this while drawing, where an exception would reach no one)."""
        loaded_until = self._loaded_until
        if loaded_until is None or position <= loaded_until:
            return True
        try:
            spans = self._store.spans(self.article.id, self.annotator, loaded_until, position)
        except (DatabaseError, StoreError) as error:
            self.readFailed.emit(str(error))
            return False
        self._loaded_until = position  # before the signals: a slot may fetch again
        self._append(spans)
        return True

    def complete_with(self, rest: Annotations, starts_from: int) -> None:
        """Take the spans starting at or after ``starts_from`` and every relation, read
        (possibly on another thread) since the document was opened."""
        if self._loaded_until is None:
            return
        assert starts_from <= self._loaded_until
        loaded_until = self._loaded_until
        self._loaded_until = None  # before the signals: a slot may fetch again
        self._append([span for span in rest.spans if span.start >= loaded_until])
        for relation in rest.relations:
            self._remember(relation)
        self._relations_changed(rest.relations)
        self.completed.emit()

    def ensure_complete(self) -> None:
        """Read whatever is not here yet, now."""
        if self._loaded_until is not None:
            self.complete_with(
                self._store.annotations(
                    self.article.id, self.annotator, starts_from=self._loaded_until
                ),
                self._loaded_until,
            )

    def _append(self, spans: Iterable[Span]) -> None:
        """Add spans that all sort after the ones here (they start after them)."""
        with collector_paused():
            spans = sorted(spans, key=_order)
            if not spans:
                return
            first = len(self._spans)
            last = first + len(spans) - 1
            self.spansAboutToBeAppended.emit(first, last)
            self._spans.extend(spans)
            for span in spans:
                self._by_id[span.id] = span
                self._keys[(span.start, span.end, span.label)] += 1
                self.index.add(span)
            self.spansAppended.emit(first, last)

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

    def find_span(self, start: int, end: int, label: str) -> Span | None:
        if not self._keys[(start, end, label)]:
            return None
        return next(
            s
            for s in self.index.overlapping(start, end)
            if (s.start, s.end, s.label) == (start, end, label)
        )

    def relations(self) -> list[Relation]:
        return list(self._relations.values())

    def relation(self, relation_id: str) -> Relation | None:
        return self._relations.get(relation_id)

    def relations_of(self, span_id: str) -> list[Relation]:
        """Stored relations in which the span is head or child."""
        return list(self._relations_of.get(span_id, {}).values())

    def links(self, span_id: str) -> list[Link]:
        """Relations of a span (stored and derived), outgoing first, in text order."""
        span = self._by_id.get(span_id)
        if span is None:
            return []
        derived = self._attribution.claimants(span, self.index, self.relations_of)
        derived += self._attribution.claims_attributed_to(
            span_id, self.span, self.index, self.relations_of
        )
        links = []
        for relation in [*self.relations_of(span_id), *derived]:
            if relation.head == span_id and (other := self._by_id.get(relation.child)):
                links.append(Link(relation, other, outgoing=True))
            elif relation.child == span_id and (other := self._by_id.get(relation.head)):
                links.append(Link(relation, other, outgoing=False))
        return sorted(links, key=lambda link: (not link.outgoing, link.other.start))

    def relations_refused(self, span_id: str, label: str) -> list[Relation]:
        """Stored relations of the span that their type allows now and would refuse were the
        span labelled ``label``."""
        refused = []
        for relation in self.relations_of(span_id):
            head, child = self._by_id.get(relation.head), self._by_id.get(relation.child)
            kind = self._relation_types.get(relation.label)
            if head is None or child is None or kind is None:
                continue
            new_head = label if head.id == span_id else head.label
            new_child = label if child.id == span_id else child.label
            if kind.allows(head.label, child.label) and not kind.allows(new_head, new_child):
                refused.append(relation)
        return refused

    def has_relation(self, head: str, child: str, label: str) -> bool:
        return any(
            (r.head, r.child, r.label) == (head, child, label) for r in self.relations_of(head)
        )

    # ----------------------------------------------------------- suggestions

    def set_suggestions(self, offered: SuggestionSet, rejected: set[str]) -> None:
        """Replace the suggestions on offer (computed or imported) and the rejected ids."""
        self._offered = offered
        self._rejected = set(rejected)
        self.suggestionsChanged.emit(list(offered.by_id.values()))

    def add_suggestions(self, suggestions: Iterable[Suggestion]) -> None:
        added = self._offered.add(suggestions)
        if added:
            self.suggestionsChanged.emit(added)

    @property
    def suggestion_index(self) -> SpanIndex[SuggestionPart]:
        return self._offered.index

    def suggestion(self, suggestion_id: str) -> Suggestion | None:
        return self._offered.by_id.get(suggestion_id)

    def is_open(self, suggestion: Suggestion) -> bool:
        """Still on offer: neither rejected nor already annotated (its main span exists)."""
        main = suggestion.main
        return (
            suggestion.id not in self._rejected
            and not self._keys[(main.start, main.end, main.label)]
        )

    def open_suggestions(self) -> list[Suggestion]:
        found = [s for s in self._offered.by_id.values() if self.is_open(s)]
        return sorted(found, key=lambda s: (s.main.start, s.main.end, s.id))

    def open_parts_at(self, position: int) -> list[SuggestionPart]:
        return [
            part
            for part in self.suggestion_index.at(position)
            if self.is_open(self._offered.by_id[part.suggestion_id])
        ]

    # -------------------------------------------------------------- mutations

    def _write(self, operation: str, **arguments: Any) -> None:
        """Apply one of the store's edit methods to this article, through the window's queue
        or straight to the store."""
        edit = PendingEdit(self.article.id, operation, arguments)
        if self._edits is None:
            edit.apply(self._store)
        else:
            self._edits.write(edit)

    def add_span(self, span: Span, relations: Iterable[Relation] = ()) -> Span:
        self.ensure_complete()
        relations = tuple(relations)
        now = datetime.now(UTC)
        stored = span.model_copy(update={"created_at": span.created_at or now, "updated_at": now})
        article_id, annotator = self.article.id, self.annotator
        self._write(
            "add_span", article_id=article_id, annotator=annotator, span=stored, relations=relations
        )
        self._insert(stored)
        for relation in relations:
            self._remember(relation)
        if relations:
            self._relations_changed(relations)
        if self.status == Status.TODO:
            self._set_status_locally(Status.IN_PROGRESS)
        return stored

    def remove_span(self, span_id: str) -> tuple[Span, tuple[Relation, ...]]:
        self.ensure_complete()
        self._write("delete_span", span_id=span_id)
        span, relations = self._by_id[span_id], tuple(self.relations_of(span_id))
        row = self.row_of(span_id)
        self.spanAboutToBeRemoved.emit(row)
        del self._spans[row]
        del self._by_id[span_id]
        self._keys[(span.start, span.end, span.label)] -= 1
        self.index.remove(span)
        for relation in relations:
            self._forget(relation.id)
        self.spanRemoved.emit(row, span)
        self._relations_changed(relations)
        self._announce_suggestions(span)
        return span, relations

    def update_span(
        self, span_id: str, *, label: str | None = None, attrs: dict[str, Any] | None = None
    ) -> Span:
        self.ensure_complete()
        now = datetime.now(UTC)
        self._write("update_span", span_id=span_id, label=label, attrs=attrs, updated_at=now)
        old = self._by_id[span_id]
        changes: dict[str, Any] = {"updated_at": now}
        if label is not None:
            changes["label"] = label
        if attrs is not None:
            changes["attrs"] = dict(attrs)
        new = old.model_copy(update=changes)
        row = self.row_of(span_id)
        self._spans[row] = new
        self._by_id[span_id] = new
        self._keys[(old.start, old.end, old.label)] -= 1
        self._keys[(new.start, new.end, new.label)] += 1
        self.index.remove(old)
        self.index.add(new)
        self.spanChanged.emit(row, old, new)
        if old.label != new.label:
            self._announce_suggestions(old)
            self._announce_suggestions(new)
        return new

    def add_relation(self, relation: Relation) -> Relation:
        self.ensure_complete()
        article_id, annotator = self.article.id, self.annotator
        self._write("add_relation", article_id=article_id, annotator=annotator, relation=relation)
        self._remember(relation)
        self._relations_changed([relation])
        return relation

    def remove_relation(self, relation_id: str) -> Relation:
        self.ensure_complete()
        self._write("delete_relation", relation_id=relation_id)
        relation = self._relations[relation_id]
        self._forget(relation_id)
        self._relations_changed([relation])
        return relation

    def set_status(self, status: Status) -> None:
        article_id, annotator = self.article.id, self.annotator
        self._write("set_status", article_id=article_id, annotator=annotator, status=status)
        self._set_status_locally(status)

    def set_rejected(self, suggestion_id: str, rejected: bool) -> None:
        article_id, annotator = self.article.id, self.annotator
        self._write(
            "set_rejected",
            article_id=article_id,
            annotator=annotator,
            suggestion_id=suggestion_id,
            rejected=rejected,
        )
        if rejected:
            self._rejected.add(suggestion_id)
        else:
            self._rejected.discard(suggestion_id)
        self.suggestionsChanged.emit([self._offered.by_id[suggestion_id]])

    def _set_status_locally(self, status: Status) -> None:
        self.status = status
        self.statusChanged.emit(status)

    def _insert(self, span: Span) -> None:
        row = bisect_left(self._spans, _order(span), key=_order)
        self.spanAboutToBeAdded.emit(row)
        self._spans.insert(row, span)
        self._by_id[span.id] = span
        self._keys[(span.start, span.end, span.label)] += 1
        self.index.add(span)
        self.spanAdded.emit(row, span)
        self._announce_suggestions(span)

    def _remember(self, relation: Relation) -> None:
        self._relations[relation.id] = relation
        for end in (relation.head, relation.child):
            self._relations_of.setdefault(end, {})[relation.id] = relation

    def _forget(self, relation_id: str) -> None:
        relation = self._relations.pop(relation_id, None)
        if relation is None:
            return
        for end in (relation.head, relation.child):
            linked = self._relations_of.get(end)
            if linked is not None:
                linked.pop(relation_id, None)
                if not linked:
                    del self._relations_of[end]

    def _relations_changed(self, relations: Iterable[Relation]) -> None:
        touched = {end for r in relations for end in (r.head, r.child)}
        if touched:
            self.relationsChanged.emit(touched)

    def _announce_suggestions(self, span: Span) -> None:
        affected = self._offered.by_main.get((span.start, span.end, span.label))
        if affected:
            self.suggestionsChanged.emit(list(affected))

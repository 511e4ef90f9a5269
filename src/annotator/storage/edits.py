"""Interactive edits through the ORM, each in its own short transaction (the store's
``_editing``). The store imports this module at the first edit: the ORM takes about 50 ms to
import, which commands that never edit do not pay."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from annotator.core.models import Relation, Span, Status, Suggestion
from annotator.storage import tables
from annotator.storage.errors import StoreError
from annotator.storage.orm import (
    AnnotationSetRow,
    AnnotatorRow,
    ArticleRow,
    RejectionRow,
    RelationRow,
    SpanRow,
    SuggestionRow,
)
from annotator.storage.rows import own_set, relation_of_row, span_of_row
from annotator.storage.shared_rows import add_missing, annotator_id
from annotator.storage.tables import utcnow


class Edits:
    """The edits of one transaction, on its session; the store's methods of the same names
    say what each does."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_span(
        self,
        article_id: int,
        annotator: str,
        span: Span,
        relations: Iterable[Relation] = (),
    ) -> Span:
        session = self._session
        # One round trip finds the article's text at the span and the annotator's set.
        found = session.execute(
            select(
                func.substr(ArticleRow.text, span.start + 1, span.end - span.start),
                AnnotationSetRow.id,
                AnnotationSetRow.status,
            )
            .select_from(ArticleRow)
            .outerjoin(AnnotationSetRow, own_set(annotator))
            .where(ArticleRow.id == article_id)
        ).one_or_none()
        if found is None:
            raise StoreError(f"no article with id {article_id}")
        stored_text, set_id, status = found
        if stored_text != span.text:
            raise StoreError(
                f"span [{span.start}, {span.end}) text {span.text!r} does not match the "
                f"article text {stored_text!r}"
            )
        if set_id is None:
            set_row = self._ensure_set(article_id, annotator)
            set_id, status = set_row.id, set_row.status
        if status == Status.TODO:
            session.execute(
                update(AnnotationSetRow)
                .where(AnnotationSetRow.id == set_id)
                .values(status=Status.IN_PROGRESS.value, updated_at=utcnow())
            )
        now = utcnow()
        values = {
            "id": span.id,
            "set_id": set_id,
            "start": span.start,
            "end": span.end,
            "label": span.label,
            "text": span.text,
            "attrs": dict(span.attrs),
            "origin": span.origin.value,
            "created_at": span.created_at or now,
            "updated_at": span.updated_at or now,
        }
        # A Core insert: this runs on every keystroke that tags, and the unit of work
        # costs more than the insert itself.
        session.execute(insert(SpanRow), [values])
        for relation in relations:
            session.add(_relation_row(relation, set_id))
        return Span.trusted(
            span.id,
            span.start,
            span.end,
            span.label,
            span.text,
            values["attrs"],
            span.origin,
            values["created_at"],
            values["updated_at"],
        )

    def delete_span(self, span_id: str) -> tuple[Span, tuple[Relation, ...]]:
        session = self._session
        row = session.get(SpanRow, span_id)
        if row is None:
            raise StoreError(f"no span with id {span_id}")
        links = session.scalars(
            select(RelationRow).where(
                or_(RelationRow.head_id == span_id, RelationRow.child_id == span_id)
            )
        ).all()
        removed = tuple(relation_of_row(link) for link in links)
        span = span_of_row(row)
        session.execute(delete(RelationRow).where(RelationRow.id.in_([r.id for r in links])))
        session.delete(row)
        return span, removed

    def update_span(
        self,
        span_id: str,
        *,
        label: str | None = None,
        attrs: dict[str, Any] | None = None,
        updated_at: datetime | None = None,
    ) -> Span:
        session = self._session
        row = session.get(SpanRow, span_id)
        if row is None:
            raise StoreError(f"no span with id {span_id}")
        if label is not None:
            row.label = label
        if attrs is not None:
            row.attrs = dict(attrs)
        row.updated_at = updated_at or utcnow()
        return span_of_row(row)

    def add_relation(self, article_id: int, annotator: str, relation: Relation) -> Relation:
        session = self._session
        set_row = self._ensure_set(article_id, annotator)
        session.add(_relation_row(relation, set_row.id))
        return relation

    def delete_relation(self, relation_id: str) -> Relation:
        session = self._session
        row = session.get(RelationRow, relation_id)
        if row is None:
            raise StoreError(f"no relation with id {relation_id}")
        relation = relation_of_row(row)
        session.delete(row)
        return relation

    def add_suggestions(self, article_id: int, suggestions: Iterable[Suggestion]) -> int:
        session = self._session
        if session.get(ArticleRow, article_id) is None:
            raise StoreError(f"no article with id {article_id}")
        known = set(
            session.scalars(select(SuggestionRow.id).where(SuggestionRow.article_id == article_id))
        )
        added = 0
        for suggestion in suggestions:
            if suggestion.id in known:
                continue
            known.add(suggestion.id)
            session.add(
                SuggestionRow(
                    id=suggestion.id,
                    article_id=article_id,
                    source=suggestion.source,
                    payload=suggestion.model_dump(mode="json"),
                )
            )
            added += 1
        return added

    def set_rejected(
        self, article_id: int, annotator: str, suggestion_id: str, rejected: bool
    ) -> None:
        session = self._session
        set_id = self._ensure_set(article_id, annotator).id
        row = session.get(RejectionRow, (set_id, suggestion_id))
        if rejected and row is None:
            session.add(RejectionRow(set_id=set_id, suggestion_id=suggestion_id))
        elif not rejected and row is not None:
            session.delete(row)

    def set_status(self, article_id: int, annotator: str, status: Status) -> None:
        self._ensure_set(article_id, annotator).status = status.value

    def _ensure_set(self, article_id: int, annotator: str) -> AnnotationSetRow:
        session = self._session
        set_row = session.scalar(_set_query(article_id, annotator))
        if set_row is not None:
            return set_row
        if session.get(ArticleRow, article_id) is None:
            raise StoreError(f"no article with id {article_id}")
        connection = session.connection()
        add_missing(
            connection,
            tables.annotation_sets,
            article_id=article_id,
            annotator_id=annotator_id(connection, annotator),
            status=Status.TODO.value,
            updated_at=utcnow(),
        )
        set_row = session.scalar(_set_query(article_id, annotator))
        assert set_row is not None
        return set_row


def _set_query(article_id: int, annotator: str) -> Select[AnnotationSetRow]:
    return (
        select(AnnotationSetRow)
        .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
        .where(AnnotationSetRow.article_id == article_id, AnnotatorRow.name == annotator)
    )


def _relation_row(relation: Relation, set_id: int) -> RelationRow:
    return RelationRow(
        id=relation.id,
        set_id=set_id,
        head_id=relation.head,
        child_id=relation.child,
        label=relation.label,
        origin=relation.origin.value,
    )

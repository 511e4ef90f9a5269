"""Domain models from database rows, and a join condition, shared by the store's reads and its
edits. Rows were validated when they were stored: models are built without validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select

from annotator.core.models import Origin, Relation, Span
from annotator.storage import tables

ORIGINS = {origin.value: origin for origin in Origin}


def span_of_row(row: Any) -> Span:
    """A span from an ORM row or a row of the spans table's columns."""
    return Span.trusted(
        row.id,
        row.start,
        row.end,
        row.label,
        row.text,
        row.attrs or {},
        ORIGINS[row.origin],
        aware(row.created_at),
        aware(row.updated_at),
    )


def aware(value: datetime | str | None) -> datetime | None:
    """Stored times are UTC; SQLite hands them back naive, or as text when read raw."""
    if isinstance(value, str):
        # Parsing with the offset is several times faster than ``replace(tzinfo=...)`` after.
        return datetime.fromisoformat(value if value[-6] in "+-" else value + "+00:00")
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def relation_of_row(row: Any) -> Relation:
    return Relation.model_construct(
        id=row.id,
        head=row.head_id,
        child=row.child_id,
        label=row.label,
        origin=ORIGINS[row.origin],
    )


def own_set(annotator: str) -> ColumnElement[bool]:
    """Join condition: the annotation set of ``annotator`` on the article being selected."""
    sets, annotators = tables.annotation_sets.c, tables.annotators.c
    return and_(
        sets.article_id == tables.articles.c.id,
        sets.annotator_id
        == select(annotators.id).where(annotators.name == annotator).scalar_subquery(),
    )

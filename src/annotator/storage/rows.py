"""Domain models from database rows, and a join condition, shared by the store's reads and its
edits. Rows were validated when they were stored: models are built without validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, select

from annotator.core.models import Article, Origin, Relation, Span, trusted_model
from annotator.storage import tables

ORIGINS = {origin.value: origin for origin in Origin}


def article_of_columns(
    article_id: int,
    external_id: str,
    title: str,
    text: str,
    text_sha256: str,
    source: str | None,
    url: str | None,
    published: str | None,
    language: str | None,
    meta: str | dict[str, Any] | None,
) -> Article:
    """An article from the values of a row of the articles table's columns, in their order
    (``id`` first). It was validated when it was imported: not validated again (a long text
    is otherwise scanned once more on every open)."""
    return trusted_model(
        Article,
        {
            "id": article_id,
            "external_id": external_id,
            "title": title,
            "text": text,
            "text_sha256": text_sha256,
            "source": source,
            "url": url,
            "published": published,
            "language": language,
            "meta": json_object(meta),
        },
    )


def span_of_columns(
    id: str,
    start: int,
    end: int,
    label: str,
    text: str,
    attrs: str | dict[str, Any] | None,
    origin: str,
    created_at: str | datetime | None,
    updated_at: str | datetime | None,
) -> Span:
    """A span from the values of a row of the spans table's columns (the set id left out):
    taking a row apart is faster than reading its fields by name."""
    return Span.trusted(
        id,
        start,
        end,
        label,
        text,
        {} if attrs == "{}" else json_object(attrs),
        ORIGINS[origin],
        aware(created_at),
        aware(updated_at),
    )


def span_of_row(row: Any) -> Span:
    """A span from an ORM row."""
    return span_of_columns(
        row.id,
        row.start,
        row.end,
        row.label,
        row.text,
        row.attrs,
        row.origin,
        row.created_at,
        row.updated_at,
    )


def relation_of_columns(id: str, head: str, child: str, label: str, origin: str) -> Relation:
    """A relation from the values of a row of the relations table's columns (the set id left
    out)."""
    return Relation.model_construct(
        id=id, head=head, child=child, label=label, origin=ORIGINS[origin]
    )


def relation_of_row(row: Any) -> Relation:
    """A relation from an ORM row."""
    return relation_of_columns(row.id, row.head_id, row.child_id, row.label, row.origin)


def json_object(value: str | dict[str, Any] | None) -> dict[str, Any]:
    """A JSON object column as read: text on SQLite read raw, or already parsed by SQLAlchemy
    or by drivers that know JSON; ``{}`` for none."""
    if isinstance(value, str):
        return orjson.loads(value) or {}
    return value or {}


def aware(value: datetime | str | None) -> datetime | None:
    """Stored times are UTC; SQLite hands them back naive, or as text when read raw."""
    if isinstance(value, str):
        # Parsing with the offset is several times faster than ``replace(tzinfo=...)`` after.
        return datetime.fromisoformat(value if value[-6] in "+-" else value + "+00:00")
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def own_set(annotator: str) -> ColumnElement[bool]:
    """Join condition: the annotation set of ``annotator`` on the article being selected."""
    sets, annotators = tables.annotation_sets.c, tables.annotators.c
    return and_(
        sets.article_id == tables.articles.c.id,
        sets.annotator_id
        == select(annotators.id).where(annotators.name == annotator).scalar_subquery(),
    )

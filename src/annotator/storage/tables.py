"""The database schema as SQLAlchemy Core tables.

Migrations compare against these tables, the store's reads and bulk paths use them directly,
and the ORM classes of interactive edits (``orm.py``) are mapped onto them. A command that only
reads, imports or exports therefore never imports ``sqlalchemy.orm``, which costs about 50 ms
of every command's start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _reference(
    name: str, target: str, id_type: TypeEngine[Any] | type[Integer] = Integer, **options: Any
) -> Column[Any]:
    """A column holding the id of a row of ``target``; rows go when the row they refer to
    goes."""
    return Column(name, id_type, ForeignKey(f"{target}.id", ondelete="CASCADE"), **options)


def _created() -> Column[datetime]:
    return Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow)


def _updated() -> Column[datetime]:
    return Column(
        "updated_at", DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )


metadata = MetaData(naming_convention=NAMING)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(255), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("source", Text),
    Column("url", Text),
    Column("published", String(64)),
    Column("language", String(35)),
    Column("text", Text, nullable=False),
    Column("text_sha256", String(64), nullable=False, index=True),
    Column("meta", JSON, nullable=False, default=dict),
    _created(),
)

annotators = Table(
    "annotators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
)

# One annotator's work on one article.
annotation_sets = Table(
    "annotation_sets",
    metadata,
    Column("id", Integer, primary_key=True),
    _reference("article_id", "articles", nullable=False),
    _reference("annotator_id", "annotators", nullable=False, index=True),
    Column("status", String(16), nullable=False, default="todo"),
    _updated(),
    UniqueConstraint("article_id", "annotator_id"),
)

spans = Table(
    "spans",
    metadata,
    Column("id", String(36), primary_key=True),
    _reference("set_id", "annotation_sets", nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("label", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("attrs", JSON, nullable=False, default=dict),
    Column("origin", String(16), nullable=False, default="manual"),
    _created(),
    _updated(),
    Index("ix_spans_set_start", "set_id", "start"),
)

relations = Table(
    "relations",
    metadata,
    Column("id", String(36), primary_key=True),
    _reference("set_id", "annotation_sets", nullable=False, index=True),
    _reference("head_id", "spans", String(36), nullable=False, index=True),
    _reference("child_id", "spans", String(36), nullable=False, index=True),
    Column("label", String(64), nullable=False),
    Column("origin", String(16), nullable=False, default="manual", server_default="manual"),
    _created(),
)

# Stored pre-annotations for an article (shared by every annotator).
suggestions = Table(
    "suggestions",
    metadata,
    _reference("article_id", "articles", primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("source", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    _created(),
)

# Suggestions an annotator turned down; they are not shown to them again.
rejections = Table(
    "rejections",
    metadata,
    _reference("set_id", "annotation_sets", primary_key=True),
    Column("suggestion_id", String(40), primary_key=True),
)

"""ORM classes for interactive edits, mapped onto the Core tables of ``tables.py``. Only the
store's edits touch them; the annotations type the attributes for the type checker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped

from annotator.storage import tables


class Base(DeclarativeBase):
    metadata = tables.metadata


class ArticleRow(Base):
    __table__ = tables.articles

    id: Mapped[int]
    external_id: Mapped[str]
    title: Mapped[str]
    source: Mapped[str | None]
    url: Mapped[str | None]
    published: Mapped[str | None]
    language: Mapped[str | None]
    text: Mapped[str]
    text_sha256: Mapped[str]
    meta: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class AnnotatorRow(Base):
    __table__ = tables.annotators

    id: Mapped[int]
    name: Mapped[str]


class AnnotationSetRow(Base):
    __table__ = tables.annotation_sets

    id: Mapped[int]
    article_id: Mapped[int]
    annotator_id: Mapped[int]
    status: Mapped[str]
    updated_at: Mapped[datetime]


class SpanRow(Base):
    __table__ = tables.spans

    id: Mapped[str]
    set_id: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    label: Mapped[str]
    text: Mapped[str]
    attrs: Mapped[dict[str, Any]]
    origin: Mapped[str]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RelationRow(Base):
    __table__ = tables.relations

    id: Mapped[str]
    set_id: Mapped[int]
    head_id: Mapped[str]
    child_id: Mapped[str]
    label: Mapped[str]
    origin: Mapped[str]
    created_at: Mapped[datetime]


class SuggestionRow(Base):
    __table__ = tables.suggestions

    article_id: Mapped[int]
    id: Mapped[str]
    source: Mapped[str]
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class RejectionRow(Base):
    __table__ = tables.rejections

    set_id: Mapped[int]
    suggestion_id: Mapped[str]

"""Domain models shared by every layer.

Offsets are Python code-point offsets into ``Article.text``, start inclusive, end exclusive.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Status(StrEnum):
    """Progress of one annotator on one article."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SKIPPED = "skipped"


class Origin(StrEnum):
    """Where an annotation came from: drawn by a person, accepted from a suggestion, or (for
    relations only, never stored) derived from other annotations."""

    MANUAL = "manual"
    SUGGESTED = "suggested"
    DERIVED = "derived"


def new_id() -> str:
    """A fresh stable identifier for a span or relation (kept across undo and redo)."""
    return uuid.uuid4().hex


class _Frozen(BaseModel):
    # defer_build: a model's validator is built when first used, not when the module is
    # imported, so a command that never validates some models does not pay for them.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ArticleIn(_Frozen):
    """An article as read from a file, before it has a database id."""

    external_id: str = Field(min_length=1)
    title: str
    text: str = Field(min_length=1)
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class Article(_Frozen):
    """A stored article; ``text`` is canonical and never changes after import."""

    id: int
    external_id: str
    title: str
    text: str
    text_sha256: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class ArticleSummary(_Frozen):
    """One row of the article list, for one annotator."""

    id: int
    external_id: str
    title: str
    status: Status
    span_count: int


class Span(_Frozen):
    """A labelled range ``[start, end)`` of an article's text."""

    id: str = Field(default_factory=new_id)
    start: int = Field(ge=0)
    end: int
    label: str = Field(min_length=1)
    text: str
    attrs: dict[str, Any] = Field(default_factory=dict)
    origin: Origin = Origin.MANUAL
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @model_validator(mode="after")
    def _non_empty(self) -> Span:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be greater than start {self.start}")
        if len(self.text) != self.end - self.start:
            raise ValueError(
                f"span text has {len(self.text)} code points but [{self.start}, {self.end}) "
                f"covers {self.end - self.start}"
            )
        return self

    @classmethod
    def trusted(
        cls,
        id: str,
        start: int,
        end: int,
        label: str,
        text: str,
        attrs: dict[str, Any],
        origin: Origin,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> Span:
        """A span from data that was validated when it was stored, built without validation.

        Opening an article builds tens of thousands of spans; this is several times faster
        than ``model_construct`` and gives an equal object (a test checks it).
        """
        fields = {
            "id": id,
            "start": start,
            "end": end,
            "label": label,
            "text": text,
            "attrs": attrs,
            "origin": origin,
            "created_at": created_at,
            "updated_at": updated_at,
        }
        return trusted_model(cls, fields)

    @classmethod
    def of(cls, text: str, start: int, end: int, label: str, **extra: Any) -> Span:
        """Make a span over ``text[start:end]``, checking the range lies inside the text."""
        if not 0 <= start < end <= len(text):
            raise ValueError(f"span [{start}, {end}) is outside the text (length {len(text)})")
        return cls(start=start, end=end, label=label, text=text[start:end], **extra)


M = TypeVar("M", bound=BaseModel)


_SPAN_FIELDS = (
    "id", "start", "end", "label", "text", "attrs", "origin", "created_at", "updated_at"
)  # fmt: skip
_new_span = Span.__new__
_set = object.__setattr__
# Shared by every span ``trusted_span`` builds, which saves a fifth of its time. Safe because a
# span is frozen: pydantic changes the set only on assignment, which a frozen model refuses, and
# ``model_copy`` copies it before updating it.
_ALL_SPAN_FIELDS_SET = set(_SPAN_FIELDS)


def trusted_span(fields: dict[str, Any]) -> Span:
    """``trusted_model(Span, fields)`` for the hottest loops (an export builds hundreds of
    thousands): ``fields`` holds every field of a span, in declaration order."""
    span = _new_span(Span)
    _set(span, "__dict__", fields)
    _set(span, "__pydantic_fields_set__", _ALL_SPAN_FIELDS_SET)
    _set(span, "__pydantic_extra__", None)
    _set(span, "__pydantic_private__", None)
    return span


def trusted_model(cls: type[M], fields: dict[str, Any]) -> M:
    """A model from ``fields`` (every field, in declaration order) that were validated when
    they were stored: built without validation, several times faster than
    ``model_construct``, and equal to the validated model (a test checks it)."""
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", fields)
    object.__setattr__(model, "__pydantic_fields_set__", set(fields))
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


class Relation(_Frozen):
    """A directed, labelled link between two spans of the same annotation set."""

    id: str = Field(default_factory=new_id)
    head: str
    child: str
    label: str = Field(min_length=1)
    origin: Origin = Origin.MANUAL


class Annotations(_Frozen):
    """Everything one annotator recorded on one article."""

    article_id: int
    annotator: str
    status: Status = Status.TODO
    spans: tuple[Span, ...] = ()
    relations: tuple[Relation, ...] = ()


class Progress(_Frozen):
    """How many articles an annotator has finished."""

    done: int
    total: int


class SuggestedSpan(_Frozen):
    """One span of a suggestion; ``role`` names it inside the suggestion (e.g. ``speaker``)."""

    role: str
    start: int = Field(ge=0)
    end: int
    label: str
    text: str
    attrs: dict[str, Any] = Field(default_factory=dict)


class SuggestedRelation(_Frozen):
    """A relation between two spans of one suggestion, by their roles."""

    head: str
    child: str
    label: str


class Suggestion(_Frozen):
    """A proposed annotation: not counted until an annotator accepts it.

    A suggestion is accepted or rejected as a whole: a quote with its cue and speaker is one
    suggestion. Its first span is the main one (the quote, or the entity).
    """

    id: str
    source: str
    spans: tuple[SuggestedSpan, ...] = Field(min_length=1)
    relations: tuple[SuggestedRelation, ...] = ()

    @property
    def main(self) -> SuggestedSpan:
        return self.spans[0]

    @classmethod
    def make(
        cls,
        source: str,
        spans: Iterable[SuggestedSpan],
        relations: Iterable[SuggestedRelation] = (),
    ) -> Suggestion:
        """A suggestion whose id is derived from its content, so it is the same every run."""
        spans = tuple(spans)
        key = "|".join(f"{s.role}:{s.label}:{s.start}:{s.end}" for s in spans)
        digest = hashlib.sha1(f"{source}|{key}".encode(), usedforsecurity=False).hexdigest()
        return cls(id=digest[:20], source=source, spans=spans, relations=tuple(relations))


class AnnotatedArticle(_Frozen):
    """An article with one annotator's annotations: the unit of export."""

    article: Article
    annotations: Annotations


class ImportReport(_Frozen):
    """What an import added and what it recognised as already present."""

    added: int = 0
    duplicates: int = 0

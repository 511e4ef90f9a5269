"""The unit that moves between files and the database on import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from annotator.core.models import ArticleIn, Origin, Relation, Span, Status


@dataclass
class ImportedDocument:
    """One article with one annotator's annotations, as read from a file.

    Span offsets are code points into ``article.text``. ``where`` locates the document in its
    file ("data.jsonl:12", "export.json: task 7") for messages.
    """

    article: ArticleIn
    annotator: str | None
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    status: Status | None = None
    where: str = ""


# The same document as plain tuples, as a reading process hands it over (see
# ``annotator.formats.read_ahead``): already checked by the reader that read it, and rebuilt
# at a small part of what validating it into the models again would cost. The fields are those
# of the models that the store reads.


class ArticleRecord(NamedTuple):
    external_id: str
    title: str
    text: str
    source: str | None
    url: str | None
    published: str | None
    language: str | None
    meta: dict[str, Any]


class SpanRecord(NamedTuple):
    id: str
    start: int
    end: int
    label: str
    text: str
    attrs: dict[str, Any]
    origin: Origin


class RelationRecord(NamedTuple):
    id: str
    head: str
    child: str
    label: str
    origin: Origin


class DocumentRecord(NamedTuple):
    article: ArticleRecord
    annotator: str | None
    spans: list[SpanRecord]
    relations: list[RelationRecord]
    status: Status | None
    where: str


AnyDocument = ImportedDocument | DocumentRecord
"""What the store imports: a document as a reader yields it, or as a reading process sent it."""

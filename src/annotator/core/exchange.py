"""The unit that moves between files and the database on import."""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.core.models import ArticleIn, Relation, Span, Status


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

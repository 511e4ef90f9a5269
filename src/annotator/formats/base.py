"""What every import and export format shares: the exchanged document, the report of what a
format could not carry, and the reader and writer interfaces.

Offsets inside ``ImportedDocument`` are always Python code points into ``article.text``;
readers convert from the file's unit (see ``annotator.core.units``) before yielding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from annotator.core.exchange import ImportedDocument
from annotator.core.models import AnnotatedArticle
from annotator.core.units import Unit

if TYPE_CHECKING:
    from annotator.core.schema import LabelSchema


@dataclass(frozen=True)
class Limits:
    """Size limits that protect against hostile or broken input."""

    max_file_bytes: int = 2 * 1024**3
    max_line_bytes: int = 64 * 1024**2
    max_document_chars: int = 20 * 1024**2
    max_archive_members: int = 100_000
    max_archive_ratio: int = 200  # uncompressed / compressed, per member (zip bombs)


@dataclass(frozen=True)
class ImportOptions:
    offset_unit: Unit | None = None  # None: decide per file from spans that carry their text
    annotator: str | None = None  # used when the file names none
    skip_invalid: bool = False
    limits: Limits = field(default_factory=Limits)


class InvalidAnnotation(Exception):
    """A span or relation that cannot be imported; the message names file and line or task."""


class UnknownUnit(InvalidAnnotation):
    """What a file's offsets count cannot be told from the file: the user must say. The
    message does not say how, which depends on where the import was asked for."""


@dataclass(frozen=True)
class Omission:
    """Something a format could not carry, said exactly instead of dropped silently."""

    article_id: str
    annotator: str
    what: str  # e.g. "relation speaker (QUOTE [79, 120) -> PER [49, 66))"
    reason: str  # e.g. "doccano sequence JSONL has no relations"


@dataclass
class ExportReport:
    records: int = 0
    omissions: list[Omission] = field(default_factory=list)

    def omit(self, item: AnnotatedArticle, what: str, reason: str) -> None:
        self.omissions.append(
            Omission(item.article.external_id, item.annotations.annotator, what, reason)
        )

    def summary(self) -> str:
        """A short human summary: how many records, and what was left out, by reason."""
        lines = [f"{self.records} records written"]
        if self.omissions:
            by_reason: dict[str, list[Omission]] = {}
            for omission in self.omissions:
                by_reason.setdefault(omission.reason, []).append(omission)
            lines.append(f"{len(self.omissions)} annotations could not be carried by this format:")
            for reason, items in by_reason.items():
                lines.append(f"  {reason}: {len(items)}")
                for item in items[:20]:
                    lines.append(f"    {item.article_id} ({item.annotator}): {item.what}")
                if len(items) > 20:
                    lines.append(f"    … and {len(items) - 20} more")
        return "\n".join(lines)


class Writer(Protocol):
    """Writes annotated articles to ``target`` (a file, or a folder/zip for brat)."""

    name: str
    suffix: str  # default file suffix, e.g. ".jsonl", ".spacy", ".zip"

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None: ...


class Reader(Protocol):
    name: str

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportedDocument]: ...

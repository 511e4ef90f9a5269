"""Reading annotator's own JSONL export back: one line per article and annotator.

Each line follows :class:`~annotator.formats.native_jsonl.ExportRecord`. The text is kept
exactly, ``article_id`` becomes the external id, span and relation ids are kept, and so are
attributes and origins. Offsets are always code points. Relations with origin ``derived`` are
left out: they follow from the others and are recomputed. The text must still match its
``text_sha256``, and every span must read its text: otherwise the line (for the hash) or the
span raises ``InvalidAnnotation`` naming file and line, or with ``skip_invalid`` is left out
and listed in :attr:`NativeReader.skipped`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from annotator.core.exchange import ImportedDocument
from annotator.core.models import ArticleIn, Origin, Relation, Span
from annotator.core.text import check_text, text_sha256
from annotator.formats.articles import (
    ImportFileError,
    _json_object,
)
from annotator.formats.base import ImportOptions
from annotator.formats.common import limited_lines
from annotator.formats.native_jsonl import ExportRecord
from annotator.formats.unit_detection import report


class NativeReader:
    name = "jsonl"

    def __init__(self) -> None:
        self.skipped: list[str] = []
        """What the last ``read`` with ``skip_invalid`` left out, and why."""

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportedDocument]:
        self.skipped = []
        skipped = self.skipped if options.skip_invalid else None
        for number, offset, raw in limited_lines(path, options.limits):
            try:
                record = _record(raw, offset)
                document = _document(record, f"{path}:{number}", options, skipped)
            except ValueError as error:
                raise ImportFileError(path, str(error), number) from None
            if document is not None:
                yield document


def _record(raw: bytes, offset: int) -> ExportRecord:
    """Parse one line; raises ``ValueError`` with a reason for the user."""
    data = _json_object(raw, offset)
    try:
        return ExportRecord.model_validate(data)
    except ValidationError as error:
        raise ValueError(
            "not a line of an annotator export: "
            + "; ".join(
                f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"
                for problem in error.errors()
            )
        ) from None


def _document(
    record: ExportRecord, where: str, options: ImportOptions, skipped: list[str] | None
) -> ImportedDocument | None:
    """The document of one line, or ``None`` if its text does not match its hash and is
    skipped. Raises ``ValueError`` for a text that cannot be an article."""
    text = record.text
    check_text(text)
    limit = options.limits.max_document_chars
    if len(text) > limit:
        raise ValueError(f"text too long ({len(text)} characters; the limit is {limit})")
    if text_sha256(text) != record.text_sha256:
        report(
            f"{where}: the text does not match its text_sha256: it was changed after export",
            skipped,
        )
        return None
    spans: dict[str, Span] = {}
    for index, raw in enumerate(record.spans):
        problem: str | None
        if raw.id in spans:
            problem = "the id is used by an earlier span"
        elif not raw.label:
            problem = "the label is empty"
        else:
            problem = _span_problem(text, raw.start, raw.end, raw.text)
        if problem:
            report(f"{where}: spans[{index}] ({raw.id}): {problem}", skipped)
            continue
        # The record was validated and the span's range and text checked just now, which
        # covers every rule of a span but a label's length: no second validation.
        spans[raw.id] = Span.trusted(
            raw.id, raw.start, raw.end, raw.label, raw.text, raw.attrs, raw.origin
        )
    relations = []
    for index, relation in enumerate(record.relations):
        if relation.origin == Origin.DERIVED:
            continue
        missing = [end for end in (relation.head, relation.child) if end not in spans]
        if missing:
            report(
                f"{where}: relations[{index}] ({relation.id}): no imported span "
                f"{', '.join(missing)}",
                skipped,
            )
            continue
        relations.append(
            Relation(
                id=relation.id,
                head=relation.head,
                child=relation.child,
                label=relation.label,
                origin=relation.origin,
            )
        )
    return ImportedDocument(
        article=ArticleIn(
            external_id=record.article_id, title=record.title, text=text, meta=record.meta
        ),
        annotator=record.annotator or options.annotator,
        spans=list(spans.values()),
        relations=relations,
        status=record.status,
        where=where,
    )


def _span_problem(text: str, start: int, end: int, span_text: str) -> str | None:
    if not 0 <= start < end <= len(text):
        return f"[{start}, {end}) is empty or outside the text ({len(text)} code points)"
    if text[start:end] != span_text:
        return f"should read {span_text!r} but the text at [{start}, {end}) is {text[start:end]!r}"
    return None


reader = NativeReader()

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
from typing import Any

from pydantic import ValidationError

from annotator.core.exchange import ImportedDocument
from annotator.core.models import ArticleIn, Origin, Relation, Span
from annotator.core.text import checked_sha256
from annotator.formats.articles import (
    ImportFileError,
    _json_object,
    holds_float,
    refuse_big_integers,
    refuse_rounded_integers,
)
from annotator.formats.base import ImportOptions
from annotator.formats.common import ARTICLE_FIELDS, limited_lines
from annotator.formats.native_jsonl import ExportRecord, ExportRelation, ExportSpan
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
                document = _document(raw, offset, f"{path}:{number}", options, skipped)
            except ValueError as error:
                raise ImportFileError(path, str(error), number) from None
            if document is not None:
                yield document


class _SoundRecord(ExportRecord):
    """A line as :class:`ExportRecord` reads it, validated straight into the domain's spans and
    relations. Most lines pass; one that does not is read again as an ``ExportRecord``, whose
    errors, and whose spans one by one, say what is wrong with it."""

    spans: list[Span]  # type: ignore[assignment]
    relations: list[Relation]  # type: ignore[assignment]


_SPAN_FIELDS = frozenset(ExportSpan.model_fields)
_RELATION_FIELDS = frozenset(ExportRelation.model_fields)


def _sound(raw: bytes) -> _SoundRecord | None:
    """The line ``raw`` as a record whose every span reads its text, under an id of its own,
    or ``None``: then the line is read again the careful way, which says what is wrong.

    Validated straight from the JSON bytes, strictly: offsets must be JSON integers, as
    ``ExportSpan``'s are. Span and Relation have defaults for fields that an export always
    writes: each must have been given, and no other (created_at, say).
    """
    try:
        record = _SoundRecord.model_validate_json(raw, strict=True)
    except ValidationError:
        return None
    text = record.text
    # A float means the careful way's parser reads the line differently: an integer beyond 64
    # bits reads as one there, and NaN or infinity (taken here) are refused.
    if not record.article_id.strip() or holds_float(record.meta):
        return None
    ids = set()
    for span in record.spans:
        # Span's own validation covers the other rules: 0 <= start < end, the text's length
        # and a non-empty label (as Relation's covers its label).
        if (
            span.__pydantic_fields_set__ != _SPAN_FIELDS
            or span.end > len(text)
            or text[span.start : span.end] != span.text
            or span.id in ids
            or (span.attrs and holds_float(span.attrs))
        ):
            return None
        ids.add(span.id)
    relations = record.relations
    if len({relation.id for relation in relations}) != len(relations) or any(
        relation.__pydantic_fields_set__ != _RELATION_FIELDS for relation in relations
    ):
        return None
    return record


def _record(data: dict[str, Any]) -> ExportRecord:
    """Validate one line; raises ``ValueError`` with a reason for the user."""
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
    raw: bytes,
    offset: int,
    where: str,
    options: ImportOptions,
    skipped: list[str] | None,
) -> ImportedDocument | None:
    """The document of the line ``raw`` (at byte ``offset`` of its file), or ``None`` if its
    text does not match its hash and is skipped. Raises ``ValueError`` for a line that is not
    a record or a text that cannot be an article."""
    record: _SoundRecord | ExportRecord | None = _sound(raw)
    if record is None:
        record = _record(_json_object(raw, offset))
    if not record.article_id.strip():
        raise ValueError("article_id is empty")
    if isinstance(record, _SoundRecord):  # its integers were read exactly
        refuse_big_integers(record.meta, "meta")
        for index, span in enumerate(record.spans):
            if span.attrs:
                refuse_big_integers(span.attrs, f"spans[{index}].attrs")
    else:
        refuse_rounded_integers(
            raw, record.meta, *[span.attrs for span in record.spans if span.attrs]
        )
    text = record.text
    digest = checked_sha256(text)  # raises for a text no article may have
    limit = options.limits.max_document_chars
    if len(text) > limit:
        raise ValueError(f"text too long ({len(text)} characters; the limit is {limit})")
    if digest != record.text_sha256:
        report(
            f"{where}: the text does not match its text_sha256: it was changed after export",
            skipped,
        )
        return None
    if isinstance(record, _SoundRecord):
        spans = {span.id: span for span in record.spans}
        relations = [r for r in record.relations if r.origin != Origin.DERIVED]
        if all(r.head in spans and r.child in spans for r in relations):
            return _imported(record, spans, relations, options, where)
        record = _record(_json_object(raw, offset))
    spans = _checked_spans(record, where, skipped)
    return _imported(
        record, spans, _linked_relations(record, spans, where, skipped), options, where
    )


def _checked_spans(record: ExportRecord, where: str, skipped: list[str] | None) -> dict[str, Span]:
    """The record's spans that read their text, by id; each of the others is reported."""
    text = record.text
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
    return spans


def _linked_relations(
    record: ExportRecord, spans: dict[str, Span], where: str, skipped: list[str] | None
) -> list[Relation]:
    """The record's relations between ``spans``, derived ones left out; each of the others is
    reported."""
    relations = []
    ids: set[str] = set()
    for index, relation in enumerate(record.relations):
        if relation.origin == Origin.DERIVED:
            continue
        problem = None
        if relation.id in ids:
            problem = "the id is used by an earlier relation"
        elif not relation.label:
            problem = "the label is empty"
        elif missing := [end for end in (relation.head, relation.child) if end not in spans]:
            problem = f"no imported span {', '.join(missing)}"
        if problem:
            report(f"{where}: relations[{index}] ({relation.id}): {problem}", skipped)
            continue
        ids.add(relation.id)
        relations.append(
            Relation(
                id=relation.id,
                head=relation.head,
                child=relation.child,
                label=relation.label,
                origin=relation.origin,
            )
        )
    return relations


def _imported(
    record: _SoundRecord | ExportRecord,
    spans: dict[str, Span],
    relations: list[Relation],
    options: ImportOptions,
    where: str,
) -> ImportedDocument:
    return ImportedDocument(
        article=ArticleIn(
            external_id=record.article_id,
            title=record.title,
            text=record.text,
            meta=record.meta,
            **{key: getattr(record, key) for key in ARTICLE_FIELDS},
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

"""annotator's own JSONL format: one line per article and annotator.

Offsets are Python code-point offsets into ``text``, start inclusive, end exclusive, so
``text[start:end] == span["text"]`` holds for every span; the writer checks it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson
from pydantic import BaseModel, ConfigDict, StrictInt

from annotator.core.models import AnnotatedArticle, Origin, Status
from annotator.formats.atomic import atomic_output
from annotator.formats.base import ExportReport

if TYPE_CHECKING:
    from annotator.core.schema import LabelSchema


class ExportError(Exception):
    """Data that must not be written (a span that does not match the text)."""


# Built when first used (defer_build): an export only writes records, and an import validates
# its lines with them only when a line is not sound (see native_reader).
_STRICT = ConfigDict(extra="forbid", defer_build=True)


class ExportSpan(BaseModel):
    model_config = _STRICT

    id: str
    start: StrictInt
    end: StrictInt
    label: str
    text: str
    attrs: dict[str, Any]
    origin: Origin


class ExportRelation(BaseModel):
    model_config = _STRICT

    id: str
    head: str
    child: str
    label: str
    origin: Origin


class ExportRecord(BaseModel):
    """The schema of one line of a native JSONL export."""

    model_config = _STRICT

    article_id: str
    title: str
    text: str
    text_sha256: str
    meta: dict[str, Any]
    # Written on every line (null when unknown); optional when read, as in older exports.
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    annotator: str
    status: Status
    spans: list[ExportSpan]
    relations: list[ExportRelation]


def record(item: AnnotatedArticle, schema: LabelSchema | None = None) -> dict[str, Any]:
    """The JSON object for one article and annotator, after checking every span.

    With a schema, relations that follow from others (a claim's claimant taken from the
    speaker of its quote) are added with origin ``derived``.
    """
    article, annotations = item.article, item.annotations
    text = article.text
    spans = []
    for span in annotations.spans:
        if text[span.start : span.end] != span.text:
            raise ExportError(
                f"article {article.external_id!r}, annotator {annotations.annotator!r}: span "
                f"{span.id} [{span.start}, {span.end}) should read {span.text!r} but the text "
                f"there is {text[span.start : span.end]!r}; nothing was written"
            )
        spans.append(
            {
                "id": span.id,
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "text": span.text,
                "attrs": span.attrs,
                "origin": span.origin,  # a str enum: orjson writes its value
            }
        )
    relations = list(annotations.relations)
    if schema is not None and relations:  # claimants derive from speaker relations
        from annotator.core.attribution import derived_claimants  # not needed to read files

        relations += derived_claimants(annotations.spans, relations, schema)
    return {
        "article_id": article.external_id,
        "title": article.title,
        "text": text,
        "text_sha256": article.text_sha256,
        "meta": article.meta,
        "source": article.source,
        "url": article.url,
        "published": article.published,
        "language": article.language,
        "annotator": annotations.annotator,
        "status": annotations.status.value,
        "spans": spans,
        "relations": [
            {
                "id": r.id,
                "head": r.head,
                "child": r.child,
                "label": r.label,
                "origin": r.origin.value,
            }
            for r in relations
        ],
    }


def write_jsonl(
    items: Iterable[AnnotatedArticle], out: BinaryIO, schema: LabelSchema | None = None
) -> int:
    """Write one line per item; returns the number of lines written."""
    count = 0
    for item in items:
        out.write(orjson.dumps(record(item, schema), option=orjson.OPT_APPEND_NEWLINE))
        count += 1
    return count


class NativeWriter:
    """The native format as a :class:`~annotator.formats.base.Writer`: it carries everything,
    so it never reports an omission. ``-`` as the target writes to standard output."""

    name = "jsonl"
    suffix = ".jsonl"

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None:
        with atomic_output(target) as out:
            report.records += write_jsonl(items, out, schema)


writer = NativeWriter()

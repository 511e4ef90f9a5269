"""doccano JSONL, one document a line, in its two shapes.

Sequence labelling: ``{"id": 1, "text": "...", "label": [[23, 30, "GPE"], ...]}``; older
releases said ``labels``. Relation extraction: ``{"id": 1, "text": "...", "entities": [{"id": 1,
"label": "PER", "start_offset": 49, "end_offset": 66}], "relations": [{"id": 1, "from_id": 2,
"to_id": 1, "type": "speaker"}]}``. Metadata keys sit at the top level, beside ``text``.

Writing: offsets are **code points**, so that ``text[start:end]`` reads each span in Python,
where doccano's importer and most consumers of its files run; ``id`` is the record's number in
the file, entity and relation ids are numbered per document. The article's id, title, source,
url, published date and language, the annotator and the status are written as top-level keys
(``article_id``, ``title``, ... ``annotator``, ``status``), and so are the article's metadata,
except keys that clash with those names. Neither shape carries span attributes or whether a
span was accepted from a suggestion, and the sequence shape has no relations: what is left out
is reported per document. Relations derived from others (a claim's claimant) are not written.

Reading: each line is read in the shape it has (``entities`` for relations, else ``label`` or
``labels``; spans as ``[start, end, label]`` or as objects). The article id is ``article_id``,
else ``id``, else ``<file stem>:<line>``; the annotator is ``annotator`` or ``user``, else the
import's own; the text is kept exactly as given. doccano's web UI counts offsets in UTF-16 code
units, or in grapheme clusters in its grapheme mode, and its spans carry no text: when a text
has characters for which the units differ and the offsets do not read the same in each, the
file is refused with a message naming the line, and imports with ``--offset-unit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from annotator.core.exchange import ImportedDocument
from annotator.core.models import AnnotatedArticle, ArticleIn, Origin, Relation, Span
from annotator.core.schema import LabelSchema
from annotator.core.text import check_text, title_from_text
from annotator.formats.articles import (
    ImportFileError,
    _json_object,
    _json_type,
    _optional_string,
    refuse_rounded_integers,
)
from annotator.formats.atomic import atomic_output
from annotator.formats.base import ExportReport, ImportOptions
from annotator.formats.common import (
    ARTICLE_FIELDS,
    array,
    article_fields,
    limited_lines,
    optional_status,
)
from annotator.formats.native_jsonl import ExportError
from annotator.formats.unit_detection import (
    RawDocument,
    RawRelation,
    RawSpan,
    check_spans,
    import_documents,
    report,
)

_RESERVED = frozenset(
    {
        "id",
        "text",
        "label",
        "labels",
        "entities",
        "relations",
        "article_id",
        "title",
        "annotator",
        "user",
        "status",
        *ARTICLE_FIELDS,
    }
)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class DoccanoWriter:
    """Writes one line per article and annotator, reporting what the shape cannot carry."""

    suffix = ".jsonl"

    def __init__(self, name: str, shape: str, relations: bool) -> None:
        self.name = name
        self.shape = shape
        self.relations = relations

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None:
        with atomic_output(target) as out:
            for number, item in enumerate(items, 1):
                check_spans(item)
                record: dict[str, Any] = {"id": number, "text": item.article.text}
                if self.relations:
                    record.update(_entities_and_relations(item))
                else:
                    record["label"] = [[s.start, s.end, s.label] for s in item.annotations.spans]
                record.update(_top_level(item, report))
                self._report_omissions(item, report)
                out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
                report.records += 1

    def _report_omissions(self, item: AnnotatedArticle, report: ExportReport) -> None:
        spans, relations = item.annotations.spans, item.annotations.relations
        if relations and not self.relations:
            report.omit(item, _plural(len(relations), "relation"), f"{self.shape} has no relations")
        if with_attrs := [span for span in spans if span.attrs]:
            names = sorted({name for span in with_attrs for name in span.attrs})
            report.omit(
                item,
                f"attributes of {_plural(len(with_attrs), 'span')} ({', '.join(names)})",
                f"{self.shape} has no span attributes",
            )
        carried: Sequence[Span | Relation] = [*spans, *relations] if self.relations else spans
        if suggested := sum(annotation.origin == Origin.SUGGESTED for annotation in carried):
            report.omit(
                item,
                f"the origin of {_plural(suggested, 'annotation')} accepted from suggestions",
                f"{self.shape} does not say where an annotation came from",
            )


def _entities_and_relations(item: AnnotatedArticle) -> dict[str, Any]:
    spans = item.annotations.spans
    entity_of = {span.id: number for number, span in enumerate(spans, 1)}
    relations = []
    for number, relation in enumerate(item.annotations.relations, 1):
        if relation.head not in entity_of or relation.child not in entity_of:
            raise ExportError(
                f"article {item.article.external_id!r}, annotator "
                f"{item.annotations.annotator!r}: relation {relation.id} links a span that "
                "is not among the annotations; nothing was written"
            )
        relations.append(
            {
                "id": number,
                "from_id": entity_of[relation.head],
                "to_id": entity_of[relation.child],
                "type": relation.label,
            }
        )
    entities = [
        {"id": entity_of[s.id], "label": s.label, "start_offset": s.start, "end_offset": s.end}
        for s in spans
    ]
    return {"entities": entities, "relations": relations}


def _top_level(item: AnnotatedArticle, report: ExportReport) -> dict[str, Any]:
    article = item.article
    record: dict[str, Any] = {"article_id": article.external_id, "title": article.title}
    record.update(article_fields(article))
    record["annotator"] = item.annotations.annotator
    record["status"] = item.annotations.status.value
    if clash := sorted(_RESERVED & article.meta.keys()):
        report.omit(
            item,
            f"metadata {', '.join(map(repr, clash))}",
            "doccano keeps metadata at the top level, where these names are taken",
        )
    record.update((k, v) for k, v in article.meta.items() if k not in _RESERVED)
    return record


class DoccanoReader:
    """Reads both shapes, whichever each line has; ``skipped`` lists what ``skip_invalid`` left
    out during the last read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.skipped: list[str] = []

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportedDocument]:
        self.skipped = []
        skipped = self.skipped if options.skip_invalid else None
        documents = _raw_documents(path, options, skipped)
        return import_documents(documents, options.offset_unit, skipped, spans_carry_text=False)


def _raw_documents(
    path: Path, options: ImportOptions, skipped: list[str] | None
) -> Iterator[RawDocument]:
    for number, offset, raw in limited_lines(path, options.limits):
        try:
            record = _json_object(raw, offset)
            refuse_rounded_integers(raw, record)
            yield _document(record, path, number, options, skipped)
        except ValueError as error:
            raise ImportFileError(path, str(error), number) from error


def _document(
    record: dict[str, Any],
    path: Path,
    number: int,
    options: ImportOptions,
    skipped: list[str] | None,
) -> RawDocument:
    """Raises ``ValueError`` for a line that is not a document; reports invalid annotations."""
    text = record.get("text")
    if not isinstance(text, str):
        if text is None:
            raise ValueError('missing "text"')
        raise ValueError(f'"text" must be a string, got {_json_type(text)}')
    check_text(text)
    if len(text) > (limit := options.limits.max_document_chars):
        raise ValueError(f"text too long ({len(text)} characters; the limit is {limit})")
    title = _optional_string(record, "title")
    article = ArticleIn(
        external_id=_article_id(record, path, number),
        title=(title or "").strip() or title_from_text(text),
        text=text,
        meta={key: value for key, value in record.items() if key not in _RESERVED},
        **{key: _optional_string(record, key) for key in ARTICLE_FIELDS},
    )
    document = RawDocument(
        article=article,
        annotator=_annotator(record) or options.annotator,
        where=f"{path}:{number}",
        status=optional_status(record),
    )
    if "entities" in record:
        _read_relation_shape(record, document, skipped)
    else:
        _read_sequence_shape(record, document, skipped)
    return document


def _article_id(record: dict[str, Any], path: Path, number: int) -> str:
    key = "article_id"
    value = record.get(key)
    if value is None:
        key = "id"
        value = record.get(key)
    if value is None:
        return f"{path.stem}:{number}"
    # bool is a subclass of int, but true/false are not ids.
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(f'"{key}" must be a non-empty string or an integer')
    return str(value)


def _annotator(record: dict[str, Any]) -> str | None:
    for key in ("annotator", "user"):
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            raise ValueError(f'"{key}" must be a non-empty string or an integer')
        return str(value)
    return None


def _read_sequence_shape(
    record: dict[str, Any], document: RawDocument, skipped: list[str] | None
) -> None:
    if "label" in record and "labels" in record:
        raise ValueError('give "label" or "labels", not both')
    key = "labels" if "labels" in record else "label"
    for index, item in enumerate(array(record, key)):
        try:
            document.spans.append(_span(item))
        except ValueError as error:
            report(f"{document.where}: {key}[{index}]: {error}", skipped)


def _read_relation_shape(
    record: dict[str, Any], document: RawDocument, skipped: list[str] | None
) -> None:
    where = document.where
    index_of: dict[str | int, int] = {}
    left_out: set[str | int] = set()
    for index, item in enumerate(array(record, "entities")):
        entity_id = item.get("id") if isinstance(item, dict) else None
        try:
            if entity_id is not None and (
                isinstance(entity_id, bool) or not isinstance(entity_id, str | int)
            ):
                raise ValueError(
                    f'"id" must be a string or an integer, got {_json_type(entity_id)}'
                )
            if entity_id is not None and entity_id in index_of:
                raise ValueError(f"entity id {entity_id!r} is used twice")
            span = _span(item)
        except ValueError as error:
            report(f"{where}: entities[{index}]: {error}", skipped)
            if isinstance(entity_id, str | int):
                left_out.add(entity_id)
            continue
        if entity_id is not None:
            index_of[entity_id] = len(document.spans)
        document.spans.append(span)
    for index, item in enumerate(array(record, "relations")):
        try:
            document.relations.append(_relation(item, index_of, left_out))
        except ValueError as error:
            report(f"{where}: relations[{index}]: {error}", skipped)


def _span(item: Any) -> RawSpan:
    """A span from ``[start, end, label]`` or ``{"start_offset", "end_offset", "label"}``."""
    if isinstance(item, list):
        if len(item) != 3:
            raise ValueError(f"expected [start, end, label], got {len(item)} items")
        start, end, label = item
    elif isinstance(item, dict):
        start, end, label = (item.get(k) for k in ("start_offset", "end_offset", "label"))
    else:
        raise ValueError(f"expected [start, end, label] or an object, got {_json_type(item)}")
    for offset in (start, end):
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise ValueError(f"offsets must be integers, got {_json_type(offset)}")
    if not isinstance(label, str) or not label:
        raise ValueError("the label must be a non-empty string")
    return RawSpan(start=start, end=end, label=label)


def _relation(item: Any, index_of: dict[str | int, int], left_out: set[str | int]) -> RawRelation:
    if not isinstance(item, dict):
        raise ValueError(f"expected an object, got {_json_type(item)}")
    label = item.get("type")
    if not isinstance(label, str) or not label:
        raise ValueError('"type" must be a non-empty string')
    ends = []
    for key in ("from_id", "to_id"):
        value = item.get(key)
        if not isinstance(value, str | int) or value not in index_of:
            if isinstance(value, str | int) and value in left_out:
                raise ValueError(f'"{key}" {value!r} names an entity that was left out')
            raise ValueError(f'"{key}" {value!r} names no entity of this line')
        ends.append(index_of[value])
    return RawRelation(head=ends[0], child=ends[1], label=label)


sequence_writer = DoccanoWriter("doccano", "doccano sequence JSONL", relations=False)
relation_writer = DoccanoWriter("doccano-rel", "doccano relation JSONL", relations=True)
sequence_reader = DoccanoReader("doccano")
relation_reader = DoccanoReader("doccano-rel")

"""Prodigy JSONL tasks: one task per article and annotator, as Prodigy's manual recipes save them.

A task has ``text``; ``meta`` (article id, title, annotator, status, the article's source, url,
published date and language when known, then the article's own meta); ``tokens``
(``text, start, end, id, ws``, see :mod:`annotator.formats.tokens`); ``spans`` (``start, end,
token_start, token_end, label, text``, token indices inclusive); ``relations`` as ``rel.manual``
saves them (``head``/``child`` are the last token of each span, ``head_span``/``child_span``
locate the spans); ``answer``; ``_input_hash``, ``_task_hash``; ``_annotator_id`` and
``_session_id`` as ``<dataset>-<annotator>``; ``_view_id`` (``relations`` when the task has
relations, ``spans_manual`` when spans overlap, else ``ner_manual``).

Relations are the stored ones: the claimants the native export derives are left out, so that
importing the file again does not turn them into annotations.

Answers: ``done`` and ``in_progress`` are ``accept``; ``skipped`` and ``todo`` are ``ignore``, so
that Prodigy never trains on an article nobody finished looking at. ``meta.status`` keeps the
exact status. Offsets are code points, as in Prodigy (Python). Spans that do not fall on token
boundaries, and the relations that use them, are reported and left out: Prodigy needs token
indices. Span attributes are reported: Prodigy has nowhere to put them. A span or relation
accepted from a suggestion has ``"origin": "suggested"``, an extra key that Prodigy keeps as it
keeps those its own recipes add to spans (``source``, ``pattern``). Article meta keys named like
the keys the export writes in ``meta`` itself are reported and left out, so that reading cannot
take, say, an article's meta ``source`` for its source.

Prodigy hashes tasks with murmurhash over a serialisation it does not document, so its values
cannot be reproduced here. Ours are stable signed 32-bit integers (BLAKE2b): the input hash
from the text, the task hash from the input hash, spans and relations. Prodigy keeps the hashes a
task already has; its ``set_hashes(task, overwrite=True)`` recomputes them its own way.

Reading imports ``accept`` and ``ignore`` answers (status from ``meta.status`` when it agrees
with the answer, else ``done`` or ``skipped``). ``reject`` answers (in binary recipes they say
the suggested spans are wrong) and tasks without an answer (not annotated yet) are not imported
and are listed in ``skipped``. Spans are read by character offsets; relations are matched to
spans by ``head_span``/``child_span``, or else by the span ending on the ``head``/``child``
token; both take their ``origin`` (``manual`` when absent). The annotator is Prodigy's
``_annotator_id`` (else ``_session_id``) without its ``<dataset>-`` prefix, else
``meta.annotator``, else the import option.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from annotator.core.exchange import ImportedDocument
from annotator.core.models import AnnotatedArticle, ArticleIn, Origin, Relation, Span, Status
from annotator.core.schema import LabelSchema
from annotator.core.text import check_text, title_from_text
from annotator.core.units import Unit
from annotator.formats.articles import (
    ImportFileError,
    _json_object,
    _json_type,
    refuse_rounded_integers,
)
from annotator.formats.atomic import atomic_output
from annotator.formats.base import ExportReport, ImportOptions, InvalidAnnotation
from annotator.formats.common import ARTICLE_FIELDS, array, article_fields, limited_lines
from annotator.formats.tokens import (
    TokenIndex,
    check_span_text,
    describe_relation,
    describe_span,
    tokenize,
)

ANSWERS = {
    Status.DONE: "accept",
    Status.IN_PROGRESS: "accept",
    Status.SKIPPED: "ignore",
    Status.TODO: "ignore",
}
_DEFAULT_STATUS = {"accept": Status.DONE, "ignore": Status.SKIPPED}
_ARTICLE_META = ("article_id", "title", *ARTICLE_FIELDS)
"""The ``meta`` keys that hold the article's own fields."""
_OWN_META = frozenset({*_ARTICLE_META, "annotator", "status"})
"""Every ``meta`` key the export writes itself, whether or not the article has a value."""


def text_hash(text: str) -> int:
    """The ``_input_hash`` of a task with this text."""
    return _hash32(text.encode())


def _hash32(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "little", signed=True)


class ProdigyWriter:
    name = "prodigy"
    suffix = ".jsonl"

    def __init__(self, dataset: str = "annotator") -> None:
        self.dataset = dataset

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None:
        with atomic_output(target) as out:
            for item in items:
                out.write(orjson.dumps(self.task(item, report), option=orjson.OPT_APPEND_NEWLINE))
                report.records += 1

    def task(self, item: AnnotatedArticle, report: ExportReport) -> dict[str, Any]:
        """The Prodigy task for one article and annotator; what it cannot carry is reported."""
        article, annotations = item.article, item.annotations
        tokens = tokenize(article.text, article.language)
        index = TokenIndex(tokens)
        spans: dict[str, dict[str, Any]] = {}
        for span in sorted(annotations.spans, key=lambda span: (span.start, span.end)):
            check_span_text(item, span)
            covered = index.covering(span.start, span.end)
            if covered is None:
                report.omit(item, describe_span(span), "not on token boundaries")
                continue
            spans[span.id] = {
                "start": span.start,
                "end": span.end,
                "token_start": covered[0],
                "token_end": covered[1],
                "label": span.label,
                "text": span.text,
            } | _origin_key(span.origin)
        relations = []
        by_id = {span.id: span for span in annotations.spans}
        for relation in annotations.relations:
            head, child = spans.get(relation.head), spans.get(relation.child)
            if head is None or child is None:
                report.omit(
                    item,
                    describe_relation(relation, by_id),
                    "one of its spans could not be carried",
                )
                continue
            relations.append(
                {
                    "head": head["token_end"],
                    "child": child["token_end"],
                    "head_span": _span_reference(head),
                    "child_span": _span_reference(child),
                    "label": relation.label,
                }
                | _origin_key(relation.origin)
            )
        if attributes := sum(len(span.attrs) for span in annotations.spans):
            report.omit(item, f"{attributes} span attributes", "Prodigy spans have no attributes")

        task_spans = list(spans.values())
        input_hash = text_hash(article.text)
        annotator_id = f"{self.dataset}-{annotations.annotator}"
        return {
            "text": article.text,
            "meta": _meta(item, report),
            "tokens": [
                {"text": t.text, "start": t.start, "end": t.end, "id": i, "ws": t.ws}
                for i, t in enumerate(tokens)
            ],
            "spans": task_spans,
            "relations": relations,
            "answer": ANSWERS[annotations.status],
            "_input_hash": input_hash,
            "_task_hash": _hash32(
                orjson.dumps([input_hash, task_spans, relations], option=orjson.OPT_SORT_KEYS)
            ),
            "_annotator_id": annotator_id,
            "_session_id": annotator_id,
            "_view_id": _view_id(task_spans, relations),
        }


def _origin_key(origin: Origin) -> dict[str, str]:
    """``origin`` for a span or relation accepted from a suggestion; nothing for one by hand."""
    return {} if origin == Origin.MANUAL else {"origin": origin.value}


def _span_reference(span: dict[str, Any]) -> dict[str, Any]:
    keys = ("start", "end", "token_start", "token_end", "label")
    return {key: span[key] for key in keys}


def _view_id(spans: list[dict[str, Any]], relations: list[dict[str, Any]]) -> str:
    """The Prodigy interface that can show the task (``spans`` are sorted by start)."""
    if relations:
        return "relations"
    reach = 0
    for span in spans:
        if span["start"] < reach:
            return "spans_manual"
        reach = max(reach, span["end"])
    return "ner_manual"


def _meta(item: AnnotatedArticle, report: ExportReport) -> dict[str, Any]:
    article, annotations = item.article, item.annotations
    ours: dict[str, Any] = {
        "article_id": article.external_id,
        "title": article.title,
        "annotator": annotations.annotator,
        "status": annotations.status.value,
    }
    ours.update(article_fields(article))
    for key in sorted(article.meta.keys() & _OWN_META):
        report.omit(item, f"article meta {key!r}", "the Prodigy export uses this meta key itself")
    return ours | {key: value for key, value in article.meta.items() if key not in _OWN_META}


class ProdigyReader:
    """Reads Prodigy JSONL; ``skipped`` lists, per read, what was not imported and why.

    ``dataset``, when given, is the Prodigy dataset name to strip from annotator ids. Without
    it the prefix is stripped only where it is unambiguous: when the id ends in "-" plus
    ``meta.annotator``, or holds a single "-".
    """

    name = "prodigy"

    def __init__(self, dataset: str | None = None) -> None:
        self.dataset = dataset
        self.skipped: list[str] = []

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportedDocument]:
        self.skipped = []
        if options.offset_unit not in (None, Unit.CODEPOINT):
            raise ImportFileError(
                path, f"Prodigy offsets are code points; {options.offset_unit} does not apply"
            )
        return self._read(path, options)

    def _read(self, path: Path, options: ImportOptions) -> Iterator[ImportedDocument]:
        for number, offset, raw in limited_lines(path, options.limits, _file_too_large):
            try:
                task = _json_object(raw, offset)
                refuse_rounded_integers(raw, task.get("meta"))
                document = self._document(task, f"{path}:{number}", options)
            except ValueError as error:
                raise ImportFileError(path, str(error), number) from error
            if document is not None:
                yield document

    def _document(
        self, task: dict[str, Any], where: str, options: ImportOptions
    ) -> ImportedDocument | None:
        """The document of one task, or ``None`` when its answer is not imported.

        Raises ``ValueError`` for a task that is not Prodigy's shape.
        """
        text = task.get("text")
        if not isinstance(text, str):
            raise ValueError(f'"text" must be a string, got {_json_type(text)}')
        check_text(text)
        if len(text) > options.limits.max_document_chars:
            raise ValueError(
                f"text too long (more than {options.limits.max_document_chars} characters)"
            )
        meta = task.get("meta", {})
        if not isinstance(meta, dict):
            raise ValueError(f'"meta" must be an object, got {_json_type(meta)}')
        answer = task.get("answer")
        if not isinstance(answer, str) or answer not in _DEFAULT_STATUS:
            self.skipped.append(f"{where}: not imported: answer {answer!r}")
            return None
        spans = self._spans(task, text, where, options)
        return ImportedDocument(
            article=_article(text, meta),
            annotator=self._annotator(task, meta) or options.annotator,
            spans=spans,
            relations=self._relations(task, spans, where, options),
            status=_status(answer, _known_status(meta)),
            where=where,
        )

    def _spans(
        self, task: dict[str, Any], text: str, where: str, options: ImportOptions
    ) -> list[Span]:
        found = []
        for number, raw in enumerate(array(task, "spans")):
            try:
                found.append(_span(raw, text))
            except ValueError as error:
                self._invalid(f"{where}: span {number}: {error}", options)
        return found

    def _relations(
        self,
        task: dict[str, Any],
        spans: list[Span],
        where: str,
        options: ImportOptions,
    ) -> list[Relation]:
        tokens = task.get("tokens")
        found = []
        for number, raw in enumerate(array(task, "relations")):
            try:
                if not isinstance(raw, dict):
                    raise ValueError(f"expected an object, got {_json_type(raw)}")
                label = raw.get("label")
                if not isinstance(label, str) or not label:
                    raise ValueError('"label" must be a non-empty string')
                head = _endpoint(raw, "head", spans, tokens)
                child = _endpoint(raw, "child", spans, tokens)
                origin = _origin(raw)
            except ValueError as error:
                self._invalid(f"{where}: relation {number}: {error}", options)
                continue
            found.append(Relation(head=head.id, child=child.id, label=label, origin=origin))
        return found

    def _annotator(self, task: dict[str, Any], meta: dict[str, Any]) -> str | None:
        named = meta.get("annotator") if isinstance(meta.get("annotator"), str) else None
        ids = (task.get("_annotator_id"), task.get("_session_id"))
        given = next((value for value in ids if isinstance(value, str) and value.strip()), None)
        if given is None:
            return named
        if self.dataset and (session := given.removeprefix(f"{self.dataset}-")) not in ("", given):
            return session
        if named and given.endswith(f"-{named}"):
            return named
        dataset, _, session = given.partition("-")
        if dataset and session and "-" not in session:
            return session
        return given

    def _invalid(self, message: str, options: ImportOptions) -> None:
        if not options.skip_invalid:
            raise InvalidAnnotation(message)
        self.skipped.append(message)


def _file_too_large(size: int, limit: int) -> str:
    return f"file too large (more than {limit} bytes)"


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _span(raw: object, text: str) -> Span:
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object, got {_json_type(raw)}")
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if not _is_int(start) or not _is_int(end):
        raise ValueError('"start" and "end" must be integers')
    if not isinstance(label, str) or not label:
        raise ValueError('"label" must be a non-empty string')
    if not 0 <= start < end <= len(text):
        raise ValueError(f"[{start}, {end}) is outside the text ({len(text)} code points)")
    span = Span.of(text, start, end, label, origin=_origin(raw))
    given = raw.get("text")
    if given is not None and given != span.text:
        raise ValueError(f"[{start}, {end}) says {given!r} but the text there is {span.text!r}")
    return span


def _origin(raw: dict[str, Any]) -> Origin:
    """The ``origin`` the export writes on what was accepted from a suggestion."""
    origin = raw.get("origin", Origin.MANUAL.value)
    if origin not in (Origin.MANUAL, Origin.SUGGESTED):
        raise ValueError(f'"origin" must be "manual" or "suggested", got {origin!r}')
    return Origin(origin)


def _endpoint(
    relation: dict[str, Any],
    side: str,
    spans: list[Span],
    tokens: object,
) -> Span:
    """The span at one end of a relation: by ``<side>_span``, else by the ``<side>`` token."""
    reference = relation.get(f"{side}_span")
    if isinstance(reference, dict):
        start, end, label = reference.get("start"), reference.get("end"), reference.get("label")
        where = f"[{start}, {end})"
        matches = [
            span
            for span in spans
            if span.start == start
            and span.end == end
            and (not isinstance(label, str) or span.label == label)
        ]
    else:
        token = relation.get(side)
        if not _is_int(token) or not isinstance(tokens, list) or not 0 <= token < len(tokens):
            raise ValueError(f'"{side}" is not the index of one of the task\'s tokens')
        token_end = tokens[token].get("end") if isinstance(tokens[token], dict) else None
        if not _is_int(token_end):
            raise ValueError(f"token {token} has no integer end")
        where = f"ending at token {token}"
        matches = [span for span in spans if span.end == token_end]
    if not matches:
        raise ValueError(f"{side}: no span {where}")
    if len({(span.start, span.end, span.label) for span in matches}) > 1:
        raise ValueError(f"{side}: more than one span {where}")
    return matches[0]


def _known_status(meta: dict[str, Any]) -> Status | None:
    status = meta.get("status")
    if not isinstance(status, str):
        return None
    try:
        return Status(status)
    except ValueError:
        return None


def _status(answer: str, given: Status | None) -> Status:
    """The status from ``meta`` if it agrees with the answer, else the answer's own."""
    if given is not None and ANSWERS[given] == answer:
        return given
    return _DEFAULT_STATUS[answer]


def _article(text: str, meta: dict[str, Any]) -> ArticleIn:
    """The article of a task; the meta keys the export itself writes are taken out of meta."""
    fields: dict[str, str] = {}
    for key in _ARTICLE_META:
        value = meta.get(key)
        if key == "article_id" and _is_int(value):
            value = str(value)
        if isinstance(value, str):  # kept as written, blank too, as the export wrote it
            fields[key] = value
    used = set(fields)
    if isinstance(meta.get("annotator"), str):
        used.add("annotator")
    if _known_status(meta) is not None:
        used.add("status")
    external_id = fields.pop("article_id", "")
    title = fields.pop("title", None)
    return ArticleIn(
        external_id=external_id if external_id.strip() else str(text_hash(text)),
        title=title_from_text(text) if title is None else title,
        text=text,
        meta={key: value for key, value in meta.items() if key not in used},
        **fields,
    )


writer = ProdigyWriter()
reader = ProdigyReader()

"""Label Studio JSON: a list of tasks on a ``<Text name="text" value="$text"/>``, with
``annotations`` and ``predictions`` whose ``result`` lists regions, relations and per-region
choices.

Writing: one task per article and annotator, each with one annotation. ``data`` holds the text
and, so that they survive a trip through Label Studio, the article's id, title, source, url,
published date, language and metadata (``meta``), the annotator and the status. Label Studio
accepts ``completed_by`` only as the e-mail or id of one of its users and refuses the import
otherwise, so it is left out: Label Studio gives the annotation to whoever imports it. A span is
a ``labels`` region (offsets in code points, which Label Studio counts, with the span's text)
whose ``id`` is the span's; a relation is a ``relation`` result going ``right`` from head to
child; each attribute is a ``choices`` result carrying its region's ``id``. A span accepted from
a suggestion has origin ``prediction``; a skipped article's annotation is ``was_cancelled``.
Relations derived from others (a claim's claimant) are not written.

The project's labeling config, made by :func:`labeling_config`, is written beside the tasks as
``<name>.config.xml`` (not when writing to standard output): paste it into the project's
Labeling Interface before importing the tasks. It has the schema's labels, relations and
attributes, plus any label, relation or attribute value the tasks use beyond them, so that Label
Studio can show every region.

Reading: a list of tasks or a single task. A task's first annotation belongs to
``data.annotator`` where the task has one (this module's export, also after a trip through Label
Studio, which gives the annotation to whoever imported it); any other to ``completed_by.email``
(a Label Studio export) or a ``completed_by`` string; one that names only a user id, or nobody,
to the import's annotator if it is the task's only such annotation, else to
``labelstudio:<user id>``. Each prediction is imported as the annotations of
``prediction:<model_version>`` (or ``prediction``), with its spans marked as suggested, so that
it stays apart from people's work whether or not the task has annotations. A region with several
labels gives one span per label, and so do several ``labels`` results with one id (one region
labelled through several controls); two regions at different ranges cannot share an id: the
second is an invalid annotation. Spans carry their text, from which the unit of the offsets is
decided per file (Label Studio has counted UTF-16 code units after emoji in some releases).
Document-level choices, bidirectional relations and other result types cannot be imported: they
are invalid annotations.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from annotator.core.exchange import ImportedDocument
from annotator.core.models import AnnotatedArticle, ArticleIn, Origin, Span, Status
from annotator.core.schema import LabelSchema
from annotator.core.text import check_text, title_from_text
from annotator.formats.articles import (
    _BOM,
    ImportFileError,
    _invalid_utf8,
    _json_error,
    _json_type,
    _open_error,
    _optional_string,
    exact_json,
    holds_float,
    refuse_big_integers,
)
from annotator.formats.atomic import atomic_output, is_stream
from annotator.formats.base import ExportReport, ImportOptions, Limits
from annotator.formats.common import ARTICLE_FIELDS, article_fields, optional_status
from annotator.formats.native_jsonl import ExportError
from annotator.formats.unit_detection import (
    RawDocument,
    RawRelation,
    RawSpan,
    check_spans,
    import_documents,
    report,
)

LABELS, TEXT = "label", "text"  # the names of the Labels control and the Text object
_DATA_KEYS = frozenset(
    {"text", "article_id", "title", "annotator", "status", "meta", *ARTICLE_FIELDS}
)
_TASK_KEYS = frozenset({"id", "annotations", "predictions"})


class LabelStudioWriter:
    name = "labelstudio"
    suffix = ".json"

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None:
        """Write the tasks as a JSON array, one task a line, without holding them in memory."""
        used = UsedInTasks()
        with atomic_output(target) as out:
            out.write(b"[")
            number = 0
            for number, item in enumerate(items, 1):
                out.write(b"\n" if number == 1 else b",\n")
                out.write(orjson.dumps(_task(number, item, report, used)))
                report.records += 1
            out.write(b"\n]\n" if number else b"]\n")
        if not is_stream(target):  # no file to put the config beside
            with atomic_output(config_path(Path(target))) as out:
                out.write(labeling_config(schema, used).encode())


class UsedInTasks:
    """The labels, relations and attribute values tasks use, in the order first used.

    Each dict is an ordered set (values unused); an attribute maps to its labels and values.
    """

    def __init__(self) -> None:
        self.labels: dict[str, None] = {}
        self.relations: dict[str, None] = {}
        self.attributes: dict[str, tuple[dict[str, None], dict[str, None]]] = {}

    def span(self, span: Span) -> None:
        self.labels.setdefault(span.label)
        for name, value in span.attrs.items():
            if isinstance(value, str):
                self.attribute(name, span.label, value)

    def attribute(self, name: str, label: str, value: str) -> None:
        labels, values = self.attributes.setdefault(name, ({}, {}))
        labels.setdefault(label)
        values.setdefault(value)


def config_path(target: Path) -> Path:
    """Where the labeling config goes: ``export.json`` -> ``export.config.xml``."""
    return target.with_suffix(".config.xml")


def _task(
    number: int, item: AnnotatedArticle, report: ExportReport, used: UsedInTasks
) -> dict[str, Any]:
    check_spans(item)
    article, annotations = item.article, item.annotations
    data: dict[str, Any] = {
        TEXT: article.text,
        "article_id": article.external_id,
        "title": article.title,
    }
    data.update(article_fields(article))
    data |= {
        "meta": article.meta,
        "annotator": annotations.annotator,
        "status": annotations.status.value,
    }
    result: list[dict[str, Any]] = []
    not_text = []
    for span in annotations.spans:
        used.span(span)
        region = {"start": span.start, "end": span.end, "text": span.text}
        origin = "prediction" if span.origin == Origin.SUGGESTED else "manual"
        values = [("labels", LABELS, {"labels": [span.label]})]
        for name, value in span.attrs.items():
            if isinstance(value, str):
                values.append(("choices", name, {"choices": [value]}))
            else:
                not_text.append(f"{name}={value!r}")
        result.extend(
            {
                "id": span.id,
                "from_name": from_name,
                "to_name": TEXT,
                "type": kind,
                "value": region | value,
                "origin": origin,
            }
            for kind, from_name, value in values
        )
    if not_text:
        report.omit(
            item,
            f"attribute values that are not text: {', '.join(not_text)}",
            "Label Studio choices hold text only",
        )
    ids = {span.id for span in annotations.spans}
    for relation in annotations.relations:
        if relation.head not in ids or relation.child not in ids:
            raise ExportError(
                f"article {article.external_id!r}, annotator {annotations.annotator!r}: relation "
                f"{relation.id} links a span that is not among the annotations; nothing was written"
            )
        used.relations.setdefault(relation.label)
        result.append(
            {
                "from_id": relation.head,
                "to_id": relation.child,
                "type": "relation",
                "direction": "right",
                "labels": [relation.label],
                "origin": "prediction" if relation.origin == Origin.SUGGESTED else "manual",
            }
        )
    annotation = {
        "id": number,
        "result": result,
        "was_cancelled": annotations.status == Status.SKIPPED,
        "ground_truth": False,
    }
    return {"id": number, "data": data, "annotations": [annotation], "predictions": []}


def labeling_config(schema: LabelSchema, used: UsedInTasks | None = None) -> str:
    """A Label Studio labeling config for ``schema``: labels, relations, and per-region choices
    for attributes (one control per attribute name, its values merged across labels), each
    followed by those that ``used`` has and the schema lacks."""
    used = used or UsedInTasks()
    view = ET.Element("View")
    labels = ET.SubElement(view, "Labels", name=LABELS, toName=TEXT)
    for label in schema.labels:
        ET.SubElement(labels, "Label", value=label.name, background=label.color)
    for name in used.labels:
        if name not in schema.names:
            ET.SubElement(labels, "Label", value=name)
    names = dict.fromkeys(relation.name for relation in schema.relations) | used.relations
    if names:
        relations = ET.SubElement(view, "Relations")
        for name in names:
            ET.SubElement(relations, "Relation", value=name)
    ET.SubElement(view, "Text", name=TEXT, value=f"${TEXT}")
    for name, (owners, values) in _attributes(schema, used).items():
        control = {"name": name, "toName": TEXT, "perRegion": "true", "choice": "single"}
        if len(owners) == 1:
            control |= {"whenTagName": LABELS, "whenLabelValue": next(iter(owners))}
        choices = ET.SubElement(view, "Choices", control)
        for value in values:
            ET.SubElement(choices, "Choice", value=value)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _attributes(
    schema: LabelSchema, used: UsedInTasks
) -> dict[str, tuple[dict[str, None], dict[str, None]]]:
    """Each attribute's labels and values: the schema's, then those only ``used`` has."""
    merged = UsedInTasks()
    for label in schema.labels:
        for attribute in label.attributes:
            for value in attribute.values:
                merged.attribute(attribute.name, label.name, value)
    for name, (owners, values) in used.attributes.items():
        known_owners, known_values = merged.attributes.setdefault(name, ({}, {}))
        known_owners.update(owners)
        known_values.update(values)
    return merged.attributes


class LabelStudioReader:
    """Reads Label Studio JSON; ``skipped`` lists what ``skip_invalid`` left out during the last
    read."""

    name = "labelstudio"

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportedDocument]:
        self.skipped = []
        skipped = self.skipped if options.skip_invalid else None
        return import_documents(
            _raw_documents(path, options, skipped), options.offset_unit, skipped
        )


def _raw_documents(
    path: Path, options: ImportOptions, skipped: list[str] | None
) -> Iterator[RawDocument]:
    tasks = _load(path, options.limits)
    for number, task in enumerate(tasks if isinstance(tasks, list) else [tasks], 1):
        where = f"task {number}"
        if isinstance(task, dict) and isinstance(task.get("id"), str | int):
            where += f" (id {task['id']})"
        try:
            if not isinstance(task, dict):
                raise ValueError(f"expected an object, got {_json_type(task)}")
            documents = _task_documents(task, path, f"{path}: {where}", number, options, skipped)
        except ValueError as error:
            raise ImportFileError(path, f"{where}: {error}") from error
        yield from documents


def _load(path: Path, limits: Limits) -> Any:
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise ImportFileError(
                path, f"file too large ({size} bytes; the limit is {limits.max_file_bytes})"
            )
        data = path.read_bytes()
    except OSError as error:
        raise _open_error(path, error) from error
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        decoded = data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, skip + error.start) + 1
        raise ImportFileError(path, _invalid_utf8(data[skip:], error, skip), line) from error
    try:
        tasks = orjson.loads(decoded)
    except orjson.JSONDecodeError as error:
        raise ImportFileError(path, _json_error(decoded, error), error.lineno) from error
    if not isinstance(tasks, list | dict):
        raise ImportFileError(path, f"expected a list of tasks or a task, got {_json_type(tasks)}")
    # orjson reads an integer beyond 64 bits as a float, rounded: a file with floats is read
    # again exactly, so that such an integer is refused (see ``_article``) rather than rounded.
    if not holds_float(tasks):
        return tasks
    try:
        return exact_json(decoded)
    except ValueError as error:
        raise ImportFileError(path, str(error)) from None


def _task_documents(
    task: dict[str, Any],
    path: Path,
    where: str,
    number: int,
    options: ImportOptions,
    skipped: list[str] | None,
) -> list[RawDocument]:
    """One document per annotation and prediction of ``task``, or one without annotations.

    Raises ``ValueError`` for a task that cannot be read; reports invalid annotations.
    """
    data = (
        task["data"] if "data" in task else {k: v for k, v in task.items() if k not in _TASK_KEYS}
    )
    if not isinstance(data, dict):
        raise ValueError(f'"data" must be an object, got {_json_type(data)}')
    article = _article(data, task, path, number, options.limits)
    own = _optional_string(data, "annotator")
    own_status = optional_status(data, "data.status")
    annotations = _list(task, "annotations")
    predictions = _list(task, "predictions")
    if not annotations and not predictions:
        annotator = own or options.annotator
        return [RawDocument(article, annotator, where, own_status)]

    names = [_completed_by(annotation) for annotation in annotations]
    if own and names:
        names[0] = (own, None)
    unnamed = sum(name is None for name, _ in names)
    entries: list[tuple[str, dict[str, Any], str | None, Status | None, Origin]] = []
    for index, (annotation, (name, user)) in enumerate(zip(annotations, names, strict=True), 1):
        status = Status.SKIPPED if annotation.get("was_cancelled") is True else Status.DONE
        if index == 1 and own and own_status and status != Status.SKIPPED:
            status = own_status
        if name is None and unnamed == 1 and options.annotator:
            name = options.annotator
        elif name is None and user is not None:
            name = f"labelstudio:{user}"
        entries.append((f"annotation {index}", annotation, name, status, Origin.MANUAL))
    for index, prediction in enumerate(predictions, 1):
        version = prediction.get("model_version")
        name = f"prediction:{version}" if isinstance(version, str) and version else "prediction"
        entries.append((f"prediction {index}", prediction, name, None, Origin.SUGGESTED))

    documents = []
    owners: dict[str | None, str] = {}
    for what, entry, annotator, entry_status, origin in entries:
        if annotator in owners:
            report(
                f"{where}, {what}: {owners[annotator]} already belongs to "
                f"{annotator or 'the default annotator'}",
                skipped,
            )
            continue
        owners[annotator] = what
        document = RawDocument(article, annotator, f"{where}, {what}", entry_status)
        _read_results(entry, document, origin, skipped)
        documents.append(document)
    return documents


def _article(
    data: dict[str, Any], task: dict[str, Any], path: Path, number: int, limits: Limits
) -> ArticleIn:
    text = data.get(TEXT)
    if not isinstance(text, str):
        if text is None:
            raise ValueError('"data" has no "text" (the Text object must read $text)')
        raise ValueError(f'"data.text" must be a string, got {_json_type(text)}')
    check_text(text)
    if len(text) > limits.max_document_chars:
        raise ValueError(
            f"text too long ({len(text)} characters; the limit is {limits.max_document_chars})"
        )
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError(f'"data.meta" must be an object, got {_json_type(meta)}')
    refuse_big_integers(data, "data")
    extra = {key: value for key, value in data.items() if key not in _DATA_KEYS}
    if clash := sorted(extra.keys() & meta.keys()):
        raise ValueError(f'key "{clash[0]}" appears both in "data" and in "data.meta"')
    title = _optional_string(data, "title")
    return ArticleIn(
        external_id=_article_id(data, task, path, number),
        title=(title or "").strip() or title_from_text(text),
        text=text,
        meta=meta | extra,
        **{key: _optional_string(data, key) for key in ARTICLE_FIELDS},
    )


def _article_id(data: dict[str, Any], task: dict[str, Any], path: Path, number: int) -> str:
    for where, key in ((data, "article_id"), (task, "id")):
        value = where.get(key)
        if value is None:
            continue
        # bool is a subclass of int, but true/false are not ids.
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            raise ValueError(f'"{key}" must be a non-empty string or an integer')
        return str(value)
    return f"{path.stem}:{number}"


def _list(task: dict[str, Any], key: str) -> list[Any]:
    value = task.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f'"{key}" must be an array, got {_json_type(value)}')
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValueError(f"{key}[{index}] must be an object, got {_json_type(item)}")
    return value


def _completed_by(annotation: dict[str, Any]) -> tuple[str | None, int | None]:
    """The annotator's name if the annotation gives one, else the Label Studio user id."""
    value = annotation.get("completed_by")
    if isinstance(value, dict):
        email = value.get("email")
        if isinstance(email, str) and email.strip():
            return email, None
        value = value.get("id")
    if isinstance(value, str) and value.strip():
        return value, None
    if isinstance(value, int) and not isinstance(value, bool):
        return None, value
    return None, None


def _read_results(
    entry: dict[str, Any], document: RawDocument, origin: Origin, skipped: list[str] | None
) -> None:
    results = entry.get("result", [])
    if not isinstance(results, list):
        raise ValueError(f'"result" must be an array, got {_json_type(results)}')
    regions: dict[str | int, list[int]] = {}
    later = []
    for index, item in enumerate(results, 1):
        where = f"{document.where}, result {index}"
        try:
            if not isinstance(item, dict):
                raise ValueError(f"expected an object, got {_json_type(item)}")
            kind = item.get("type")
            if kind == "labels":
                _add_region(item, document, regions, origin)
            elif kind in ("relation", "choices"):
                later.append((where, item))
            else:
                raise ValueError(f"results of type {kind!r} cannot be imported")
        except ValueError as error:
            report(f"{where}: {error}", skipped)
    for where, item in later:
        try:
            if item["type"] == "relation":
                _add_relation(item, document, regions, origin)
            else:
                _add_choice(item, document, regions)
        except ValueError as error:
            report(f"{where}: {error}", skipped)


def _value(item: dict[str, Any]) -> dict[str, Any]:
    value = item.get("value")
    if not isinstance(value, dict):
        raise ValueError(f'"value" must be an object, got {_json_type(value)}')
    return value


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f'"{key}" must be an array of non-empty strings')
    return value


def _region_id(item: dict[str, Any], key: str) -> str | int | None:
    value = item.get(key)
    if value is None or (isinstance(value, str | int) and not isinstance(value, bool)):
        return value
    raise ValueError(f'"{key}" must be a string or an integer, got {_json_type(value)}')


def _offset(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f'"start" and "end" must be integers, got {_json_type(value)}')
    return value


def _add_region(
    item: dict[str, Any],
    document: RawDocument,
    regions: dict[str | int, list[int]],
    origin: Origin,
) -> None:
    value = _value(item)
    start, end = _offset(value.get("start")), _offset(value.get("end"))
    labels = _strings(value.get("labels"), "labels")
    if not labels:
        raise ValueError("the region has no label")
    text = value.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError(f'"text" must be a string, got {_json_type(text)}')
    if item.get("origin") == "prediction":
        origin = Origin.SUGGESTED
    region = _region_id(item, "id")
    if region is not None and region in regions:
        _check_same_range(region, start, end, document.spans[regions[region][0]])
    for label in labels:
        if region is not None:
            regions.setdefault(region, []).append(len(document.spans))
        document.spans.append(RawSpan(start, end, label, text, {}, origin))


def _check_same_range(region: str | int, start: int, end: int, known: RawSpan) -> None:
    """Several results with one id are one region labelled by several controls; at another
    range they are two regions, and the relations and choices naming the id are ambiguous."""
    if (known.start, known.end) != (start, end):
        raise ValueError(
            f"region id {region!r} at [{start}, {end}) is already the id of the region at "
            f"[{known.start}, {known.end})"
        )


def _spans_of(item: dict[str, Any], key: str, regions: dict[str | int, list[int]]) -> list[int]:
    region = _region_id(item, key)
    if region is None or region not in regions:
        raise ValueError(f'"{key}" {region!r} names no labelled region of this annotation')
    return regions[region]


def _add_relation(
    item: dict[str, Any],
    document: RawDocument,
    regions: dict[str | int, list[int]],
    origin: Origin,
) -> None:
    heads = _spans_of(item, "from_id", regions)
    children = _spans_of(item, "to_id", regions)
    direction = item.get("direction", "right")
    if direction == "left":
        heads, children = children, heads
    elif direction != "right":
        raise ValueError(
            f"direction {direction!r} cannot be imported: a relation goes from head to child"
        )
    labels = _strings(item.get("labels", []), "labels")
    if not labels:
        raise ValueError("the relation has no label")
    if item.get("origin") == "prediction":
        origin = Origin.SUGGESTED
    for label in labels:
        for head in heads:
            for child in children:
                document.relations.append(RawRelation(head, child, label, origin))


def _add_choice(
    item: dict[str, Any], document: RawDocument, regions: dict[str | int, list[int]]
) -> None:
    name = item.get("from_name")
    if not isinstance(name, str) or not name:
        raise ValueError('"from_name" must be a non-empty string')
    region = _region_id(item, "id")
    if region not in regions:
        raise ValueError(
            f"choices {name} belong to no labelled region (id {region!r}): choices for the "
            "whole task cannot be imported"
        )
    choices = _strings(_value(item).get("choices"), "choices")
    if len(choices) != 1:
        raise ValueError(f"{name} has {len(choices)} choices; an attribute holds one value")
    for index in regions[region]:
        document.spans[index].attrs[name] = choices[0]


writer = LabelStudioWriter()
reader = LabelStudioReader()

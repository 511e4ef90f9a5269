"""brat standoff: a ``.txt`` and an ``.ann`` file per article and annotator, in a folder or a zip.

What the writer puts in the folder (or the ``.zip``, by the target's suffix):

- ``<article>__<annotator>.txt``: the article text, byte for byte (UTF-8, line endings kept).
  Names are reduced to letters, digits, ``.``, ``_`` and ``-``, and numbered if they clash.
- ``<article>__<annotator>.ann``: a T line per span, an A line per attribute (a ``True``
  value is a binary attribute, written without a value), an R line per relation with the head
  as ``Arg1`` and the child as ``Arg2``, and ``AnnotatorNotes`` lines: ``origin: suggested``
  (or ``origin: derived``) on each span or relation not drawn by hand, and a span's ``note``
  attribute, when it is text, as its note. Derived claimant relations are written for brat's
  users and skipped on reading, where they are recomputed.
- ``annotation.conf``: the schema's entities, relations and attributes, plus any type or value
  the data uses beyond the schema, so that brat accepts every annotation.
- ``manifest.jsonl``: one line per ``.txt``/``.ann`` pair with what brat has no place for:
  article id, title, metadata, annotator and status. brat ignores the file; reading restores
  them from it. Without it (files made by brat itself), the article id is the file's path
  without ``.txt`` and the annotator is ``ImportOptions.annotator``.

Offsets are code points into the ``.txt`` text as stored, with no newline translation: read the
file in binary or with ``newline=""``, since Python's default text mode turns ``\\r\\n`` into
``\\n`` and shifts every later offset.

A T line's text cannot hold a line break, so a span across lines is written as fragments split
at its line breaks (``T1\\tQUOTE 0 5;7 12\\t...``), their texts joined by a space as brat does.
Reading joins the fragments of a T line into one span when only whitespace lies between them.

Reading keeps the ``AnnotatorNotes`` of a T line as its span's ``note`` attribute (the
``origin: ...`` ones set the origin instead). What cannot be imported, such as a note on a
relation or an ``.ann`` file without its ``.txt``, is an invalid annotation.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from annotator.core.attribution import derived_claimants
from annotator.core.exchange import ImportedDocument
from annotator.core.models import (
    AnnotatedArticle,
    ArticleIn,
    Origin,
    Relation,
    Span,
    Status,
)
from annotator.core.schema import LabelSchema
from annotator.core.text import TextError, check_text, title_from_text
from annotator.core.units import Unit, UnitError, UnitMap, matching_units
from annotator.formats.archive import Archive, open_archive
from annotator.formats.articles import ImportFileError, _invalid_utf8, _lines
from annotator.formats.atomic import _fsync_folder, atomic_output, is_stream
from annotator.formats.base import ExportReport, ImportOptions
from annotator.formats.unit_detection import check_spans
from annotator.formats.unit_detection import report as report_invalid

MANIFEST = "manifest.jsonl"
CONF = "annotation.conf"

# The characters str.splitlines() breaks at: brat splits .ann lines at every one of them.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
# A label, attribute name or value that brat's .ann and annotation.conf syntax can carry.
_TOKEN = re.compile(r"[^\s|,]+")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_OFFSETS = re.compile(r"[0-9]+ [0-9]+(?:;[0-9]+ [0-9]+)*")
_FRAGMENT_SEPARATOR = " "
_ORIGIN_NOTE = "origin: "
NOTE = "note"
"""The span attribute that holds a T line's ``AnnotatorNotes``."""
_NAME_LIMIT = 80

Add = Callable[[str, bytes], None]
"""Adds one file, by name and content, to the output being written."""


class _ManifestEntry(BaseModel):
    """One line of ``manifest.jsonl``: the article and annotator of ``<file>.txt``/``.ann``."""

    model_config = ConfigDict(extra="ignore")

    file: str = Field(min_length=1)
    article_id: str = Field(min_length=1)
    title: str = ""
    annotator: str | None = None
    status: Status | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


# Writing


class BratWriter:
    name = "brat"
    suffix = ".zip"

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None:
        """Write a ``.zip`` if ``target`` ends in ``.zip`` or is a stream (a FIFO, a device),
        else a folder; to a file or folder atomically."""
        conf = _Conf(schema)
        manifest: list[bytes] = []
        used: set[str] = set()
        zipped = target.suffix.lower() == ".zip" or is_stream(target)
        output = _zip_output if zipped else _folder_output
        with output(target) as add:
            for item in items:
                stem = _unique_stem(item, used)
                ann = _annotation_file(item, schema, conf, report)
                add(f"{stem}.txt", item.article.text.encode("utf-8"))
                add(f"{stem}.ann", ann)
                manifest.append(orjson.dumps(_manifest_entry(stem, item)) + b"\n")
                report.records += 1
            add(CONF, conf.render().encode("utf-8"))
            add(MANIFEST, b"".join(manifest))


class _Conf:
    """``annotation.conf``: the schema's types, extended by any the data uses beyond them.

    Each dict is an ordered set (values unused).
    """

    def __init__(self, schema: LabelSchema) -> None:
        self.entities: dict[str, None] = dict.fromkeys(schema.names)
        self.relations: dict[str, tuple[dict[str, None], dict[str, None]]] = {
            r.name: (dict.fromkeys(r.heads), dict.fromkeys(r.children)) for r in schema.relations
        }
        self.attributes: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
        for label in schema.labels:
            for attribute in label.attributes:
                for value in attribute.values:
                    if _TOKEN.fullmatch(value):
                        self.attribute(attribute.name, label.name, value)

    def entity(self, label: str) -> None:
        self.entities.setdefault(label)

    def relation(self, name: str, head: str, child: str) -> None:
        heads, children = self.relations.setdefault(name, ({}, {}))
        heads.setdefault(head)
        children.setdefault(child)

    def attribute(self, name: str, label: str, value: str | bool) -> None:
        labels, values = self.attributes.setdefault(name, ({}, {}))
        labels.setdefault(label)
        if isinstance(value, str):
            values.setdefault(value)

    def render(self) -> str:
        lines = ["# Written by annotator from its label schema.", "[entities]", *self.entities]
        lines += ["", "[relations]"]
        for name, (heads, children) in self.relations.items():
            lines.append(f"{name}\tArg1:{'|'.join(heads)}, Arg2:{'|'.join(children)}")
        lines += ["", "[events]", "", "[attributes]"]
        for name, (labels, values) in self.attributes.items():
            spec = f"Arg:{'|'.join(labels)}"
            if values:
                spec += f", Value:{'|'.join(values)}"
            lines.append(f"{name}\t{spec}")
        return "\n".join(lines) + "\n"


def _annotation_file(
    item: AnnotatedArticle, schema: LabelSchema, conf: _Conf, report: ExportReport
) -> bytes:
    """The ``.ann`` content for one article and annotator."""
    check_spans(item)
    annotations = item.annotations
    ann = _AnnWriter(item, conf, report)
    for span in annotations.spans:
        ann.add_span(span)
    for relation in (
        *annotations.relations,
        *derived_claimants(annotations.spans, annotations.relations, schema),
    ):
        ann.add_relation(relation)
    return ann.content()


class _AnnWriter:
    """Collects the lines of one ``.ann`` file and reports what brat cannot carry."""

    def __init__(self, item: AnnotatedArticle, conf: _Conf, report: ExportReport) -> None:
        self.item = item
        self.conf = conf
        self.report = report
        self.lines: list[str] = []
        self.notes: list[tuple[str, str]] = []  # (annotation id, note)
        self.written: dict[str, tuple[str, Span]] = {}  # span id -> (T id, span)
        self.spans = {span.id: span for span in item.annotations.spans}
        self.attribute_count = 0
        self.relation_count = 0

    def add_span(self, span: Span) -> None:
        item, text = self.item, self.item.article.text
        what = f"span {span.label} [{span.start}, {span.end})"
        if not _TOKEN.fullmatch(span.label):
            self.report.omit(item, what, "brat labels cannot contain spaces, '|' or ','")
            return
        fragments = _fragments(text, span.start, span.end)
        if not fragments:
            self.report.omit(item, what, "a brat text-bound annotation cannot be only line breaks")
            return
        if (fragments[0][0], fragments[-1][1]) != (span.start, span.end):
            self.report.omit(
                item,
                f"line break at the edge of {what}",
                "a brat text-bound annotation cannot start or end with a line break; "
                "the span was written without it",
            )
        t_id = f"T{len(self.written) + 1}"
        self.written[span.id] = (t_id, span)
        offsets = ";".join(f"{start} {end}" for start, end in fragments)
        shown = _FRAGMENT_SEPARATOR.join(text[start:end] for start, end in fragments)
        self.lines.append(f"{t_id}\t{span.label} {offsets}\t{shown}")
        self.conf.entity(span.label)
        for name, value in span.attrs.items():
            if name == NOTE and isinstance(value, str):
                self._add_note(t_id, value, what)
            else:
                self._add_attribute(t_id, span, name, value, what)
        if span.origin != Origin.MANUAL:
            self.notes.append((t_id, f"{_ORIGIN_NOTE}{span.origin.value}"))

    def _add_note(self, t_id: str, note: str, what: str) -> None:
        if _LINE_BREAKS.search(note):
            reason = "a brat note is one line"
        elif note.startswith(_ORIGIN_NOTE):
            reason = f"a brat note starting with {_ORIGIN_NOTE!r} is read as an origin"
        else:
            self.notes.append((t_id, note))
            return
        self.report.omit(self.item, f"note {note!r} of {what}", reason)

    def _add_attribute(self, t_id: str, span: Span, name: str, value: Any, what: str) -> None:
        if not _TOKEN.fullmatch(name) or not (
            value is True or (isinstance(value, str) and _TOKEN.fullmatch(value))
        ):
            self.report.omit(
                self.item,
                f"attribute {name}={value!r} of {what}",
                "a brat attribute is a one-word name with an optional one-word value",
            )
            return
        self.attribute_count += 1
        shown = "" if value is True else f" {value}"
        self.lines.append(f"A{self.attribute_count}\t{name} {t_id}{shown}")
        self.conf.attribute(name, span.label, value)

    def add_relation(self, relation: Relation) -> None:
        head, child = self.written.get(relation.head), self.written.get(relation.child)
        if head is None or child is None:
            reason = "a span it links was not written"
        elif not _TOKEN.fullmatch(relation.label):
            reason = "brat labels cannot contain spaces, '|' or ','"
        else:
            self.relation_count += 1
            r_id = f"R{self.relation_count}"
            self.lines.append(f"{r_id}\t{relation.label} Arg1:{head[0]} Arg2:{child[0]}")
            self.conf.relation(relation.label, head[1].label, child[1].label)
            if relation.origin != Origin.MANUAL:
                self.notes.append((r_id, f"{_ORIGIN_NOTE}{relation.origin.value}"))
            return
        self.report.omit(self.item, self._describe(relation), reason)

    def _describe(self, relation: Relation) -> str:
        def end(span_id: str) -> str:
            span = self.spans.get(span_id)
            return f"{span.label} [{span.start}, {span.end})" if span else f"span {span_id}"

        return f"relation {relation.label} ({end(relation.head)} -> {end(relation.child)})"

    def content(self) -> bytes:
        notes = [
            f"#{number}\tAnnotatorNotes {target}\t{note}"
            for number, (target, note) in enumerate(self.notes, 1)
        ]
        return "".join(line + "\n" for line in [*self.lines, *notes]).encode("utf-8")


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` split around the line breaks inside it, which a T line cannot hold."""
    fragments = []
    position = start
    for found in _LINE_BREAKS.finditer(text, start, end):
        if found.start() > position:
            fragments.append((position, found.start()))
        position = found.end()
    if position < end:
        fragments.append((position, end))
    return fragments


def _safe_name(value: str) -> str:
    return _UNSAFE_IN_NAME.sub("_", value)[:_NAME_LIMIT].strip(".") or "_"


def _unique_stem(item: AnnotatedArticle, used: set[str]) -> str:
    """A file name (without suffix) for the pair, unique even on case-insensitive systems."""
    base = f"{_safe_name(item.article.external_id)}__{_safe_name(item.annotations.annotator)}"
    stem, number = base, 1
    while stem.lower() in used:
        number += 1
        stem = f"{base}-{number}"
    used.add(stem.lower())
    return stem


def _manifest_entry(stem: str, item: AnnotatedArticle) -> dict[str, Any]:
    article, annotations = item.article, item.annotations
    entry = _ManifestEntry(
        file=stem,
        article_id=article.external_id,
        title=article.title,
        annotator=annotations.annotator,
        status=annotations.status,
        source=article.source,
        url=article.url,
        published=article.published,
        language=article.language,
        meta=article.meta,
    )
    return entry.model_dump(mode="json")


@contextlib.contextmanager
def _zip_output(target: Path) -> Iterator[Add]:
    with (
        atomic_output(target) as out,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)

        yield add


@contextlib.contextmanager
def _folder_output(target: Path) -> Iterator[Add]:
    """Files go to a new folder beside ``target``, renamed to it once all are written.

    An existing ``target`` is replaced only if it is empty or an earlier brat export (it holds
    a ``manifest.jsonl``), so that a mistyped path cannot wipe out unrelated files. A symbolic
    link is followed: the folder it points to is replaced and the link stays.
    """
    folder = Path(os.path.realpath(target))
    if (folder.exists() or folder.is_symlink()) and not _replaceable(folder):
        raise FileExistsError(
            f"{target} exists and is not an earlier brat export; choose a new or empty folder"
        )
    temporary = _new_folder_beside(folder)
    try:

        def add(name: str, data: bytes) -> None:
            with (temporary / name).open("xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())

        yield add
        _fsync_folder(temporary)
        _replace_folder(temporary, folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _replaceable(target: Path) -> bool:
    return (
        target.is_dir()
        and not target.is_symlink()
        and ((target / MANIFEST).is_file() or not any(target.iterdir()))
    )


def _new_folder_beside(target: Path) -> Path:
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        except OSError as error:  # named for the target: the temporary means nothing to the user
            raise type(error)(error.errno, error.strerror, str(target)) from None
        return candidate
    raise FileExistsError(f"no free temporary folder name next to {target}")


def _replace_folder(temporary: Path, target: Path) -> None:
    if not target.exists():
        temporary.rename(target)
    else:
        old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
        target.rename(old)
        try:
            temporary.rename(target)
        except BaseException:
            old.rename(target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    _fsync_folder(target.parent)


writer = BratWriter()


# Reading


class _TLine(NamedTuple):
    line: int
    label: str
    fragments: list[tuple[int, int]]  # in the file's unit until converted
    text: str


class _ALine(NamedTuple):
    line: int
    ident: str
    name: str
    target: str
    value: str | bool


class _RLine(NamedTuple):
    line: int
    ident: str
    label: str
    head: str
    child: str


class BratReader:
    name = "brat"

    def __init__(self) -> None:
        self.skipped: list[str] = []
        """What the last ``read`` with ``skip_invalid`` left out, and why."""

    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportedDocument]:
        """Yield one document per ``.txt`` file of the folder or zip at ``path``.

        Raises :class:`ImportFileError` for an unreadable or unsafe archive or file, and
        ``InvalidAnnotation`` for an annotation that cannot be imported, unless
        ``options.skip_invalid``, which records it in :attr:`skipped` instead.
        """
        self.skipped = []
        skipped = self.skipped if options.skip_invalid else None
        with open_archive(path, options.limits) as archive:
            entries = _read_manifests(archive, options)
            texts = {name.removesuffix(".txt") for name in archive.names if name.endswith(".txt")}
            if missing := next((stem for stem in entries if stem not in texts), None):
                raise ImportFileError(
                    path, f"{MANIFEST} lists {missing!r} but there is no {missing}.txt"
                )
            _report_lone_annotations(archive, texts, skipped)
            for stem in [*entries, *sorted(texts - entries.keys())]:
                yield _document(archive, stem, entries.get(stem), options, skipped)


def _report_lone_annotations(archive: Archive, texts: set[str], skipped: list[str] | None) -> None:
    """An ``.ann`` file without its ``.txt`` has no text for its offsets to point into."""
    for name in archive.names:
        stem = name.removesuffix(".ann")
        if stem != name and stem not in texts:
            report_invalid(
                f"{archive.path / name}: there is no {stem.rpartition('/')[2]}.txt beside it, "
                "so its annotations cannot be imported",
                skipped,
            )


def _document(
    archive: Archive,
    stem: str,
    entry: _ManifestEntry | None,
    options: ImportOptions,
    skipped: list[str] | None,
) -> ImportedDocument:
    text = _read_text(archive, f"{stem}.txt", options)
    ann_name = f"{stem}.ann"
    ann = archive.read(ann_name) if ann_name in archive.names else b""
    where = archive.path / ann_name
    spans, relations = _Annotations(where, text, options, skipped).parse(ann)
    if entry is None:
        article = ArticleIn(external_id=stem, title=title_from_text(text), text=text)
        annotator, status = options.annotator, None
    else:
        article = ArticleIn(
            external_id=entry.article_id,
            title=entry.title,
            text=text,
            source=entry.source,
            url=entry.url,
            published=entry.published,
            language=entry.language,
            meta=entry.meta,
        )
        annotator, status = entry.annotator or options.annotator, entry.status
    return ImportedDocument(
        article=article,
        annotator=annotator,
        spans=spans,
        relations=relations,
        status=status,
        where=str(where),
    )


def _read_manifests(archive: Archive, options: ImportOptions) -> dict[str, _ManifestEntry]:
    """Manifest entries by the stem (path without suffix) of the files they describe."""
    entries: dict[str, _ManifestEntry] = {}
    for name in archive.names:
        if name.rpartition("/")[2] != MANIFEST:
            continue
        folder = name.removesuffix(MANIFEST)
        where = archive.path / name
        for number, raw in _text_lines(where, archive.read(name), options):
            if not raw.strip():
                continue
            try:
                entry = _ManifestEntry.model_validate(orjson.loads(raw))
            except (orjson.JSONDecodeError, ValidationError) as error:
                raise ImportFileError(where, _explain(error), number) from None
            stem = folder + entry.file
            if stem in entries:
                raise ImportFileError(where, f"{entry.file!r} is listed twice", number)
            entries[stem] = entry
    return entries


def _explain(error: orjson.JSONDecodeError | ValidationError) -> str:
    if isinstance(error, orjson.JSONDecodeError):
        return f"malformed JSON: {error.msg}"
    return "; ".join(
        f"{'.'.join(map(str, problem['loc'])) or 'line'}: {problem['msg']}"
        for problem in error.errors()
    )


def _text_lines(where: Path, data: bytes, options: ImportOptions) -> Iterator[tuple[int, str]]:
    """Lines split at ``\\n`` only, decoded, without a trailing ``\\r``."""
    limit = options.limits.max_line_bytes
    for number, offset, raw in _lines(where, io.BytesIO(data)):
        if len(raw) > limit:
            raise ImportFileError(where, f"line too long (more than {limit} bytes)", number)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportFileError(where, _invalid_utf8(raw, error, offset), number) from None
        yield number, line.removesuffix("\r")


def _read_text(archive: Archive, name: str, options: ImportOptions) -> str:
    """The text of a ``.txt`` member exactly as stored: no BOM removal, no newline changes."""
    where = archive.path / name
    data = archive.read(name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFileError(where, _invalid_utf8(data, error, 0), line) from None
    try:
        check_text(text)
    except TextError as error:
        raise ImportFileError(where, str(error), error.line) from None
    if len(text) > options.limits.max_document_chars:
        raise ImportFileError(
            where,
            f"text too long ({len(text)} characters; "
            f"the limit is {options.limits.max_document_chars})",
        )
    return text


class _Annotations:
    """Parses one ``.ann`` file against its text."""

    def __init__(
        self, where: Path, text: str, options: ImportOptions, skipped: list[str] | None
    ) -> None:
        self.where = where
        self.text = text
        self.options = options
        self.textbounds: dict[str, _TLine] = {}
        self.attributes: list[_ALine] = []
        self.relations: list[_RLine] = []
        self.origins: dict[str, Origin] = {}
        self.skipped = skipped

    def invalid(self, line: int, reason: str) -> None:
        report_invalid(f"{self.where}:{line}: {reason}", self.skipped)

    def parse(self, data: bytes) -> tuple[list[Span], list[Relation]]:
        seen: set[str] = set()
        for number, line in _text_lines(self.where, data, self.options):
            if not line.strip():
                continue
            ident, tab, rest = line.partition("\t")
            if not tab:
                self.invalid(number, "expected an id, a tab and an annotation")
            elif ident in seen:
                self.invalid(number, f"{ident}: the id is used twice")
            else:
                seen.add(ident)
                self._line(number, ident, rest)
        self._convert_offsets()
        spans = self._spans()
        return list(spans.values()), self._relations(spans)

    def _line(self, number: int, ident: str, rest: str) -> None:
        kind = ident[:1]
        if kind == "T":
            data, tab, shown = rest.partition("\t")
            label, _, offsets = data.rstrip().partition(" ")
            if not tab:
                self.invalid(number, f"{ident}: no tab before the annotated text")
            elif not label or not _OFFSETS.fullmatch(offsets):
                self.invalid(number, f"{ident}: expected 'LABEL START END[;START END...]'")
            else:
                fragments = [
                    (int(start), int(end))
                    for start, end in (pair.split(" ") for pair in offsets.split(";"))
                ]
                self.textbounds[ident] = _TLine(number, label, fragments, shown)
        elif kind in ("A", "M"):
            parts = rest.rstrip().split(" ", 2)
            if len(parts) < 2:
                self.invalid(number, f"{ident}: expected 'NAME TARGET [VALUE]'")
            else:
                value = parts[2] if len(parts) == 3 else True
                self.attributes.append(_ALine(number, ident, parts[0], parts[1], value))
        elif kind == "R":
            parts = rest.split()
            if len(parts) != 3 or not all(":" in argument for argument in parts[1:]):
                self.invalid(number, f"{ident}: expected 'LABEL Arg1:ID Arg2:ID'")
            else:
                head, child = (argument.partition(":")[2] for argument in parts[1:])
                self.relations.append(_RLine(number, ident, parts[0], head, child))
        elif kind == "#":
            self._note(number, ident, rest)
        else:
            self.invalid(
                number,
                f"{ident}: only text-bound (T), attribute (A), relation (R) and note (#) "
                "annotations can be imported",
            )

    def _note(self, number: int, ident: str, rest: str) -> None:
        """An ``origin`` note gives its target's origin; any other becomes a ``note`` attribute,
        resolved with the A lines."""
        data, _, note = rest.partition("\t")
        kind, _, target = data.strip().partition(" ")
        if kind != "AnnotatorNotes":
            self.invalid(number, f"{ident}: only AnnotatorNotes notes can be imported")
        elif not note.startswith(_ORIGIN_NOTE):
            self.attributes.append(_ALine(number, ident, NOTE, target, note))
        else:
            try:
                self.origins[target] = Origin(note.removeprefix(_ORIGIN_NOTE).strip())
            except ValueError:
                self.invalid(number, f"{ident}: unknown origin in {note!r}")

    def _convert_offsets(self) -> None:
        """Turn every fragment into code points, from the unit given or found for this file."""
        unit = self.options.offset_unit or self._guess_unit()
        if unit == Unit.CODEPOINT:
            return
        units = UnitMap(self.text, unit)
        for ident, textbound in list(self.textbounds.items()):
            try:
                fragments = [
                    (units.to_codepoint(start), units.to_codepoint(end))
                    for start, end in textbound.fragments
                ]
            except UnitError as error:
                del self.textbounds[ident]
                self.invalid(textbound.line, f"{ident}: {error}")
            else:
                self.textbounds[ident] = textbound._replace(fragments=fragments)

    def _guess_unit(self) -> Unit:
        """Code points, as brat counts, unless only another unit makes the spans read right."""
        single = [
            (t.fragments[0][0], t.fragments[0][1], t.text)
            for t in self.textbounds.values()
            if len(t.fragments) == 1
        ]
        found = matching_units(self.text, single) if single else set()
        if not found or Unit.CODEPOINT in found:
            return Unit.CODEPOINT
        return Unit.UTF16 if Unit.UTF16 in found else Unit.GRAPHEME

    def _spans(self) -> dict[str, Span]:
        """The spans by T id, with their attributes and origins."""
        attrs: dict[str, dict[str, str | bool]] = {}
        for a in self.attributes:
            if a.target not in self.textbounds:
                self.invalid(a.line, f"{a.ident}: {a.target} is not an imported text-bound id")
            elif a.name in attrs.setdefault(a.target, {}):
                self.invalid(a.line, f"{a.ident}: {a.target} already has attribute {a.name}")
            else:
                attrs[a.target][a.name] = a.value
        spans = {}
        for ident, textbound in self.textbounds.items():
            problem = self._problem(textbound)
            if problem:
                self.invalid(textbound.line, f"{ident}: {problem}")
                continue
            start, end = textbound.fragments[0][0], textbound.fragments[-1][1]
            spans[ident] = Span(
                start=start,
                end=end,
                label=textbound.label,
                text=self.text[start:end],
                attrs=attrs.get(ident, {}),
                origin=self.origins.get(ident, Origin.MANUAL),
            )
        return spans

    def _problem(self, textbound: _TLine) -> str | None:
        """Why a T line cannot become one span, or ``None`` if it can."""
        text = self.text
        previous_end = None
        for start, end in textbound.fragments:
            if not start < end <= len(text):
                return f"[{start}, {end}) is empty or outside the text ({len(text)} code points)"
            if previous_end is not None:
                if start < previous_end:
                    return "its fragments overlap or are out of order"
                gap = text[previous_end:start]
                if gap and not gap.isspace():
                    return (
                        f"its fragments are separated by {gap!r}, not only whitespace; "
                        "annotator spans are contiguous"
                    )
            previous_end = end
        expected = _FRAGMENT_SEPARATOR.join(text[s:e] for s, e in textbound.fragments)
        shown = textbound.text
        if shown != expected and not (
            shown.startswith(expected) and shown[len(expected) :].isspace()
        ):
            offsets = ";".join(f"{s} {e}" for s, e in textbound.fragments)
            return f"reads {shown!r} but the text at {offsets} is {expected!r}"
        return None

    def _relations(self, spans: dict[str, Span]) -> list[Relation]:
        relations = []
        for r in self.relations:
            origin = self.origins.get(r.ident, Origin.MANUAL)
            if origin == Origin.DERIVED:
                continue  # recomputed from the spans and the other relations
            missing = [ident for ident in (r.head, r.child) if ident not in spans]
            if missing:
                self.invalid(
                    r.line, f"{r.ident}: {', '.join(missing)} is not an imported text-bound id"
                )
                continue
            relations.append(
                Relation(
                    head=spans[r.head].id, child=spans[r.child].id, label=r.label, origin=origin
                )
            )
        return relations


reader = BratReader()

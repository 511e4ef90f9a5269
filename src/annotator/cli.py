"""Command-line interface: ``annotator import``, ``export``, ``stats``, ``validate`` and
``suggest``.

Without a subcommand ``annotator`` starts the window (see ``annotator.__main__``). Errors are
reported as one line naming the file and line, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.formats.registry import (
    ALIGNMENTS,
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    SINGLE_TEXT_FILE,
)

if TYPE_CHECKING:
    from annotator.core.quotes import QuoteSuggestion, TextRange
    from annotator.core.schema import LabelSchema
    from annotator.core.units import Unit
    from annotator.formats.base import ImportOptions, Reader
    from annotator.formats.read_ahead import FileRead
    from annotator.storage.store import Stats, Store

STATUSES = ("todo", "in_progress", "done", "skipped")
OFFSET_UNITS = ("auto", "codepoint", "utf16", "grapheme")
INTERRUPTED = 130  # the shell's code for a process stopped by Ctrl+C


_DB_HELP = (
    "SQLAlchemy database URL (default: $ANNOTATOR_DB, else a SQLite file in the user data "
    "directory)"
)


_SCHEMA_HELP = "label schema (TOML); default: the news schema shipped with annotator"


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before or after the command. The command's copy has no default, so
    # that it does not overwrite a value given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=_DB_HELP)
    common.add_argument("--schema", metavar="FILE", default=argparse.SUPPRESS, help=_SCHEMA_HELP)
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Label news articles: entities, quotes and claims. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--db", metavar="URL", help=_DB_HELP)
    parser.add_argument("--user", help="annotator name used in the window")
    parser.add_argument("--schema", metavar="FILE", help=_SCHEMA_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    importer = commands.add_parser(
        "import",
        parents=[common],
        help="import articles, annotations from another tool or an export, or pre-annotations",
        description="Import articles. A .txt file is one article (UTF-8; title from its first "
        "line); a .jsonl file holds one article per line: "
        '{"id", "title", "text", "meta", "url", "source", "published", "language"}. '
        "Articles already present (same id or same text) are skipped. With --format, import "
        "annotated documents (articles with one annotator's spans, relations and status) in "
        "that format, each file in one transaction: a file with an invalid annotation is not "
        "imported at all unless --skip-invalid. With --suggestions, "
        "import suggested spans for articles already in the database, one JSON line per "
        'article: {"article_id", "spans": [{"start", "end", "label", "text"}]} (code points, '
        "end exclusive, text optional); spans that do not fit their article or the schema are "
        "reported and skipped.",
    )
    importer.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    importer.add_argument(
        "--format",
        choices=IMPORT_FORMATS,
        help="read PATHs as annotated documents in this format (jsonl: annotator's own export); "
        "without it, PATHs are articles (.txt, .jsonl, folders)",
    )
    importer.add_argument(
        "--annotator",
        metavar="NAME",
        help="with --format: the annotator of documents whose file names none",
    )
    importer.add_argument(
        "--offset-unit",
        choices=OFFSET_UNITS,
        default="auto",
        help="with --format: what the file's offsets count (default auto: decided per file "
        "from spans that carry their text)",
    )
    importer.add_argument(
        "--skip-invalid",
        action="store_true",
        help="with --format: import the rest of a file that has invalid annotations, and list "
        "what was left out",
    )
    importer.add_argument(
        "--suggestions",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a pre-annotation file (JSONL) to import, after any articles; may be repeated",
    )
    importer.add_argument(
        "--source",
        metavar="NAME",
        help="name the imported suggestions come from (default: import:<file name>)",
    )

    exporter = commands.add_parser(
        "export",
        parents=[common],
        help="export annotations as JSONL or in another tool's format",
        description="Write every article and annotator with at least one span. The default "
        "format, jsonl, writes one JSON line each, with offsets in Python code points, end "
        "exclusive. What a format cannot carry is listed on standard error. The output "
        "appears only once complete: a failed or interrupted export leaves no partial file.",
    )
    exporter.add_argument(
        "--format", choices=EXPORT_FORMATS, default="jsonl", help="output format (default jsonl)"
    )
    exporter.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="output file (a folder or .zip for brat), replaced once complete; a FIFO or "
        "device is written directly; - for stdout, for formats written as one text file",
    )
    exporter.add_argument("--annotator", help="only this annotator's work")
    exporter.add_argument("--status", choices=STATUSES, help="only articles with this status")
    exporter.add_argument(
        "--labels",
        metavar="L1,L2",
        help="only spans with these labels (and relations between them)",
    )
    exporter.add_argument(
        "--articles", metavar="ID1,ID2", help="only these articles (ids given at import)"
    )
    exporter.add_argument(
        "--align",
        choices=ALIGNMENTS,
        help="spacy: leave out spans not on token boundaries (strict, the default) or widen "
        "them to the tokens they touch (expand)",
    )

    statistics = commands.add_parser(
        "stats",
        parents=[common],
        help="count articles, spans per label, and work per annotator and status",
        description="Count the articles, the spans per label, and each annotator's articles "
        "per status (articles an annotator never opened count as todo), spans and relations.",
    )
    statistics.add_argument("--json", action="store_true", help="print one JSON object instead")

    validator = commands.add_parser(
        "validate",
        help="check annotation files without importing them",
        description="Read annotation files as import --format would, without a database, and "
        "list everything an import would refuse or leave out (exit status 1), or print "
        '"ok: N documents, M spans, K relations".',
    )
    validator.add_argument("paths", nargs="+", type=Path, metavar="FILE")
    validator.add_argument(
        "--format", choices=IMPORT_FORMATS, required=True, help="the files' format"
    )
    validator.add_argument(
        "--offset-unit",
        choices=OFFSET_UNITS,
        default="auto",
        help="what the files' offsets count (default auto)",
    )

    suggester = commands.add_parser(
        "suggest",
        help="print the suggested quotations of .txt or JSONL articles, as JSONL",
        description="Run the quotation finder on articles read as by import (no database) and "
        'print one JSON line per quotation: {"article_id", "content": [ranges], "cue": range '
        'or null, "speaker": range or null, "floating"}, where a range is {"start", "end", '
        '"text"} in code points, end exclusive. A floating quotation has no cue of its own.',
    )
    suggester.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    return parser


def _fail(message: str) -> int:
    _error(message)
    return 1


def _error(message: str) -> None:
    print(f"annotator: error: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand; returns the process exit code."""
    try:
        return _run(args)
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of the output stopped early (``| head``): what it wanted, it had. End quietly
    with status 1, and keep Python from reporting the output still buffered at exit."""
    with contextlib.suppress(AttributeError, OSError, ValueError):  # no file behind stdout
        descriptor = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)
    return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "suggest":
        return _suggest(args.paths)
    if args.command == "validate":
        return _validate(args)
    if args.command == "stats":
        return _with_store(args, lambda store: _stats(store, as_json=args.json))
    try:
        return _import(args) if args.command == "import" else _export(args)
    except KeyboardInterrupt:
        left = (
            "the file being imported was rolled back"
            if args.command == "import"
            else "nothing was written"
        )
        _error(f"interrupted: {left}")
        return INTERRUPTED


def _with_store(args: argparse.Namespace, action: Callable[[Store], int]) -> int:
    """Open the database, run ``action`` on it and close it, reporting errors in one line."""
    from annotator.formats.native_jsonl import ExportError
    from annotator.storage.database import DatabaseError, default_database_url
    from annotator.storage.store import Store, StoreError

    url = args.db or default_database_url()
    try:
        store = Store.open(url)
    except DatabaseError as error:
        return _fail(str(error))
    _warn_of_unsaved_edits(url)
    try:
        return action(store)
    except BrokenPipeError:
        raise  # not an error: see _reader_gone
    except (DatabaseError, StoreError, ExportError, OSError) as error:
        return _fail(str(error))
    finally:
        store.close()


def _warn_of_unsaved_edits(url: str) -> None:
    """A window that ended while edits waited for the database left them in a journal, which
    its next start saves: until then, the database lacks them."""
    from annotator.storage.edit_journal import EditJournal, journal_path

    journal = EditJournal(journal_path(url))
    if waiting := len(journal.read()):
        print(
            f"annotator: warning: {waiting} edits that a window could not save before it ended "
            f"wait in {journal.path}; the database lacks them until the window (annotator) "
            "is started again",
            file=sys.stderr,
        )


def _schema(args: argparse.Namespace) -> LabelSchema:
    from annotator.core.schema import load_schema
    from annotator.resources import default_schema_path

    return load_schema(Path(args.schema) if args.schema else default_schema_path())


def _import(args: argparse.Namespace) -> int:
    from annotator.formats.read_ahead import ReadRequest, read_files
    from annotator.formats.registry import FormatError

    if not (args.paths or args.suggestions):
        return _fail("nothing to import: give article files or folders, or --suggestions FILE")
    if args.annotator is not None and not args.annotator.strip():
        return _fail("--annotator is blank: give the annotator's name")
    if args.source is not None and not args.suggestions:
        return _fail("--source applies only to --suggestions")
    if args.format is None:
        for option, given in (
            ("--annotator", args.annotator is not None),
            ("--offset-unit", args.offset_unit != "auto"),
            ("--skip-invalid", args.skip_invalid),
        ):
            if given:
                return _fail(f"{option} applies only to annotated files: give --format")
    schema: LabelSchema | None = None
    if args.suggestions:
        from annotator.core.schema import SchemaError

        try:
            schema = _schema(args)
        except (SchemaError, OSError) as error:  # OSError: no shipped schema
            return _fail(str(error))

    reading: contextlib.AbstractContextManager[Iterable[FileRead] | None] = contextlib.nullcontext()
    if args.format is not None and args.paths:
        # Before the database layer is imported: the files are read while it loads.
        reading = read_files(
            ReadRequest(
                args.format,
                tuple(args.paths),
                _offset_unit(args.offset_unit),
                args.annotator,
                args.skip_invalid,
            )
        )

    def import_all(store: Store, files: Iterable[FileRead] | None) -> int:
        if files is not None:
            failures = _import_documents(store, files, args.annotator)
        else:
            failures = _import_articles(store, args.paths) if args.paths else 0
        if schema is not None:
            for path in args.suggestions:
                failures += _import_suggestions(store, path, schema, args.source)
        return 1 if failures else 0

    try:
        with reading as files:
            return _with_store(args, partial(import_all, files=files))
    except FormatError as error:  # the format's reader cannot be loaded
        return _fail(str(error))


def _import_articles(store: Store, paths: list[Path]) -> int:
    """Import article files; returns how many could not be imported."""
    from annotator.formats.articles import ImportFileError, iter_article_files, read_articles
    from annotator.storage.database import DatabaseError

    try:
        files = list(iter_article_files(paths))
    except ImportFileError as error:
        return _fail(str(error))
    failures = 0
    for path in files:
        try:
            report = store.import_articles(read_articles(path))
        except ImportFileError as error:
            failures += 1
            _error(f"{error} (nothing imported from this file)")
            continue
        except DatabaseError as error:
            failures += 1
            _error(f"{path}: {error} (nothing imported from this file)")
            continue
        print(f"{path}: {report.added} added, {report.duplicates} already present", file=sys.stderr)
    return failures


def _offset_unit(value: str) -> Unit | None:
    from annotator.core.units import Unit

    return None if value == "auto" else Unit(value)


def _import_documents(store: Store, files: Iterable[FileRead], annotator: str | None) -> int:
    """Import annotated files, each in one transaction; returns how many were refused.
    ``annotator`` names the annotator of documents that name none."""
    from annotator.formats.articles import ImportFileError
    from annotator.formats.base import InvalidAnnotation, UnknownUnit
    from annotator.progress import ProgressBar
    from annotator.storage.database import DatabaseError
    from annotator.storage.store import StoreError

    failures = 0
    for read in files:
        path = read.path
        try:
            with ProgressBar(f"import {path.name}", "documents") as bar:
                report = store.import_documents(read.documents, annotator, bar.update)
        except UnknownUnit as error:
            failures += 1
            _error(f"{error}; give --offset-unit (nothing imported from this file)")
            continue
        except InvalidAnnotation as error:
            failures += 1
            _error(f"{error} (nothing imported from this file; --skip-invalid imports the rest)")
            continue
        except (ImportFileError, StoreError) as error:
            failures += 1
            _error(f"{error} (nothing imported from this file)")
            continue
        except DatabaseError as error:  # e.g. another import added the same article meanwhile
            failures += 1
            _error(f"{path}: {error} (nothing imported from this file)")
            continue
        skipped = read.skipped
        for entry in skipped:
            print(f"skipped: {entry}", file=sys.stderr)
        more = f"; {len(skipped)} skipped" if skipped else ""
        print(f"{path}: {report}{more}", file=sys.stderr)
    return failures


def _import_suggestions(store: Store, path: Path, schema: LabelSchema, source: str | None) -> int:
    """Import one pre-annotation file; returns 1 if it could not be read, else 0.

    The whole file is read first, so that a malformed line adds nothing. Spans that do not fit
    their article or the schema are reported and skipped.
    """
    from annotator.formats.articles import ImportFileError
    from annotator.formats.suggestions import entity_suggestion, read_suggestions
    from annotator.storage.database import DatabaseError
    from annotator.storage.store import StoreError

    try:
        lines = list(read_suggestions(path))
    except ImportFileError as error:
        return _fail(f"{error} (nothing imported from this file)")
    source = source or f"import:{path.name}"
    labels = frozenset(schema.names)
    added = present = skipped = 0
    for line in lines:
        where = f"{path}:{line.line}"
        try:
            article_id = store.find_article(line.article_id)
            if article_id is None:
                if line.spans:
                    skipped += len(line.spans)
                    reason = f"no article with id {line.article_id!r} in the database"
                    _skipped(where, f"{len(line.spans)} span(s)", reason)
                continue
            text = store.get_article(article_id).text
            suggestions = []
            for index, span in enumerate(line.spans):
                try:
                    suggestions.append(entity_suggestion(span, text, labels, source))
                except ValueError as error:
                    skipped += 1
                    _skipped(where, f"spans[{index}]", str(error))
            count = store.add_suggestions(article_id, suggestions)
        except (DatabaseError, StoreError) as error:
            raise DatabaseError(
                f"{where}: {error} (suggestions from earlier lines were added)"
            ) from error
        added += count
        present += len(suggestions) - count
    print(
        f"{path}: {added} suggestions added, {present} already present, {skipped} skipped",
        file=sys.stderr,
    )
    return 0


def _skipped(where: str, what: str, reason: str) -> None:
    print(f"{where}: {what} skipped: {reason}", file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    from annotator.core.models import Status
    from annotator.core.schema import SchemaError
    from annotator.formats.atomic import STANDARD_OUTPUT
    from annotator.formats.base import ExportReport
    from annotator.formats.registry import FormatError, writer_for, written_paths
    from annotator.progress import ProgressBar

    status = Status(args.status) if args.status else None
    if args.align is not None and args.format != "spacy":
        return _fail("--align applies only to --format spacy")
    if not args.out:
        return _fail("--out is empty: give the path to write, or - for standard output")
    for option, value, what in (
        ("--labels", args.labels, "labels"),
        ("--articles", args.articles, "article ids"),
    ):
        if value is not None and not _names(value):
            return _fail(f"{option} is empty: give one or more {what}, separated by commas")
    if args.out == "-" and args.format not in SINGLE_TEXT_FILE:
        return _fail(f"the {args.format} format cannot be written to standard output: give a file")
    try:
        writer = writer_for(args.format, args.align)
        schema = _schema(args)
    except (FormatError, SchemaError, OSError) as error:  # OSError: no shipped schema
        return _fail(str(error))
    filters: dict[str, Any] = {
        "annotator": args.annotator,
        "status": status,
        "labels": _names(args.labels),
        "article_ids": _names(args.articles),
    }

    def export(store: Store) -> int:
        store.check_filters(args.annotator, filters["labels"], filters["article_ids"])
        target = STANDARD_OUTPUT if args.out == "-" else Path(args.out)
        if target is not STANDARD_OUTPUT:
            store.check_output(*written_paths(args.format, target))
        report = ExportReport()
        try:
            total = partial(store.export_count, **filters)
            with ProgressBar(f"export {args.format}", "records", total) as bar:
                writer.write(bar.counted(store.iter_export(**filters)), target, schema, report)
        except BrokenPipeError:
            raise  # not an error: see _reader_gone
        except OSError as error:
            return _fail(f"cannot write {args.out}: {error.strerror or error}")
        first, *rest = report.summary().splitlines()
        print(f"{first} to {args.out}", *rest, sep="\n", file=sys.stderr)
        return 0

    return _with_store(args, export)


def _names(value: str | None) -> list[str] | None:
    """The names of a comma-separated option, or ``None`` when it was not given."""
    if value is None:
        return None
    return [name for name in (part.strip() for part in value.split(",")) if name]


def _stats(store: Store, as_json: bool) -> int:
    stats = store.stats()
    if as_json:
        import dataclasses

        import orjson

        data = orjson.dumps(dataclasses.asdict(stats), option=orjson.OPT_INDENT_2)
        print(data.decode())
    else:
        print(_stats_table(stats))
    return 0


def _stats_table(stats: Stats) -> str:
    lines = [
        _table(
            ["", "count"],
            [["articles", stats.articles], ["spans", stats.spans], ["relations", stats.relations]],
        )
    ]
    if stats.labels:
        lines.append(_table(["label", "spans"], [[k, v] for k, v in stats.labels.items()]))
    if stats.annotators:
        lines.append(
            _table(
                ["annotator", *STATUSES, "spans", "relations"],
                [
                    [name, *work.statuses.values(), work.spans, work.relations]
                    for name, work in stats.annotators.items()
                ],
            )
        )
    return "\n\n".join(lines)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    """Plain-text columns: the first left-aligned, the others (counts) right-aligned."""
    cells = [headers, *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(
            [
                row[0].ljust(widths[0]),
                *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
            ]
        ).rstrip()
        for row in cells
    )


def _validate(args: argparse.Namespace) -> int:
    """Read annotated files fully, without a database, and report what import would refuse."""
    from annotator.formats.articles import ImportFileError
    from annotator.formats.base import ImportOptions, InvalidAnnotation, UnknownUnit
    from annotator.formats.registry import FormatError, reader_for

    try:
        reader = reader_for(args.format)
    except FormatError as error:
        return _fail(str(error))
    options = ImportOptions(offset_unit=_offset_unit(args.offset_unit), skip_invalid=True)
    failures = 0
    for path in args.paths:
        try:
            counts, problems = _check_file(reader, path, options)
        except UnknownUnit as error:
            failures += 1
            _error(f"{error}; give --offset-unit")
            continue
        except (ImportFileError, InvalidAnnotation) as error:
            failures += 1
            _error(str(error))
            continue
        if problems:
            failures += 1
            for problem in problems:
                print(problem, file=sys.stderr)
            _error(f"{path}: {len(problems)} problem(s): the lines above would not be imported")
            continue
        documents, spans, relations, unnamed = counts
        print(f"{path}: ok: {documents} documents, {spans} spans, {relations} relations")
        if unnamed:
            print(
                f"{path}: {unnamed} documents name no annotator: import them with --annotator NAME",
                file=sys.stderr,
            )
    return 1 if failures else 0


def _check_file(
    reader: Reader, path: Path, options: ImportOptions
) -> tuple[tuple[int, int, int, int], list[str]]:
    """Counts (documents, spans, relations, documents without annotator) and the problems
    of one file: what the reader left out, and articles whose text changes within the file."""
    from annotator.core.text import text_sha256
    from annotator.progress import ProgressBar

    documents = spans = relations = unnamed = 0
    problems: list[str] = []
    texts: dict[str, tuple[str, str]] = {}  # external id -> (text digest, where first seen)
    with ProgressBar(f"validate {path.name}", "documents") as bar:
        for document in bar.counted(reader.read(path, options)):
            documents += 1
            spans += len(document.spans)
            relations += len(document.relations)
            unnamed += document.annotator is None
            article = document.article
            digest = text_sha256(article.text)
            first, where = texts.setdefault(article.external_id, (digest, document.where))
            if first != digest:
                problems.append(
                    f"{document.where}: article {article.external_id!r} has a different text "
                    f"than at {where}"
                )
    skipped: list[str] = getattr(reader, "skipped", [])
    return (documents, spans, relations, unnamed), [*skipped, *problems]


def _suggest(paths: list[Path]) -> int:
    """Print the suggested quotations of article files; needs no database.

    A file that cannot be read is reported and contributes nothing; the others are processed.
    """
    import orjson

    from annotator.core.quotes import find_quotes
    from annotator.formats.articles import ImportFileError, iter_article_files, read_articles

    failures = 0
    out = sys.stdout.buffer
    for given in paths:
        try:
            files = list(iter_article_files([given]))
        except ImportFileError as error:
            failures += 1
            _error(str(error))
            continue
        for path in files:
            try:
                articles = list(read_articles(path))
            except ImportFileError as error:
                failures += 1
                _error(f"{error} (no suggestions from this file)")
                continue
            try:
                for article in articles:
                    for quote in find_quotes(article.text, article.language):
                        record = _quote_record(article.external_id, quote)
                        out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
                out.flush()
            except BrokenPipeError:
                raise  # not an error: see _reader_gone
            except OSError as error:
                return _fail(f"cannot write to standard output: {error.strerror or error}")
    return 1 if failures else 0


def _quote_record(article_id: str, quote: QuoteSuggestion) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "content": [_range(part) for part in quote.content],
        "cue": _range(quote.cue),
        "speaker": _range(quote.speaker),
        "floating": quote.floating,
    }


def _range(found: TextRange | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"start": found.start, "end": found.end, "text": found.text}

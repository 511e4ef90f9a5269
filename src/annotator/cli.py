"""Command-line interface: ``annotator import``, ``annotator export`` and ``annotator suggest``.

Without a subcommand ``annotator`` starts the window (see ``annotator.__main__``). Errors are
reported as one line naming the file and line, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from annotator.core.quotes import QuoteSuggestion, TextRange
    from annotator.core.schema import LabelSchema
    from annotator.storage.store import Store

STATUSES = ("todo", "in_progress", "done", "skipped")


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
        help="import articles from .txt files, folders of them, or JSONL; or pre-annotations",
        description="Import articles. A .txt file is one article (UTF-8; title from its first "
        "line); a .jsonl file holds one article per line: "
        '{"id", "title", "text", "meta", "url", "source", "published", "language"}. '
        "Articles already present (same id or same text) are skipped. With --suggestions, "
        "import suggested spans for articles already in the database, one JSON line per "
        'article: {"article_id", "spans": [{"start", "end", "label", "text"}]} (code points, '
        "end exclusive, text optional); spans that do not fit their article or the schema are "
        "reported and skipped.",
    )
    importer.add_argument("paths", nargs="*", type=Path, metavar="PATH")
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
        help="export annotations as JSONL",
        description="Write one JSON line per article and annotator with at least one span. "
        "Offsets are Python code points, end exclusive.",
    )
    exporter.add_argument("--out", required=True, metavar="FILE", help="output file, - for stdout")
    exporter.add_argument("--annotator", help="only this annotator's work")
    exporter.add_argument("--status", choices=STATUSES, help="only articles with this status")

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
    if args.command == "suggest":
        return _suggest(args.paths)
    if args.command == "import":
        return _import(args)
    return _export(args)


def _with_store(args: argparse.Namespace, action: Callable[[Store], int]) -> int:
    """Open the database, run ``action`` on it and close it, reporting errors in one line."""
    from annotator.formats.native_jsonl import ExportError
    from annotator.storage.database import DatabaseError, default_database_url
    from annotator.storage.store import Store, StoreError

    try:
        store = Store.open(args.db or default_database_url())
    except DatabaseError as error:
        return _fail(str(error))
    try:
        return action(store)
    except (DatabaseError, StoreError, ExportError, OSError) as error:
        return _fail(str(error))
    finally:
        store.close()


def _schema(args: argparse.Namespace) -> LabelSchema:
    from annotator.core.schema import load_schema
    from annotator.resources import default_schema_path

    return load_schema(Path(args.schema) if args.schema else default_schema_path())


def _import(args: argparse.Namespace) -> int:
    from annotator.core.schema import SchemaError

    if not (args.paths or args.suggestions):
        return _fail("nothing to import: give article files or folders, or --suggestions FILE")
    if args.source is not None and not args.suggestions:
        return _fail("--source applies only to --suggestions")
    schema: LabelSchema | None = None
    if args.suggestions:
        try:
            schema = _schema(args)
        except SchemaError as error:
            return _fail(str(error))

    def import_all(store: Store) -> int:
        failures = _import_articles(store, args.paths) if args.paths else 0
        if schema is not None:
            for path in args.suggestions:
                failures += _import_suggestions(store, path, schema, args.source)
        return 1 if failures else 0

    return _with_store(args, import_all)


def _import_articles(store: Store, paths: list[Path]) -> int:
    """Import article files; returns how many could not be imported."""
    from annotator.formats.articles import ImportFileError, iter_article_files, read_articles

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
        print(f"{path}: {report.added} added, {report.duplicates} already present", file=sys.stderr)
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
    from annotator.formats.atomic import atomic_output
    from annotator.formats.native_jsonl import write_jsonl

    status = Status(args.status) if args.status else None
    try:
        schema = _schema(args)
    except SchemaError as error:
        return _fail(str(error))

    def export(store: Store) -> int:
        try:
            with atomic_output(args.out) as out:
                count = write_jsonl(
                    store.iter_annotated(annotator=args.annotator, status=status), out, schema
                )
        except OSError as error:
            return _fail(f"cannot write {args.out}: {error.strerror or error}")
        print(f"{count} records written to {args.out}", file=sys.stderr)
        return 0

    return _with_store(args, export)


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
                # The reader stopped early (``| head``): end quietly, and keep Python from
                # reporting the unflushed output at exit.
                os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
                return 1
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

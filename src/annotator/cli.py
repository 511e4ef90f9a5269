"""Command-line interface: ``annotator import`` and ``annotator export``.

Without a subcommand ``annotator`` starts the window (see ``annotator.__main__``). Errors are
reported as one line naming the file and line, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
        help="import articles from .txt files, folders of them, or JSONL",
        description="Import articles. A .txt file is one article (UTF-8; title from its first "
        "line); a .jsonl file holds one article per line: "
        '{"id", "title", "text", "meta", "url", "source", "published", "language"}. '
        "Articles already present (same id or same text) are skipped.",
    )
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH")

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
    return parser


def _fail(message: str) -> int:
    print(f"annotator: error: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand; returns the process exit code."""
    from annotator.core.models import Status
    from annotator.core.schema import SchemaError, load_schema
    from annotator.formats.articles import ImportFileError, iter_article_files, read_articles
    from annotator.formats.atomic import atomic_output
    from annotator.formats.native_jsonl import ExportError, write_jsonl
    from annotator.resources import default_schema_path
    from annotator.storage.database import DatabaseError, default_database_url
    from annotator.storage.store import Store, StoreError

    try:
        store = Store.open(args.db or default_database_url())
    except DatabaseError as error:
        return _fail(str(error))
    try:
        if args.command == "import":
            failures = 0
            try:
                files = list(iter_article_files(args.paths))
            except ImportFileError as error:
                return _fail(str(error))
            for path in files:
                try:
                    report = store.import_articles(read_articles(path))
                except ImportFileError as error:
                    failures += 1
                    print(
                        f"annotator: error: {error} (nothing imported from this file)",
                        file=sys.stderr,
                    )
                    continue
                print(
                    f"{path}: {report.added} added, {report.duplicates} already present",
                    file=sys.stderr,
                )
            return 1 if failures else 0
        status = Status(args.status) if args.status else None
        try:
            schema = load_schema(Path(args.schema) if args.schema else default_schema_path())
        except SchemaError as error:
            return _fail(str(error))
        try:
            with atomic_output(args.out) as out:
                count = write_jsonl(
                    store.iter_annotated(annotator=args.annotator, status=status), out, schema
                )
        except OSError as error:
            return _fail(f"cannot write {args.out}: {error.strerror or error}")
        print(f"{count} records written to {args.out}", file=sys.stderr)
        return 0
    except (DatabaseError, StoreError, ExportError, OSError) as error:
        return _fail(str(error))
    finally:
        store.close()

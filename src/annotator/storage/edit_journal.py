"""Edits that wait to be written to the database, kept in a file until they are.

A window keeps an annotator's edits in memory while an import holds the database, or while
another program does. A crash meanwhile would lose them; so each edit that has to wait is also
appended to this journal (and synced); each edit written to the database leaves it. The next
start writes what a journal still holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from sqlalchemy.engine import make_url

from annotator.core.models import Relation, Span, Status

if TYPE_CHECKING:
    from annotator.storage.store import Store

# The store's edit methods an edit may name.
OPERATIONS = frozenset(
    {
        "add_span",
        "delete_span",
        "update_span",
        "add_relation",
        "delete_relation",
        "set_status",
        "set_rejected",
    }
)


class PendingEdit(NamedTuple):
    """One call of a store's edit method, on the article ``article_id``."""

    article_id: int
    operation: str
    arguments: dict[str, Any]

    def apply(self, store: Store) -> None:
        getattr(store, self.operation)(**self.arguments)


class EditJournal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, edit: PendingEdit) -> None:
        """Append ``edit`` and sync it to disk."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as out:
            out.write(_line(edit))
            out.flush()
            os.fsync(out.fileno())

    def keep_only(self, edits: list[PendingEdit]) -> None:
        """Hold just ``edits`` from now on (those not written yet), replacing the file
        atomically; none: remove it."""
        if not edits:
            self.clear()
            return
        temporary = self.path.with_name(self.path.name + ".new")
        with temporary.open("wb") as out:
            out.write(b"".join(_line(edit) for edit in edits))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def read(self) -> list[PendingEdit]:
        """The edits the journal holds, in order. A line cut short (the crash came while it
        was written) ends the list: that edit was never applied anywhere."""
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return []
        edits = []
        for line in lines:
            try:
                data = orjson.loads(line)
                operation = data["operation"]
                if operation not in OPERATIONS:
                    raise ValueError(operation)
                arguments = {name: _decoded(value) for name, value in data["arguments"].items()}
                edits.append(PendingEdit(int(data["article_id"]), operation, arguments))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                break
        return edits


def _line(edit: PendingEdit) -> bytes:
    return orjson.dumps(
        {
            "article_id": edit.article_id,
            "operation": edit.operation,
            "arguments": {name: _encoded(value) for name, value in edit.arguments.items()},
        },
        option=orjson.OPT_APPEND_NEWLINE,
    )


def journal_path(url: str) -> Path:
    """Beside a SQLite database's file; for another database, in the user data folder."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        return Path(database).expanduser().with_name(Path(database).name + ".unsaved-edits")
    from platformdirs import user_data_path

    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return user_data_path("annotator", appauthor=False) / f"unsaved-edits-{digest}"


# Values are tagged by type, so that they come back as what the store's methods take.
def _encoded(value: Any) -> Any:
    if isinstance(value, Span):
        return {"span": value.model_dump(mode="json")}
    if isinstance(value, Relation):
        return {"relation": value.model_dump(mode="json")}
    if isinstance(value, Status):
        return {"status": value.value}
    if isinstance(value, datetime):
        return {"time": value.isoformat()}
    if isinstance(value, tuple | list):
        return {"items": [_encoded(item) for item in value]}
    if isinstance(value, dict):
        return {"object": value}
    return value


def _decoded(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((kind, inner),) = value.items()
    if kind == "span":
        return Span.model_validate(inner)
    if kind == "relation":
        return Relation.model_validate(inner)
    if kind == "status":
        return Status(inner)
    if kind == "time":
        return datetime.fromisoformat(inner)
    if kind == "items":
        return tuple(_decoded(item) for item in inner)
    if kind == "object":
        return inner
    raise ValueError(f"unknown value kind {kind!r}")

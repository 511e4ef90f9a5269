"""Rows that two writers may add at once: an annotator, an annotator's set on an article.

Reading whether the row is there and then inserting it is not enough: another process (an
import, a second window) may insert the same row in between, and the insert then breaks the
unique key. So the insert itself skips a row that is there by then.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, insert, select

from annotator.storage import tables


def add_missing(connection: Connection, table: Table, **values: Any) -> None:
    """Insert a row of ``values`` unless ``table`` has one with the same unique key."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        connection.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        connection.execute(postgresql_insert(table).values(**values).on_conflict_do_nothing())
    else:  # no portable way to skip it: a clash is reported as a database error
        connection.execute(insert(table).values(**values))


def annotator_id(connection: Connection, name: str) -> int:
    """The id of the annotator ``name``, who is added if need be."""
    query = select(tables.annotators.c.id).where(tables.annotators.c.name == name)
    found = connection.scalar(query)
    if found is None:
        add_missing(connection, tables.annotators, name=name)
        found = connection.scalar(query)
    assert found is not None
    return int(found)

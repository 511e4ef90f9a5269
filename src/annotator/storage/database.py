"""Engine creation and schema migrations.

SQLite is opened for durability (WAL, synchronous=FULL, foreign keys, busy timeout); any other
SQLAlchemy URL (PostgreSQL for teams) works with the same code. The schema is created and
upgraded by Alembic; a database written by a newer annotator is refused.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration. Checked against Alembic's own view by a test; knowing it here lets an
# up-to-date database open without importing Alembic (a tenth of a second per command).
SCHEMA_HEAD = "0002"
BUSY_TIMEOUT_MS = 10_000
# The files of a SQLite database: its own, and the journal, WAL and shared memory beside it.
_SQLITE_SUFFIXES = ("", "-journal", "-wal", "-shm")


class DatabaseError(Exception):
    """The database cannot be opened or used; the message is meant for the user."""


class DatabaseBusy(DatabaseError):
    """Another connection holds the lock a write needs, past the time allowed to wait for it:
    the same write may succeed later."""


# SQLite's primary result codes for a lock held elsewhere, and PostgreSQL's SQLSTATE for a lock
# not obtained in time.
_SQLITE_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
_POSTGRESQL_LOCK_NOT_AVAILABLE = "55P03"


def is_busy(driver_error: object) -> bool:
    """Whether a driver's error says the database was locked by another connection."""
    code = getattr(driver_error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_BUSY_CODES
    state = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
    return state == _POSTGRESQL_LOCK_NOT_AVAILABLE


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()
    record.info["busy_ms"] = BUSY_TIMEOUT_MS  # read by the store, which may change it


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite the file's folder is created if needed."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {url!r}") from None
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DatabaseError(
                    f"cannot create the folder {str(folder)!r} for database {_shown(parsed)}: "
                    f"{error.strerror or error}"
                ) from None
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as error:
        raise DatabaseError(f"cannot use database {_shown(parsed)}: {error}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision this annotator knows."""
    try:
        with engine.connect() as connection:
            current = _current_revision(connection)
    except SQLAlchemyError as error:
        raise DatabaseError(
            f"cannot open database {_shown(engine.url)}: {_reason(error)}"
        ) from None
    if current == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise DatabaseError(
            f"the database was written by a newer version of annotator (schema revision "
            f"{current}; this version knows up to {head}). Upgrade annotator to open it."
        )
    try:
        command.upgrade(config, "head")
    except SQLAlchemyError as error:
        if _upgraded_meanwhile(engine):
            return
        raise DatabaseError(
            f"cannot create or upgrade the schema of database {_shown(engine.url)}: "
            f"{_reason(error)}"
        ) from None


def _upgraded_meanwhile(engine: Engine) -> bool:
    """Whether another process brought the schema to the newest revision while this one was
    trying to (two commands started at once on a new database): then its failure is moot."""
    try:
        with engine.connect() as connection:
            return _current_revision(connection) == SCHEMA_HEAD
    except SQLAlchemyError:
        return False


def sqlite_files(connection: Connection) -> list[Path]:
    """The files of the SQLite database open on ``connection`` (with those beside it, whether
    they exist yet or not), as SQLite resolved their names; none for a database in memory or
    one not on SQLite."""
    if connection.dialect.name != "sqlite":
        return []
    names = [row[2] for row in connection.exec_driver_sql("PRAGMA database_list")]
    return [Path(name + suffix) for name in names if name for suffix in _SQLITE_SUFFIXES]


def _current_revision(connection: Any) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _reason(error: SQLAlchemyError) -> str:
    """The driver's own message, on one line, without SQLAlchemy's statement dump."""
    reason = str(getattr(error, "orig", None) or error)
    return " ".join(reason.split())


def default_database_url() -> str:
    """``ANNOTATOR_DB`` if set, else a SQLite file in the user data directory."""
    if url := os.environ.get("ANNOTATOR_DB"):
        return url
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path('annotator', appauthor=False) / 'annotator.db'}"

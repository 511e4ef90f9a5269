import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from storage_helpers import add_article

from annotator.storage import database
from annotator.storage.database import (
    BUSY_TIMEOUT_MS,
    DatabaseError,
    _alembic_config,
    create_db_engine,
    default_database_url,
)
from annotator.storage.store import Store


def head_revision(store: Store) -> str:
    head = ScriptDirectory.from_config(_alembic_config(store._engine)).get_current_head()
    assert head is not None
    return head


def stored_revisions(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]


# Pragmas


def test_sqlite_is_opened_for_durability(store: Store) -> None:
    with store._engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA synchronous").scalar() == 2
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS


def test_every_pooled_connection_gets_the_pragmas(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(DatabaseError), store._writing() as connection:
        connection.execute(
            text(
                'INSERT INTO spans (id, set_id, start, "end", label, text, attrs, origin, '
                "created_at, updated_at) VALUES ('s', 999, 0, 1, 'PER', 'x', '{}', 'manual', "
                "'2020-01-01', '2020-01-01')"
            )
        )


def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "annotator.db"
    store = Store.open(f"sqlite:///{path}")
    store.close()
    assert path.is_file()


# Alembic


def test_schema_is_created_by_alembic_at_head(store: Store, tmp_path: Path) -> None:
    assert stored_revisions(tmp_path / "annotator.db") == [head_revision(store)]
    with sqlite3.connect(tmp_path / "annotator.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"articles", "annotators", "annotation_sets", "spans", "relations"} <= tables


def test_reopening_keeps_data_and_does_not_migrate_again(
    store: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_article(store, "a1", "Some text here")
    store.close()

    def no_upgrade(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("migrations ran on an up-to-date database")

    from alembic import command

    monkeypatch.setattr(command, "upgrade", no_upgrade)
    reopened = Store.open(db_url)
    try:
        assert reopened.article_count() == 1
    finally:
        reopened.close()
    assert stored_revisions(tmp_path / "annotator.db") == [head_revision(reopened)]


def test_database_from_a_newer_version_is_refused(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    add_article(store, "a1", "Some text here")
    store.close()
    with sqlite3.connect(tmp_path / "annotator.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    with pytest.raises(DatabaseError, match="written by a newer version of annotator") as info:
        Store.open(db_url)
    assert "ffff_future" in str(info.value)
    # The refused database is left as it was.
    assert stored_revisions(tmp_path / "annotator.db") == ["ffff_future"]


def test_file_that_is_not_a_database_gives_database_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a SQLite file at all, just some bytes" * 20)
    with pytest.raises(DatabaseError, match="cannot open database"):
        Store.open(f"sqlite:///{path}")


def test_clashing_existing_table_gives_database_error(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE annotators (id INTEGER)")
    with pytest.raises(DatabaseError, match="annotators already exists") as info:
        Store.open(f"sqlite:///{path}")
    assert "\n" not in str(info.value)


def test_a_schema_another_process_created_meanwhile_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two commands starting at once on a new database both find no schema and both create
    it; the one whose upgrade fails because the other was first opens the database anyway."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade = command.upgrade

    def second_to_create(config: Config, revision: str) -> None:
        other = _alembic_config(create_db_engine(url))  # the other process, first
        upgrade(other, revision)
        raise OperationalError("CREATE TABLE alembic_version", {}, Exception("already exists"))

    monkeypatch.setattr(command, "upgrade", second_to_create)
    store = Store.open(url)
    add_article(store, "a1", "Teks pertama.")
    store.close()
    assert stored_revisions(tmp_path / "new.db") == [database.SCHEMA_HEAD]


def test_a_failed_upgrade_is_still_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(config: Config, revision: str) -> None:
        raise OperationalError("CREATE TABLE articles", {}, Exception("disk I/O error"))

    monkeypatch.setattr(command, "upgrade", failing)
    with pytest.raises(DatabaseError, match=r"cannot create or upgrade the schema .*disk I/O"):
        Store.open(f"sqlite:///{tmp_path / 'new.db'}")


def test_unusable_folder_gives_database_error() -> None:
    with pytest.raises(DatabaseError, match="/proc/no-such-process-folder"):
        Store.open("sqlite:////proc/no-such-process-folder/annotator.db")


@pytest.mark.parametrize("url", ["nonsense://", "::::"])
def test_bad_url_gives_database_error(url: str) -> None:
    with pytest.raises(DatabaseError):
        Store.open(url)


def test_password_is_not_shown_in_errors() -> None:
    with pytest.raises(DatabaseError) as info:
        Store.open("nonsense://user:hunter2@localhost/db")
    assert "hunter2" not in str(info.value)


# Default URL


def test_default_url_honours_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_DB", "postgresql://team@db.example/annotations")
    assert default_database_url() == "postgresql://team@db.example/annotations"


def test_default_url_is_in_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'annotator' / 'annotator.db'}"
    store = Store.open(url)
    try:
        add_article(store, "a1", "Stored in the user data folder")
    finally:
        store.close()
    assert (tmp_path / "data" / "annotator" / "annotator.db").is_file()


def test_schema_head_constant_is_alembic_head(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'h.db'}")
    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    assert head == database.SCHEMA_HEAD

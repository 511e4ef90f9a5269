from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from annotator.core.models import Origin, Relation, Status, SuggestedSpan, Suggestion
from annotator.storage.database import _alembic_config, create_db_engine
from annotator.storage.store import Store

TEXT = "Presiden Joko Widodo bertemu Volodymyr Zelensky di Kyiv."
NEW_TABLES = {"suggestions", "rejections"}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    created = create_db_engine(db_url)
    yield created
    created.dispose()


@pytest.fixture
def at_0001(engine: Engine, db_url: str) -> str:
    """A database at revision 0001 holding one article with two spans and a relation."""
    command.upgrade(_alembic_config(engine), "0001")
    joko, kyiv = TEXT.index("Joko Widodo"), TEXT.index("Kyiv")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, external_id, title, text, text_sha256, meta, "
                "created_at) VALUES (1, 'a1', 'Title', :text, 'sha', '{\"desk\": \"world\"}', "
                "'2024-05-01 10:00:00')"
            ),
            {"text": TEXT},
        )
        connection.execute(text("INSERT INTO annotators (id, name) VALUES (1, 'ana')"))
        connection.execute(
            text(
                "INSERT INTO annotation_sets (id, article_id, annotator_id, status, updated_at) "
                "VALUES (1, 1, 1, 'done', '2024-05-01 10:00:00')"
            )
        )
        connection.execute(
            text(
                'INSERT INTO spans (id, set_id, start, "end", label, text, attrs, origin, '
                "created_at, updated_at) VALUES (:id, 1, :start, :end, :label, :text, :attrs, "
                "'manual', '2024-05-01 10:00:00', '2024-05-01 10:00:00')"
            ),
            [
                {
                    "id": "s-joko",
                    "start": joko,
                    "end": joko + 11,
                    "label": "PER",
                    "text": "Joko Widodo",
                    "attrs": '{"role": "host"}',
                },
                {
                    "id": "s-kyiv",
                    "start": kyiv,
                    "end": kyiv + 4,
                    "label": "GPE",
                    "text": "Kyiv",
                    "attrs": "{}",
                },
            ],
        )
        connection.execute(
            text(
                "INSERT INTO relations (id, set_id, head_id, child_id, label, created_at) "
                "VALUES ('r1', 1, 's-joko', 's-kyiv', 'visits', '2024-05-01 10:00:00')"
            )
        )
    return db_url


def head(engine: Engine) -> str:
    revision = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    assert revision is not None
    return revision


def revision(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT version_num FROM alembic_version")))


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def assert_data_intact(url: str) -> None:
    store = Store.open(url)
    try:
        article_id = store.find_article("a1")
        assert article_id is not None
        article = store.get_article(article_id)
        assert (article.text, article.meta) == (TEXT, {"desk": "world"})
        annotations = store.annotations(article_id, "ana")
        assert annotations.status is Status.DONE
        assert [
            (s.id, s.text, s.label, s.attrs, s.origin, TEXT[s.start : s.end])
            for s in annotations.spans
        ] == [
            ("s-joko", "Joko Widodo", "PER", {"role": "host"}, Origin.MANUAL, "Joko Widodo"),
            ("s-kyiv", "Kyiv", "GPE", {}, Origin.MANUAL, "Kyiv"),
        ]
        assert annotations.relations == (
            Relation(id="r1", head="s-joko", child="s-kyiv", label="visits", origin=Origin.MANUAL),
        )
    finally:
        store.close()


def test_fixture_is_at_0001(at_0001: str, engine: Engine) -> None:
    assert revision(engine) == ["0001"]
    assert not NEW_TABLES & tables(engine)
    columns = {column["name"] for column in inspect(engine).get_columns("relations")}
    assert "origin" not in columns


def test_opening_upgrades_to_head_and_keeps_the_data(at_0001: str, engine: Engine) -> None:
    assert_data_intact(at_0001)

    assert revision(engine) == [head(engine)]
    assert tables(engine) >= NEW_TABLES
    with engine.connect() as connection:
        assert connection.execute(text("SELECT origin FROM relations")).all() == [("manual",)]
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []


def test_upgraded_database_takes_suggestions_and_relation_origins(at_0001: str) -> None:
    store = Store.open(at_0001)
    try:
        article_id = store.find_article("a1")
        assert article_id is not None
        start = TEXT.index("Volodymyr Zelensky")
        suggestion = Suggestion.make(
            "import:pre.jsonl",
            [
                SuggestedSpan(
                    role="entity",
                    start=start,
                    end=start + 18,
                    label="PER",
                    text="Volodymyr Zelensky",
                )
            ],
        )
        assert store.add_suggestions(article_id, [suggestion]) == 1
        store.set_rejected(article_id, "ana", suggestion.id, True)
        link = Relation(head="s-kyiv", child="s-joko", label="hosts", origin=Origin.SUGGESTED)
        store.add_relation(article_id, "ana", link)

        assert store.suggestions(article_id) == [suggestion]
        assert store.rejected(article_id, "ana") == {suggestion.id}
        origins = {r.id: r.origin for r in store.annotations(article_id, "ana").relations}
        assert origins == {"r1": Origin.MANUAL, link.id: Origin.SUGGESTED}
    finally:
        store.close()


def test_downgrade_and_upgrade_again_keep_spans_and_relations(at_0001: str, engine: Engine) -> None:
    Store.open(at_0001).close()

    command.downgrade(_alembic_config(engine), "0001")

    assert revision(engine) == ["0001"]
    assert not NEW_TABLES & tables(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, set_id FROM spans ORDER BY id")).all() == [
            ("s-joko", 1),
            ("s-kyiv", 1),
        ]
        assert connection.execute(text("SELECT id, head_id, child_id FROM relations")).all() == [
            ("r1", "s-joko", "s-kyiv")
        ]
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []

    assert_data_intact(at_0001)
    assert revision(engine) == [head(engine)]


def test_migrations_build_exactly_the_tables_the_store_uses(engine: Engine) -> None:
    """The Core tables (which the ORM classes are mapped onto) and the migrations describe one
    schema: columns, types, nullability, keys, indexes and constraints."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from annotator.storage.database import migrate
    from annotator.storage.tables import metadata

    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Table, event, func, select
from storage_helpers import add_article, span_on

from annotator.core.exchange import ImportedDocument
from annotator.core.models import (
    ArticleIn,
    ImportReport,
    Origin,
    Progress,
    Relation,
    Span,
    Status,
)
from annotator.core.text import text_sha256
from annotator.storage import tables
from annotator.storage.store import DatabaseBusy, DatabaseError, Store, StoreError

TEXT = "Presiden Joko Widodo bertemu Volodymyr Zelensky di Kyiv pada hari Rabu."


def article_in(external_id: str, text: str, **extra: object) -> ArticleIn:
    return ArticleIn(external_id=external_id, title=f"Title {external_id}", text=text, **extra)


def count_rows(store: Store, table: Table) -> int:
    with store._reading() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0


# Import


def test_import_adds_articles_with_all_fields(store: Store) -> None:
    report = store.import_articles(
        [
            article_in(
                "a1",
                TEXT,
                source="Kompas",
                url="https://example.com/a1",
                published="2024-05-01",
                language="id",
                meta={"section": "world", "tags": ["ukraine"]},
            ),
            article_in("a2", "Another article."),
        ]
    )
    assert report == ImportReport(added=2, duplicates=0)
    assert store.article_count() == 2
    article_id = store.find_article("a1")
    assert article_id is not None
    article = store.get_article(article_id)
    assert article.external_id == "a1"
    assert article.title == "Title a1"
    assert article.text == TEXT
    assert article.text_sha256 == text_sha256(TEXT)
    assert (article.source, article.url, article.published, article.language) == (
        "Kompas",
        "https://example.com/a1",
        "2024-05-01",
        "id",
    )
    assert article.meta == {"section": "world", "tags": ["ukraine"]}


def test_reimporting_the_same_id_is_a_duplicate(store: Store) -> None:
    store.import_articles([article_in("a1", TEXT)])
    report = store.import_articles([article_in("a1", "A different text under the same id.")])
    assert report == ImportReport(added=0, duplicates=1)
    assert store.article_count() == 1
    article_id = store.find_article("a1")
    assert article_id is not None
    assert store.get_article(article_id).text == TEXT


def test_same_text_under_another_id_is_a_duplicate(store: Store) -> None:
    store.import_articles([article_in("a1", TEXT)])
    report = store.import_articles([article_in("copy-of-a1", TEXT)])
    assert report == ImportReport(added=0, duplicates=1)
    assert store.find_article("copy-of-a1") is None


def test_duplicates_within_one_import_are_recognised(store: Store) -> None:
    report = store.import_articles(
        [article_in("a1", TEXT), article_in("a1", "other"), article_in("a2", TEXT)]
    )
    assert report == ImportReport(added=1, duplicates=2)
    assert store.article_count() == 1


def test_import_larger_than_one_batch(store: Store) -> None:
    report = store.import_articles(article_in(f"a{i}", f"Article number {i}.") for i in range(1234))
    assert report == ImportReport(added=1234, duplicates=0)
    assert store.article_count() == 1234


def test_iterator_failing_part_way_commits_nothing(store: Store) -> None:
    def articles() -> Iterator[ArticleIn]:
        for i in range(700):  # more than one insert batch before the failure
            yield article_in(f"a{i}", f"Article number {i}.")
        raise ValueError("bad line")

    with pytest.raises(ValueError, match="bad line"):
        store.import_articles(articles())
    assert store.article_count() == 0
    assert store.import_articles([article_in("a0", "Article number 0.")]).added == 1


def test_unknown_article(store: Store) -> None:
    with pytest.raises(StoreError):
        store.get_article(12345)
    assert store.find_article("nope") is None
    with pytest.raises(StoreError):
        store.add_span(12345, "ana", Span(start=0, end=1, label="PER", text="x"))


# Spans


def test_add_span_keeps_id_and_fields(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    span = span_on(TEXT, "Joko Widodo").model_copy(
        update={"attrs": {"role": "head of state"}, "origin": Origin.SUGGESTED}
    )
    saved = store.add_span(article_id, "ana", span)
    assert saved.id == span.id
    (stored,) = store.annotations(article_id, "ana").spans
    assert stored.id == span.id
    assert (stored.start, stored.end, stored.label, stored.text) == (
        span.start,
        span.end,
        "PER",
        "Joko Widodo",
    )
    assert stored.attrs == {"role": "head of state"}
    assert stored.origin is Origin.SUGGESTED
    assert stored.created_at is not None
    assert stored.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("start", "end", "claimed"),
    [
        (0, 8, "Presidan"),  # same length, wrong text
        (9, 20, "Joko Widodx"),
        (len(TEXT) - 2, len(TEXT) + 1, "u.!"),  # runs past the end of the text
        (len(TEXT) + 5, len(TEXT) + 8, "abc"),  # entirely past the end
    ],
)
def test_span_text_must_match_article(store: Store, start: int, end: int, claimed: str) -> None:
    article_id = add_article(store, "a1", TEXT)
    with pytest.raises(StoreError, match="does not match"):
        store.add_span(article_id, "ana", Span(start=start, end=end, label="PER", text=claimed))
    assert store.annotations(article_id, "ana").spans == ()
    assert store.article_summary(article_id, "ana").status is Status.TODO


def test_overlapping_and_nested_spans_are_allowed(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    outer = span_on(TEXT, "Presiden Joko Widodo", "PER")
    inner = span_on(TEXT, "Joko", "NAME")
    overlapping = span_on(TEXT, "Widodo bertemu", "EVENT")
    same_range = span_on(TEXT, "Joko", "FIRST")
    for span in (overlapping, outer, inner, same_range):
        store.add_span(article_id, "ana", span)
    spans = store.annotations(article_id, "ana").spans
    assert {span.id for span in spans} == {outer.id, inner.id, overlapping.id, same_range.id}


def test_annotations_are_sorted_by_start_then_end(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    spans = [
        span_on(TEXT, "Kyiv"),
        span_on(TEXT, "Joko Widodo"),
        span_on(TEXT, "Joko"),
        span_on(TEXT, "Presiden Joko Widodo"),
        span_on(TEXT, "Presiden"),
        span_on(TEXT, "Zelensky"),
    ]
    for span in spans:
        store.add_span(article_id, "ana", span)
    stored = store.annotations(article_id, "ana").spans
    offsets = [(span.start, span.end) for span in stored]
    assert offsets == sorted((span.start, span.end) for span in spans)
    assert [span.text for span in stored] == [
        "Presiden",
        "Presiden Joko Widodo",
        "Joko",
        "Joko Widodo",
        "Zelensky",
        "Kyiv",
    ]


def test_first_span_moves_todo_to_in_progress(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    assert store.article_summary(article_id, "ana").status is Status.TODO
    store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    assert store.annotations(article_id, "ana").status is Status.IN_PROGRESS
    assert store.article_summary(article_id, "ana").status is Status.IN_PROGRESS


def test_adding_a_span_does_not_reopen_a_done_article(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    store.set_status(article_id, "ana", Status.DONE)
    store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    assert store.annotations(article_id, "ana").status is Status.DONE


def test_spans_over_emoji_and_crlf_use_code_point_offsets(store: Store) -> None:
    text = "Halo 😀 dunia\r\nZelensky"
    article_id = add_article(store, "a1", text)
    assert store.get_article(article_id).text == text  # stored verbatim, CRLF kept
    span = span_on(text, "Zelensky")
    assert (span.start, span.end) == (14, 22)
    emoji = span_on(text, "😀", "EMOJI")
    assert (emoji.start, emoji.end) == (5, 6)
    store.add_span(article_id, "ana", span)
    store.add_span(article_id, "ana", emoji)
    stored = store.annotations(article_id, "ana").spans
    assert [(s.start, s.end, s.text) for s in stored] == [(5, 6, "😀"), (14, 22, "Zelensky")]
    # UTF-16 or UTF-8 offsets would point elsewhere and be refused.
    with pytest.raises(StoreError):
        store.add_span(article_id, "ana", Span(start=15, end=23, label="PER", text="Zelensky"))


def test_delete_span_returns_and_removes_its_relations(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    joko = store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
    zelensky = store.add_span(article_id, "ana", span_on(TEXT, "Zelensky"))
    kyiv = store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    meets = store.add_relation(
        article_id, "ana", Relation(head=joko.id, child=zelensky.id, label="MEETS")
    )
    located = store.add_relation(
        article_id, "ana", Relation(head=kyiv.id, child=joko.id, label="HOSTS")
    )
    unrelated = store.add_relation(
        article_id, "ana", Relation(head=zelensky.id, child=kyiv.id, label="IN")
    )
    assert count_rows(store, tables.relations) == 3

    span, relations = store.delete_span(joko.id)

    assert span.id == joko.id
    assert span.text == "Joko Widodo"
    assert {relation.id for relation in relations} == {meets.id, located.id}
    annotations = store.annotations(article_id, "ana")
    assert [s.id for s in annotations.spans] == [zelensky.id, kyiv.id]
    assert annotations.relations == (unrelated,)
    assert count_rows(store, tables.relations) == 1
    assert count_rows(store, tables.spans) == 2
    with pytest.raises(StoreError):
        store.delete_span(joko.id)


def test_undo_of_delete_restores_span_and_relations_with_same_ids(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    joko = store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
    zelensky = store.add_span(article_id, "ana", span_on(TEXT, "Zelensky"))
    meets = store.add_relation(
        article_id, "ana", Relation(head=joko.id, child=zelensky.id, label="MEETS")
    )
    before = store.annotations(article_id, "ana")

    span, relations = store.delete_span(zelensky.id)
    store.add_span(article_id, "ana", span, relations)

    after = store.annotations(article_id, "ana")
    assert [s.id for s in after.spans] == [joko.id, zelensky.id]
    assert after.relations == (meets,)
    assert after.relations == before.relations
    restored = after.spans[1]
    assert restored.created_at == span.created_at
    assert count_rows(store, tables.relations) == 1


def test_update_span_relabels_and_sets_attrs(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    span = store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "PER"))
    updated = store.update_span(span.id, label="LOC")
    assert (updated.id, updated.label, updated.text) == (span.id, "LOC", "Kyiv")
    store.update_span(span.id, attrs={"country": "UA"})
    (stored,) = store.annotations(article_id, "ana").spans
    assert (stored.label, stored.attrs) == ("LOC", {"country": "UA"})
    with pytest.raises(StoreError):
        store.update_span("no-such-span", label="LOC")


def test_delete_relation(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    joko = store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
    kyiv = store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    relation = store.add_relation(
        article_id, "ana", Relation(head=joko.id, child=kyiv.id, label="IN")
    )
    assert store.delete_relation(relation.id) == relation
    assert store.annotations(article_id, "ana").relations == ()
    assert len(store.annotations(article_id, "ana").spans) == 2
    with pytest.raises(StoreError):
        store.delete_relation(relation.id)


# Status, progress and the article list


def test_set_status_and_progress(store: Store) -> None:
    ids = [add_article(store, f"a{i}", f"Article {i} text.") for i in range(4)]
    assert store.progress("ana") == Progress(done=0, total=4)
    store.set_status(ids[0], "ana", Status.DONE)
    store.set_status(ids[1], "ana", Status.SKIPPED)
    store.set_status(ids[2], "ana", Status.DONE)
    store.set_status(ids[2], "ana", Status.IN_PROGRESS)
    assert store.progress("ana") == Progress(done=1, total=4)
    assert store.progress("budi") == Progress(done=0, total=4)
    assert [s.status for s in store.list_articles("ana")] == [
        Status.DONE,
        Status.SKIPPED,
        Status.IN_PROGRESS,
        Status.TODO,
    ]


def test_list_articles_is_per_annotator(store: Store) -> None:
    first = add_article(store, "a1", TEXT)
    second = add_article(store, "a2", "Second article about Jakarta.")
    store.add_span(first, "ana", span_on(TEXT, "Joko Widodo"))
    store.add_span(first, "ana", span_on(TEXT, "Kyiv", "LOC"))
    store.set_status(first, "ana", Status.DONE)
    store.add_span(first, "budi", span_on(TEXT, "Zelensky"))
    store.set_status(second, "budi", Status.SKIPPED)

    ana = store.list_articles("ana")
    budi = store.list_articles("budi")
    nobody = store.list_articles("citra")

    assert [(s.id, s.external_id, s.title) for s in ana] == [
        (first, "a1", "a1"),
        (second, "a2", "a2"),
    ]
    assert [(s.status, s.span_count) for s in ana] == [(Status.DONE, 2), (Status.TODO, 0)]
    assert [(s.status, s.span_count) for s in budi] == [
        (Status.IN_PROGRESS, 1),
        (Status.SKIPPED, 0),
    ]
    assert [(s.status, s.span_count) for s in nobody] == [(Status.TODO, 0), (Status.TODO, 0)]
    assert store.article_summary(first, "budi").span_count == 1
    assert store.progress("ana") == Progress(done=1, total=2)
    assert store.progress("budi") == Progress(done=0, total=2)


def test_annotations_are_per_annotator(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    ana_span = store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    budi_span = store.add_span(article_id, "budi", span_on(TEXT, "Kyiv", "CITY"))
    assert [s.id for s in store.annotations(article_id, "ana").spans] == [ana_span.id]
    assert [s.id for s in store.annotations(article_id, "budi").spans] == [budi_span.id]
    empty = store.annotations(article_id, "citra")
    assert (empty.status, empty.spans, empty.relations) == (Status.TODO, (), ())


def test_spans_reads_the_spans_starting_in_a_range(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    joko, kyiv = span_on(TEXT, "Joko Widodo"), span_on(TEXT, "Kyiv", "LOC")
    zelensky, whole = span_on(TEXT, "Zelensky"), span_on(TEXT, "Joko Widodo bertemu", "EVENT")
    for span in (kyiv, zelensky, whole, joko):
        store.add_span(article_id, "ana", span)
    store.add_span(article_id, "budi", span_on(TEXT, "Zelensky", "ORG"))  # not ana's
    ids = [s.id for s in store.spans(article_id, "ana", 0, len(TEXT))]
    assert ids == [joko.id, whole.id, zelensky.id, kyiv.id]  # by start, then end
    # A span belongs to the range its start is in, however far it reaches.
    assert [s.id for s in store.spans(article_id, "ana", 0, joko.start + 1)] == [joko.id, whole.id]
    assert [s.id for s in store.spans(article_id, "ana", joko.start + 1, kyiv.start)] == [
        zelensky.id
    ]
    assert store.spans(article_id, "citra", 0, len(TEXT)) == []


def test_annotations_from_an_offset_keep_every_relation(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    joko = store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
    kyiv = store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    relation = store.add_relation(
        article_id, "ana", Relation(head=joko.id, child=kyiv.id, label="in_quote")
    )
    rest = store.annotations(article_id, "ana", starts_from=joko.start + 1)
    assert [s.id for s in rest.spans] == [kyiv.id]
    assert rest.relations == (relation,)
    assert rest.status == Status.IN_PROGRESS


def test_open_article_gives_text_and_status_in_one_read(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    opened = store.open_article(article_id, "ana")
    assert opened.article == store.get_article(article_id)
    assert opened.annotations.status == Status.TODO
    store.set_status(article_id, "ana", Status.DONE)
    assert store.open_article(article_id, "ana").annotations.status == Status.DONE
    assert store.open_article(article_id, "budi").annotations.status == Status.TODO
    with pytest.raises(StoreError):
        store.open_article(12345, "ana")


def test_open_article_reads_a_short_article_whole_and_a_long_one_from_its_head(
    store: Store,
) -> None:
    article_id = add_article(store, "a1", TEXT)
    joko = store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
    kyiv = store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    relation = store.add_relation(
        article_id, "ana", Relation(head=joko.id, child=kyiv.id, label="IN")
    )
    whole = store.open_article(article_id, "ana", whole_up_to=len(TEXT), head=1)
    assert whole.annotations == store.annotations(article_id, "ana")
    assert whole.annotations.relations == (relation,)
    assert whole.loaded_until is None

    head = store.open_article(article_id, "ana", whole_up_to=len(TEXT) - 1, head=kyiv.start)
    assert head.loaded_until == kyiv.start
    assert head.annotations.spans == (joko,)
    assert head.annotations.relations == ()
    assert head.annotations.status == Status.IN_PROGRESS
    nothing = store.open_article(article_id, "budi", head=len(TEXT))
    assert (nothing.annotations.spans, nothing.loaded_until) == ((), len(TEXT))


# Persistence


def test_fresh_store_on_same_file_sees_everything(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    article_id = add_article(store, "a1", TEXT)
    joko = store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
    kyiv = store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    relation = store.add_relation(
        article_id, "ana", Relation(head=joko.id, child=kyiv.id, label="IN")
    )
    store.update_span(kyiv.id, attrs={"country": "UA"})
    store.set_status(article_id, "ana", Status.DONE)
    before = store.annotations(article_id, "ana")
    store.close()

    reopened = Store.open(db_url)
    try:
        assert reopened.article_count() == 1
        assert reopened.get_article(article_id).text == TEXT
        after = reopened.annotations(article_id, "ana")
        assert after == before
        assert after.status is Status.DONE
        assert after.relations == (relation,)
        assert after.spans[1].attrs == {"country": "UA"}
        assert reopened.progress("ana") == Progress(done=1, total=1)
    finally:
        reopened.close()


def test_a_failed_read_on_opening_is_a_database_error(store: Store) -> None:
    """The reads an opening waits for run on the driver's cursor; its errors still come out as
    the store's own."""
    article_id = add_article(store, "a1", TEXT)
    store.add_span(article_id, "ana", span_on(TEXT, "Kyiv", "LOC"))
    with store._writing() as connection:
        connection.exec_driver_sql("ALTER TABLE spans RENAME TO spans_gone")
    with pytest.raises(DatabaseError, match="no such table: spans"):
        store.open_article(article_id, "ana", whole_up_to=len(TEXT))
    with pytest.raises(DatabaseError, match="no such table: spans"):
        store.spans(article_id, "ana", 0, len(TEXT))


def test_an_article_whose_meta_is_json_null_opens_with_empty_meta(store: Store) -> None:
    article_id = add_article(store, "a1", TEXT)
    with store._writing() as connection:
        connection.exec_driver_sql("UPDATE articles SET meta = 'null'")
    assert store.get_article(article_id).meta == {}
    assert store.open_article(article_id, "ana").article.meta == {}


# Export targets


def test_annotator_names_are_sorted(store: Store) -> None:
    assert store.annotator_names() == []
    article_id = add_article(store, "a1", TEXT)
    for name in ("budi", "Ana", "ana"):
        store.add_span(article_id, name, span_on(TEXT, "Kyiv", "GPE"))
    assert store.annotator_names() == ["Ana", "ana", "budi"]


@pytest.mark.parametrize("suffix", ["", "-journal", "-wal", "-shm"])
def test_the_database_files_are_no_output(store: Store, tmp_path: Path, suffix: str) -> None:
    with pytest.raises(StoreError, match="it is a file of the database"):
        store.check_output(tmp_path / f"annotator.db{suffix}")
    store.check_output(tmp_path / f"annotator.db{suffix}.jsonl")
    store.check_output(tmp_path / "other" / "annotator.db")


def test_a_folder_holding_the_database_is_no_output(store: Store, tmp_path: Path) -> None:
    (tmp_path / "brat").mkdir()
    (tmp_path / "brat" / "inner").symlink_to(tmp_path)
    for folder in (tmp_path, tmp_path / "brat" / "inner"):
        with pytest.raises(StoreError, match="it holds the database"):
            store.check_output(tmp_path / "brat" / "out.jsonl", folder)
    store.check_output(tmp_path / "brat", tmp_path / "brat" / "out.jsonl")


def test_a_database_in_memory_has_no_files_to_protect(tmp_path: Path) -> None:
    store = Store.open("sqlite://")
    try:
        store.check_output(tmp_path / "annotator.db")
        store.check_output(":memory:")
    finally:
        store.close()


# Another writer adding the same annotator or annotation set meanwhile


def another_writer_first(store: Store, table: str, write: Callable[[], object]) -> None:
    """Run ``write`` (on another connection) just before ``store`` next inserts into
    ``table``: between its look for the row and its insert, as when two processes tag at
    once."""

    pending = [write]

    def before(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        if pending and statement.startswith(f"INSERT INTO {table} "):
            pending.pop()()

    event.listen(store._engine, "before_cursor_execute", before)


def test_a_first_tag_while_another_writer_adds_the_same_annotator_is_saved(
    store: Store, db_url: str
) -> None:
    first, second = add_article(store, "a1", TEXT), add_article(store, "a2", "Another article.")
    other = Store.open(db_url)
    try:
        another_writer_first(
            store, "annotators", lambda: other.set_status(second, "ana", Status.IN_PROGRESS)
        )
        store.add_span(first, "ana", span_on(TEXT, "Joko Widodo"))
    finally:
        other.close()
    assert store.annotator_names() == ["ana"]
    assert [span.text for span in store.annotations(first, "ana").spans] == ["Joko Widodo"]


def test_a_first_tag_while_another_writer_adds_the_same_annotation_set_is_saved(
    store: Store, db_url: str
) -> None:
    article_id = add_article(store, "a1", TEXT)
    store.set_status(add_article(store, "a2", "Another article."), "ana", Status.DONE)
    other = Store.open(db_url)
    try:
        another_writer_first(
            store, "annotation_sets", lambda: other.set_status(article_id, "ana", Status.DONE)
        )
        store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
    finally:
        other.close()
    annotations = store.annotations(article_id, "ana")
    assert (annotations.status, [s.text for s in annotations.spans]) == (
        Status.DONE,
        ["Joko Widodo"],
    )


def test_an_import_while_another_writer_adds_the_same_annotator_is_stored(
    store: Store, db_url: str
) -> None:
    article_id, other_id = add_article(store, "a1", TEXT), add_article(store, "a2", "Another.")
    document = ImportedDocument(
        article=article_in("a1", TEXT),
        annotator="ana",
        spans=[span_on(TEXT, "Joko Widodo")],
        where="file.jsonl:1",
    )
    other = Store.open(db_url)
    try:
        another_writer_first(
            store, "annotators", lambda: other.set_status(other_id, "ana", Status.DONE)
        )
        report = store.import_documents([document], None)
    finally:
        other.close()
    assert report.spans_added == 1
    assert store.annotator_names() == ["ana"]
    assert [span.text for span in store.annotations(article_id, "ana").spans] == ["Joko Widodo"]


def test_an_edit_waits_briefly_for_a_lock_held_elsewhere_then_says_busy(
    store: Store, db_url: str
) -> None:
    article_id = add_article(store, "a1", TEXT)
    other = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    other.execute("BEGIN IMMEDIATE")  # another program writing: it holds the write lock
    try:
        store.wait_for_edits(20)
        with pytest.raises(DatabaseBusy, match="database is locked"):
            store.add_span(article_id, "ana", span_on(TEXT, "Joko Widodo"))
        store.wait_for_edits(None)
        other.execute("INSERT INTO annotators (name) VALUES ('zed')")
    finally:
        other.commit()
        other.close()
    span = span_on(TEXT, "Kyiv", "GPE")
    store.add_span(article_id, "ana", span)  # the same kind of write, now the lock is free
    assert [s.text for s in store.annotations(article_id, "ana").spans] == ["Kyiv"]
    with pytest.raises(DatabaseError) as info:
        store.add_span(article_id, "ana", span)  # a clash is no matter of waiting
    assert not isinstance(info.value, DatabaseBusy)

"""Store.import_documents: one file's annotated documents in one transaction."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Table, event, func, select
from storage_helpers import add_article, span_on

from annotator.core.exchange import ImportedDocument
from annotator.core.models import ArticleIn, Origin, Relation, Span, Status
from annotator.storage import tables
from annotator.storage.store import DocumentImportReport, Store, StoreError

TEXT = "Presiden 🇮🇩 Joko Widodo bertemu Volodymyr Zelensky di Kyiv."
OTHER = "Ilmuwan 👩‍🔬 Siti Rahman dari Lagos mengatakan hal itu."


def document(
    external_id: str = "a1",
    text: str = TEXT,
    annotator: str | None = "ana",
    spans: list[Span] | None = None,
    relations: list[Relation] | None = None,
    status: Status | None = None,
    where: str = "file.jsonl:1",
) -> ImportedDocument:
    return ImportedDocument(
        article=ArticleIn(external_id=external_id, title=f"Title {external_id}", text=text),
        annotator=annotator,
        spans=spans or [],
        relations=relations or [],
        status=status,
        where=where,
    )


def link(head: Span, child: Span, label: str) -> Relation:
    return Relation(head=head.id, child=child.id, label=label)


def count(store: Store, table: Table) -> int:
    with store._reading() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0


def quote_document(status: Status | None = None) -> tuple[ImportedDocument, Span, Span, Relation]:
    """ana's document on a1: Joko Widodo (PER) visits Kyiv (GPE, with an attribute)."""
    joko = span_on(TEXT, "Joko Widodo", "PER")
    kyiv = span_on(TEXT, "Kyiv", "GPE").model_copy(update={"attrs": {"note": "capital"}})
    link = Relation(head=joko.id, child=kyiv.id, label="visits", origin=Origin.SUGGESTED)
    return document(spans=[joko, kyiv], relations=[link], status=status), joko, kyiv, link


def test_documents_become_articles_sets_spans_and_relations(store: Store) -> None:
    doc, joko, kyiv, link = quote_document(status=Status.DONE)
    report = store.import_documents([doc], None)
    assert report == DocumentImportReport(
        documents=1, articles_added=1, spans_added=2, relations_added=1
    )
    article_id = store.find_article("a1")
    assert article_id is not None
    assert store.get_article(article_id).text == TEXT
    annotations = store.annotations(article_id, "ana")
    assert annotations.status is Status.DONE
    assert [(s.id, s.start, s.end, s.label, s.text, s.attrs) for s in annotations.spans] == [
        (joko.id, joko.start, joko.end, "PER", "Joko Widodo", {}),
        (kyiv.id, kyiv.start, kyiv.end, "GPE", "Kyiv", {"note": "capital"}),
    ]
    assert all(span.created_at is not None for span in annotations.spans)
    assert annotations.relations == (link,)
    assert str(report) == (
        "1 documents; articles: 1 added, 0 already present; spans: 2 added, 0 already present; "
        "relations: 1 added, 0 already present"
    )


def test_importing_the_same_documents_again_adds_nothing(store: Store) -> None:
    doc, *_ = quote_document()
    store.import_documents([doc], None)
    again = store.import_documents([doc], None)
    assert again == DocumentImportReport(
        documents=1, articles_present=1, spans_present=2, relations_present=1
    )
    assert (
        count(store, tables.articles),
        count(store, tables.spans),
        count(store, tables.relations),
    ) == (1, 2, 1)


def test_spans_without_their_ids_are_recognised_by_offsets_and_label(store: Store) -> None:
    """Formats that carry no ids give new ones each read: the same span is still present."""
    doc, joko, kyiv, _ = quote_document()
    store.import_documents([doc], None)
    fresh_joko = joko.model_copy(update={"id": "fresh-1"})
    fresh_kyiv = kyiv.model_copy(update={"id": "fresh-2"})
    relabelled = span_on(TEXT, "Kyiv", "LOC")
    relink = Relation(id="fresh-3", head=fresh_joko.id, child=fresh_kyiv.id, label="visits")
    report = store.import_documents(
        [document(spans=[fresh_joko, fresh_kyiv, relabelled], relations=[relink])], None
    )
    assert (report.spans_added, report.spans_present) == (1, 2)
    assert (report.relations_added, report.relations_present) == (0, 1)
    spans = store.annotations(store.find_article("a1") or 0, "ana").spans
    assert {s.id for s in spans} == {joko.id, kyiv.id, relabelled.id}


def test_two_equal_spans_in_a_file_are_both_kept(store: Store) -> None:
    first = span_on(TEXT, "Kyiv", "GPE")
    second = first.model_copy(update={"id": "second"})
    report = store.import_documents([document(spans=[first, second])], None)
    assert report.spans_added == 2
    assert store.import_documents([document(spans=[first, second])], None).spans_present == 2
    assert count(store, tables.spans) == 2


def test_equal_spans_in_documents_far_apart_in_a_file_are_both_kept(store: Store) -> None:
    """The same article and annotator again after other documents (in a later batch)."""
    first = span_on(TEXT, "Kyiv", "GPE")
    between = [document(f"b{n}", f"Artikel nomor {n}.") for n in range(300)]
    again = document(spans=[first.model_copy(update={"id": "again"})], where="f:302")
    report = store.import_documents([document(spans=[first]), *between, again], None)
    assert (report.spans_added, report.spans_present) == (2, 0)
    assert store.import_documents([document(spans=[first]), again], None).spans_present == 2


def test_a_span_id_used_by_another_set_gets_a_new_id(store: Store) -> None:
    doc, joko, kyiv, link = quote_document()
    store.import_documents([doc], None)
    copy = document(annotator="budi", spans=[joko, kyiv], relations=[link])
    report = store.import_documents([copy], None)
    assert (report.spans_added, report.relations_added) == (2, 1)
    budi = store.annotations(store.find_article("a1") or 0, "budi")
    assert {s.id for s in budi.spans}.isdisjoint({joko.id, kyiv.id})
    (relation,) = budi.relations
    by_id = {s.id: s for s in budi.spans}
    assert (by_id[relation.head].text, by_id[relation.child].text) == ("Joko Widodo", "Kyiv")
    assert relation.id != link.id
    ana = store.annotations(store.find_article("a1") or 0, "ana")
    assert {s.id for s in ana.spans} == {joko.id, kyiv.id}


def test_a_collision_late_in_a_batch_keeps_nothing_of_the_rows_before_it(store: Store) -> None:
    """A fresh set's rows go in with their own ids until one collides; then the batch is
    stored the careful way, without the rows that went in before the collision."""
    doc, joko, kyiv, link = quote_document()
    store.import_documents([doc], None)
    siti = span_on(OTHER, "Siti Rahman", "PER")
    docs = [
        document("b1", OTHER, annotator="budi", spans=[siti]),
        document(annotator="budi", spans=[joko, kyiv], relations=[link], where="f:2"),
    ]
    report = store.import_documents(docs, None)
    assert (report.spans_added, report.relations_added) == (3, 1)
    assert (count(store, tables.spans), count(store, tables.relations)) == (5, 2)
    assert [s.id for s in store.annotations(store.find_article("b1") or 0, "budi").spans] == [
        siti.id
    ]
    budi = store.annotations(store.find_article("a1") or 0, "budi")
    assert {s.id for s in budi.spans}.isdisjoint({joko.id, kyiv.id})


def test_span_ids_repeated_across_the_documents_of_a_file_are_made_unique(store: Store) -> None:
    first = span_on(TEXT, "Kyiv", "GPE").model_copy(update={"id": "T1"})
    second = span_on(OTHER, "Lagos", "GPE").model_copy(update={"id": "T1"})
    third = span_on(TEXT, "Joko Widodo", "PER").model_copy(update={"id": "T1"})
    docs = [
        document(spans=[first]),
        document("b1", OTHER, spans=[second], where="f:2"),
        document(annotator="budi", spans=[third], where="f:3"),
    ]
    assert store.import_documents(docs, None).spans_added == 3
    stored = [
        store.annotations(store.find_article(article) or 0, annotator).spans
        for article, annotator in (("a1", "ana"), ("b1", "ana"), ("a1", "budi"))
    ]
    assert [[s.text for s in spans] for spans in stored] == [["Kyiv"], ["Lagos"], ["Joko Widodo"]]
    assert len({s.id for spans in stored for s in spans}) == 3
    assert stored[0][0].id == "T1"


def test_a_span_present_by_id_is_not_converted_again(store: Store) -> None:
    """The second copy of a span in a file is already present, whatever its attributes: the
    batch must not be refused for attributes JSON cannot hold on the span it skips."""
    kyiv = span_on(TEXT, "Kyiv", "GPE")
    again = kyiv.model_copy(update={"attrs": {"n": 2**70}})
    docs = [document(spans=[kyiv]), document(spans=[again], where="f:2")]
    report = store.import_documents(docs, None)
    assert (report.spans_added, report.spans_present) == (1, 1)
    assert store.annotations(store.find_article("a1") or 0, "ana").spans[0].attrs == {}


def test_an_import_into_an_empty_database_looks_no_id_up(store: Store) -> None:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store._engine, "before_cursor_execute", seen)
    try:
        doc, _, _, _ = quote_document()
        between = [document(f"b{n}", f"Artikel nomor {n}.") for n in range(300)]
        report = store.import_documents([doc, *between], None)
    finally:
        event.remove(store._engine, "before_cursor_execute", seen)
    assert (report.spans_added, report.relations_added) == (2, 1)
    assert any(s.startswith("INSERT INTO spans") for s in statements)
    assert not [s for s in statements if "spans.id IN" in s or "relations.id IN" in s]
    # Into an empty database, no stored article is looked for either.
    assert not [s for s in statements if "articles.text_sha256 IN" in s]


def test_articles_added_earlier_in_the_file_are_matched_in_an_empty_database(
    store: Store,
) -> None:
    between = [document(f"b{n}", f"Artikel nomor {n}.") for n in range(300)]
    copy = document("copy-of-a1", annotator="budi", where="f:302")
    report = store.import_documents([document(), *between, copy], None)
    assert (report.articles_added, report.articles_present) == (301, 0)
    assert store.find_article("copy-of-a1") is None
    assert count(store, tables.annotation_sets) == 302


QUOTED = '"Hi," said Ann to Bob.'


def test_a_span_id_the_set_holds_for_another_span_gets_a_new_id(store: Store) -> None:
    """The same id on another span of the same set is another span: it is added under an id of
    its own (not counted present), and relations follow it."""
    quote = span_on(QUOTED, '"Hi,"', "QUOTE").model_copy(update={"id": "s1"})
    ann = span_on(QUOTED, "Ann", "PER").model_copy(update={"id": "s2"})
    first = document(text=QUOTED, spans=[quote, ann], relations=[link(quote, ann, "speaker")])
    store.import_documents([first], None)

    cue = span_on(QUOTED, "said", "CUE").model_copy(update={"id": "s1"})  # s1 again
    again = quote.model_copy(update={"id": "s3"})  # the stored quote, under another id
    bob = span_on(QUOTED, "Bob", "PER").model_copy(update={"id": "s4"})
    second = document(
        text=QUOTED,
        spans=[cue, again, bob],
        relations=[link(again, cue, "cue"), link(again, bob, "addressee")],
        where="f:2",
    )
    report = store.import_documents([second], None)
    assert (report.spans_added, report.spans_present, report.relations_added) == (2, 1, 2)
    stored = store.annotations(store.find_article("a1") or 0, "ana")
    by_id = {s.id: s for s in stored.spans}
    assert sorted((s.text, s.label) for s in stored.spans) == [
        ('"Hi,"', "QUOTE"),
        ("Ann", "PER"),
        ("Bob", "PER"),
        ("said", "CUE"),
    ]
    assert by_id["s1"].label == "QUOTE"
    assert sorted((by_id[r.head].text, by_id[r.child].text, r.label) for r in stored.relations) == [
        ('"Hi,"', "Ann", "speaker"),
        ('"Hi,"', "Bob", "addressee"),
        ('"Hi,"', "said", "cue"),
    ]
    assert store.import_documents([second], None).spans_added == 0


def test_a_document_repeated_in_a_file_adds_its_renamed_spans_once(store: Store) -> None:
    """Span ids that clash with another article's get new ids; the same document again, in
    the same file or a later one, finds them under those ids."""
    first = span_on(TEXT, "Kyiv", "GPE").model_copy(update={"id": "T1"})
    second = span_on(OTHER, "Lagos", "GPE").model_copy(update={"id": "T1"})
    other = document("b1", OTHER, spans=[second], relations=[], where="f:2")
    docs = [document(spans=[first]), other, other]
    report = store.import_documents(docs, None)
    assert (report.spans_added, report.spans_present) == (2, 1)
    assert store.import_documents(docs, None).spans_added == 0
    assert count(store, tables.spans) == 2


def test_the_same_set_twice_in_one_file_is_merged(store: Store) -> None:
    doc, joko, _, _ = quote_document()
    later = document(spans=[joko, span_on(TEXT, "Volodymyr Zelensky", "PER")], where="f:2")
    report = store.import_documents([doc, later], None)
    assert (report.articles_added, report.spans_added, report.spans_present) == (1, 3, 1)
    assert count(store, tables.annotation_sets) == 1


def test_articles_are_matched_by_id_or_by_text(store: Store) -> None:
    add_article(store, "a1", TEXT)
    add_article(store, "b1", OTHER)
    span = span_on(OTHER, "Siti Rahman", "PER")
    report = store.import_documents(
        [document(), document(external_id="copy-of-b1", text=OTHER, spans=[span])], None
    )
    assert (report.articles_added, report.articles_present) == (0, 2)
    assert count(store, tables.articles) == 2
    assert store.find_article("copy-of-b1") is None
    assert store.annotations(store.find_article("b1") or 0, "ana").spans[0].id == span.id


def test_same_id_with_another_text_is_refused_and_nothing_is_imported(store: Store) -> None:
    add_article(store, "a1", TEXT)
    docs = [document(external_id="b1", text=OTHER), document(text=OTHER, where="data.jsonl:2")]
    with pytest.raises(StoreError, match=r"^data\.jsonl:2: article 'a1' is already stored with a"):
        store.import_documents(docs, None)
    assert store.find_article("b1") is None
    assert count(store, tables.annotation_sets) == 0


def test_same_id_with_two_texts_in_one_file_is_refused(store: Store) -> None:
    docs = [document(), document(text=OTHER, where="data.jsonl:7")]
    with pytest.raises(StoreError, match=r"data\.jsonl:7: article 'a1'"):
        store.import_documents(docs, None)
    assert count(store, tables.articles) == 0


def test_a_failing_reader_rolls_back_the_whole_file(store: Store) -> None:
    def documents() -> Iterator[ImportedDocument]:
        for number in range(450):  # more than two batches are stored before the failure
            text = f"Artikel {number}: Joko Widodo di Kyiv."
            yield document(f"a{number}", text, spans=[span_on(text, "Kyiv", "GPE")])
        raise ValueError("data.jsonl:451: span 3: bad offsets")

    seen: list[int] = []
    with pytest.raises(ValueError, match="bad offsets"):
        store.import_documents(documents(), None, seen.append)
    assert seen == [200, 400]
    assert (
        count(store, tables.articles),
        count(store, tables.spans),
        count(store, tables.annotation_sets),
    ) == (
        0,
        0,
        0,
    )


def test_progress_counts_stored_documents(store: Store) -> None:
    seen: list[int] = []
    docs = [document(f"a{n}", f"Artikel nomor {n}.") for n in range(450)]
    assert store.import_documents(docs, None, seen.append).documents == 450
    assert seen == [200, 400, 450]


def test_default_annotator_names_documents_without_one(store: Store) -> None:
    store.import_documents([document(annotator=None, spans=[span_on(TEXT, "Kyiv", "GPE")])], "ika")
    assert len(store.annotations(store.find_article("a1") or 0, "ika").spans) == 1


def test_a_document_without_annotator_needs_a_default(store: Store) -> None:
    with pytest.raises(StoreError, match=r"file\.jsonl:1: the document names no annotator"):
        store.import_documents([document(annotator=None)], None)
    assert count(store, tables.articles) == 0


def test_statuses(store: Store) -> None:
    kyiv = span_on(TEXT, "Kyiv", "GPE")
    store.import_documents(
        [
            document("a1", spans=[kyiv]),  # work without a status: in progress
            document("b1", OTHER),  # nothing: todo
            document("c1", "Artikel ketiga.", status=Status.SKIPPED),
        ],
        None,
    )
    ids = {key: store.find_article(key) or 0 for key in ("a1", "b1", "c1")}
    statuses = {key: store.annotations(ids[key], "ana").status for key in ids}
    assert statuses == {"a1": Status.IN_PROGRESS, "b1": Status.TODO, "c1": Status.SKIPPED}
    store.set_status(ids["a1"], "ana", Status.DONE)
    store.import_documents(
        [
            document("a1", spans=[kyiv]),  # no status in the file: done stays done
            document("b1", OTHER, spans=[span_on(OTHER, "Lagos", "GPE")]),  # todo, now work
            document("c1", "Artikel ketiga.", status=Status.DONE),  # the file's status wins
        ],
        None,
    )
    statuses = {key: store.annotations(ids[key], "ana").status for key in ids}
    assert statuses == {"a1": Status.DONE, "b1": Status.IN_PROGRESS, "c1": Status.DONE}


def test_derived_relations_are_not_stored(store: Store) -> None:
    doc, joko, kyiv, _ = quote_document()
    doc.relations = [Relation(head=joko.id, child=kyiv.id, label="claimant", origin=Origin.DERIVED)]
    assert store.import_documents([doc], None).relations_added == 0
    assert count(store, tables.relations) == 0


def test_a_relation_to_a_span_the_document_lacks_is_refused(store: Store) -> None:
    doc, joko, _, _ = quote_document()
    doc.relations = [Relation(head=joko.id, child="elsewhere", label="visits")]
    with pytest.raises(StoreError, match=r"file\.jsonl:1: relation \w+ links span elsewhere"):
        store.import_documents([doc], None)
    assert count(store, tables.spans) == 0


def test_meta_or_attributes_json_cannot_hold_are_refused_naming_the_document(
    store: Store,
) -> None:
    huge = {"n": 2**70}  # beyond the 64-bit integers of JSON libraries
    article = document().article.model_copy(update={"meta": huge})
    with_meta = ImportedDocument(article=article, annotator="ana", where="data.jsonl:3")
    with pytest.raises(StoreError, match=r"^data\.jsonl:3: meta cannot be stored as JSON"):
        store.import_documents([with_meta], None)
    span = span_on(TEXT, "Kyiv", "GPE").model_copy(update={"attrs": huge})
    with pytest.raises(StoreError, match=rf"^data\.jsonl:4: span {span.id} attrs cannot be"):
        store.import_documents([document(spans=[span], where="data.jsonl:4")], None)
    assert count(store, tables.articles) == 0


def test_the_report_names_the_annotation_sets_the_import_changed(store: Store) -> None:
    kyiv, lagos = span_on(TEXT, "Kyiv", "GPE"), span_on(OTHER, "Lagos", "GPE")
    first = store.import_documents(
        [document("a1", spans=[kyiv]), document("b1", OTHER, annotator="budi")], None
    )
    ids = {key: store.find_article(key) for key in ("a1", "b1")}
    assert first.changed == {(ids["a1"], "ana"), (ids["b1"], "budi")}  # sets created
    again = store.import_documents(
        [
            document("a1", spans=[kyiv]),  # present already: unchanged
            document("a1", annotator="budi", status=Status.DONE),  # a new set
            document("b1", OTHER, annotator="budi", spans=[lagos]),  # a span more
            document("b1", OTHER, status=Status.TODO),  # a new set, with no work
        ],
        None,
    )
    assert again.changed == {(ids["a1"], "budi"), (ids["b1"], "budi"), (ids["b1"], "ana")}
    status_only = store.import_documents([document("a1", spans=[kyiv], status=Status.DONE)], None)
    assert status_only.changed == {(ids["a1"], "ana")}
    assert store.import_documents([document("a1", spans=[kyiv])], None).changed == set()

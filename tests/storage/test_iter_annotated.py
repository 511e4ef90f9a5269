import inspect
import random

import pytest
from storage_helpers import add_article, span_on

from annotator.core.models import AnnotatedArticle, Relation, Span, Status
from annotator.storage.store import Store

ANNOTATORS = ("ana", "budi")


def article_text(number: int) -> str:
    return f"Artikel {number}: Menteri Sri Mulyani berbicara di Jakarta tentang anggaran {number}."


def by_key(items: list[AnnotatedArticle]) -> dict[tuple[str, str], AnnotatedArticle]:
    keyed = {(item.article.external_id, item.annotations.annotator): item for item in items}
    assert len(keyed) == len(items), "an (article, annotator) pair was exported twice"
    return keyed


def test_is_a_generator(store: Store) -> None:
    article_id = add_article(store, "a1", article_text(1))
    store.add_span(article_id, "ana", span_on(article_text(1), "Jakarta", "LOC"))
    stream = store.iter_annotated()
    assert inspect.isgenerator(stream)
    first = next(stream)
    assert first.article.external_id == "a1"
    assert next(stream, None) is None


def test_articles_without_spans_are_left_out(store: Store) -> None:
    with_span = add_article(store, "a1", article_text(1))
    add_article(store, "a2", article_text(2))
    only_status = add_article(store, "a3", article_text(3))
    emptied = add_article(store, "a4", article_text(4))
    store.add_span(with_span, "ana", span_on(article_text(1), "Jakarta", "LOC"))
    store.set_status(only_status, "ana", Status.DONE)
    span = store.add_span(emptied, "ana", span_on(article_text(4), "Jakarta", "LOC"))
    store.delete_span(span.id)
    assert [item.article.external_id for item in store.iter_annotated()] == ["a1"]


def test_empty_database_exports_nothing(store: Store) -> None:
    assert list(store.iter_annotated()) == []


def test_interleaved_sets_are_grouped_with_the_right_article(store: Store) -> None:
    """50 articles x 2 annotators, annotated in a shuffled order so set ids interleave."""
    rng = random.Random(20240501)
    ids = {
        number: add_article(store, f"art-{number:02d}", article_text(number))
        for number in range(50)
    }
    pairs = [(number, name) for number in range(50) for name in ANNOTATORS]
    rng.shuffle(pairs)
    expected: dict[tuple[str, str], tuple[set[tuple[int, int, str]], set[str], Status]] = {}
    statuses = list(Status)
    for round_number in range(2):  # two passes, so one set's spans are added at different times
        for number, name in pairs:
            if (number + len(name)) % 7 == 0:
                continue  # a few pairs stay without spans
            text = article_text(number)
            needle = ["Sri Mulyani", "Jakarta"][round_number]
            label = f"{name.upper()}_{round_number}"
            span = store.add_span(ids[number], name, span_on(text, needle, label))
            key = (f"art-{number:02d}", name)
            offsets, relations, _ = expected.setdefault(key, (set(), set(), Status.TODO))
            offsets.add((span.start, span.end, label))
            if round_number == 1:
                head = store.annotations(ids[number], name).spans[0]
                relation = store.add_relation(
                    ids[number], name, Relation(head=head.id, child=span.id, label="SPEAKS_IN")
                )
                relations.add(relation.id)
                status = statuses[(number * 3 + len(name)) % len(statuses)]
                store.set_status(ids[number], name, status)
                expected[key] = (offsets, relations, status)

    items = list(store.iter_annotated())
    exported = by_key(items)
    assert set(exported) == set(expected)
    for key, item in exported.items():
        offsets, relations, status = expected[key]
        external_id, name = key
        assert item.article.id == ids[int(external_id.removeprefix("art-"))]
        assert item.annotations.article_id == item.article.id
        assert item.annotations.annotator == name
        assert item.annotations.status is status
        assert {(s.start, s.end, s.label) for s in item.annotations.spans} == offsets
        for span in item.annotations.spans:
            assert item.article.text[span.start : span.end] == span.text
            assert span.label.startswith(name.upper())
        assert {r.id for r in item.annotations.relations} == relations
        span_ids = {s.id for s in item.annotations.spans}
        for relation in item.annotations.relations:
            assert {relation.head, relation.child} <= span_ids
        spans = item.annotations.spans
        assert [(s.start, s.end) for s in spans] == sorted((s.start, s.end) for s in spans)
        stored = store.annotations(item.article.id, name)
        # Exports carry no span times; everything else is what the window reads.
        assert spans == tuple(untimed(s) for s in stored.spans)
        assert item.annotations.model_copy(update={"spans": ()}) == stored.model_copy(
            update={"spans": ()}
        )


@pytest.fixture
def mixed(store: Store) -> dict[str, int]:
    """Three articles; ana and budi annotate them with different statuses."""
    ids = {f"a{n}": add_article(store, f"a{n}", article_text(n)) for n in range(3)}
    for name, number, status in [
        ("budi", 2, Status.DONE),
        ("ana", 0, Status.DONE),
        ("budi", 0, Status.IN_PROGRESS),
        ("ana", 1, Status.SKIPPED),
        ("ana", 2, Status.IN_PROGRESS),
        ("budi", 1, Status.DONE),
    ]:
        article_id = ids[f"a{number}"]
        store.add_span(article_id, name, span_on(article_text(number), "Jakarta", name))
        store.set_status(article_id, name, status)
    return ids


def keys(items: list[AnnotatedArticle]) -> set[tuple[str, str]]:
    return set(by_key(items))


def test_filter_by_annotator(store: Store, mixed: dict[str, int]) -> None:
    items = list(store.iter_annotated(annotator="ana"))
    assert keys(items) == {("a0", "ana"), ("a1", "ana"), ("a2", "ana")}
    assert all(span.label == "ana" for item in items for span in item.annotations.spans)
    assert list(store.iter_annotated(annotator="nobody")) == []


def test_filter_by_status(store: Store, mixed: dict[str, int]) -> None:
    items = list(store.iter_annotated(status=Status.DONE))
    assert keys(items) == {("a0", "ana"), ("a2", "budi"), ("a1", "budi")}
    for item in items:
        assert item.annotations.status is Status.DONE
        (span,) = item.annotations.spans
        assert span.label == item.annotations.annotator


def test_filter_by_annotator_and_status(store: Store, mixed: dict[str, int]) -> None:
    items = list(store.iter_annotated(annotator="budi", status=Status.DONE))
    assert keys(items) == {("a2", "budi"), ("a1", "budi")}
    assert list(store.iter_annotated(annotator="ana", status=Status.TODO)) == []


def test_spans_carry_all_fields(store: Store) -> None:
    text = article_text(7)
    article_id = add_article(store, "a7", text)
    span = Span.of(text, 0, 7, "TAG", attrs={"confidence": 0.5})
    store.add_span(article_id, "ana", span)
    (item,) = store.iter_annotated()
    (exported,) = item.annotations.spans
    assert exported.id == span.id
    assert exported.text == "Artikel"
    assert exported.attrs == {"confidence": 0.5}
    assert item.article.text == text


def untimed(span: Span) -> Span:
    return span.model_copy(update={"created_at": None, "updated_at": None})

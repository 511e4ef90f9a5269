"""Store.iter_export filters, export_count and stats (iter_annotated's tests cover the rest)."""

import pytest
from storage_helpers import add_article, span_on

from annotator.core.models import AnnotatedArticle, Relation, Status
from annotator.storage.store import AnnotatorStats, Stats, Store

TEXTS = {
    "a1": "Presiden Joko Widodo berkata: “Kami siap.” di Jakarta.",
    "a2": "Ilmuwan 👩‍🔬 Siti Rahman dari Lagos.",
    "a3": "Artikel tanpa anotasi.",
}


@pytest.fixture
def filled(store: Store) -> Store:
    """a1: ana (done) PER, QUOTE, GPE, speaker QUOTE -> PER, in GPE (QUOTE -> GPE); budi
    (in progress) PER. a2: ana (skipped) PER, GPE. a3: nothing."""
    ids = {key: add_article(store, key, text) for key, text in TEXTS.items()}
    text = TEXTS["a1"]
    joko = store.add_span(ids["a1"], "ana", span_on(text, "Joko Widodo", "PER"))
    quote = store.add_span(ids["a1"], "ana", span_on(text, "“Kami siap.”", "QUOTE"))
    place = store.add_span(ids["a1"], "ana", span_on(text, "Jakarta", "GPE"))
    store.add_relation(ids["a1"], "ana", Relation(head=quote.id, child=joko.id, label="speaker"))
    store.add_relation(ids["a1"], "ana", Relation(head=quote.id, child=place.id, label="in"))
    store.set_status(ids["a1"], "ana", Status.DONE)
    store.add_span(ids["a1"], "budi", span_on(text, "Joko Widodo", "PER"))
    for needle, label in (("Siti Rahman", "PER"), ("Lagos", "GPE")):
        store.add_span(ids["a2"], "ana", span_on(TEXTS["a2"], needle, label))
    store.set_status(ids["a2"], "ana", Status.SKIPPED)
    return store


def summary(items: list[AnnotatedArticle]) -> list[tuple[str, str, list[str], list[str]]]:
    return [
        (
            item.article.external_id,
            item.annotations.annotator,
            [span.label for span in item.annotations.spans],
            sorted(relation.label for relation in item.annotations.relations),
        )
        for item in items
    ]


def test_everything(filled: Store) -> None:
    assert summary(list(filled.iter_export())) == [
        ("a1", "ana", ["PER", "QUOTE", "GPE"], ["in", "speaker"]),
        ("a1", "budi", ["PER"], []),
        ("a2", "ana", ["PER", "GPE"], []),
    ]
    assert filled.export_count() == 3


def test_labels_keep_their_spans_and_the_relations_between_them(filled: Store) -> None:
    items = list(filled.iter_export(labels=["QUOTE", "PER"]))
    assert summary(items) == [
        ("a1", "ana", ["PER", "QUOTE"], ["speaker"]),
        ("a1", "budi", ["PER"], []),
        ("a2", "ana", ["PER"], []),
    ]
    assert summary(list(filled.iter_export(labels=["GPE"]))) == [
        ("a1", "ana", ["GPE"], []),
        ("a2", "ana", ["GPE"], []),
    ]
    assert list(filled.iter_export(labels=["ORG"])) == []
    assert filled.export_count(labels=["GPE"]) == 2


def test_articles_by_their_ids(filled: Store) -> None:
    assert summary(list(filled.iter_export(article_ids=["a2", "a3"]))) == [
        ("a2", "ana", ["PER", "GPE"], [])
    ]
    assert filled.export_count(article_ids=["a2", "a3"]) == 1


def test_filters_combine(filled: Store) -> None:
    filters = {"annotator": "ana", "status": Status.DONE, "labels": ["PER", "GPE"]}
    assert summary(list(filled.iter_export(**filters))) == [("a1", "ana", ["PER", "GPE"], [])]
    assert filled.export_count(**filters) == 1
    assert filled.export_count(annotator="budi", article_ids=["a2"]) == 0


def test_exported_items_equal_what_the_window_reads(filled: Store) -> None:
    for item in filled.iter_export():
        window = filled.annotations(item.article.id, item.annotations.annotator)
        # Exports carry no span times; everything else is what the window reads.
        assert item.annotations.spans == tuple(
            s.model_copy(update={"created_at": None, "updated_at": None}) for s in window.spans
        )
        assert set(item.annotations.relations) == set(window.relations)  # in no set order
        assert item.annotations.status is window.status
        assert item.article == filled.get_article(item.article.id)


def test_stats(filled: Store) -> None:
    stats = filled.stats()
    assert list(stats.labels) == ["PER", "GPE", "QUOTE"]  # most frequent first
    assert stats == Stats(
        articles=3,
        spans=6,
        relations=2,
        labels={"PER": 3, "GPE": 2, "QUOTE": 1},
        annotators={
            "ana": AnnotatorStats(
                statuses={"todo": 1, "in_progress": 0, "done": 1, "skipped": 1},
                spans=5,
                relations=2,
            ),
            "budi": AnnotatorStats(
                statuses={"todo": 2, "in_progress": 1, "done": 0, "skipped": 0},
                spans=1,
                relations=0,
            ),
        },
    )


def test_stats_of_an_empty_database(store: Store) -> None:
    assert store.stats() == Stats(articles=0, spans=0, relations=0, labels={}, annotators={})

import pytest
from storage_helpers import add_article, span_on

from annotator.core.models import Origin, Relation, SuggestedRelation, SuggestedSpan, Suggestion
from annotator.storage.store import Store, StoreError

TEXT = "Jakarta — Presiden Joko Widodo mengatakan, “Kami siap membantu,” di Jakarta."


def part(role: str, needle: str, label: str, occurrence: int = 0) -> SuggestedSpan:
    span = span_on(TEXT, needle, label, occurrence)
    attrs = {"type": "direct"} if label == "QUOTE" else {}
    return SuggestedSpan(
        role=role, start=span.start, end=span.end, label=label, text=span.text, attrs=attrs
    )


QUOTE = Suggestion.make(
    "quotes",
    [
        part("content0", "“Kami siap membantu,”", "QUOTE"),
        part("cue", "mengatakan", "CUE"),
        part("speaker", "Joko Widodo", "PER"),
    ],
    [
        SuggestedRelation(head="content0", child="cue", label="cue"),
        SuggestedRelation(head="content0", child="speaker", label="speaker"),
    ],
)
ENTITY = Suggestion.make("gazetteer", [part("entity", "Jakarta", "GPE", occurrence=1)])


def by_id(suggestions: list[Suggestion]) -> dict[str, Suggestion]:
    return {suggestion.id: suggestion for suggestion in suggestions}


# Suggestions


def test_suggestions_round_trip(store: Store) -> None:
    article = add_article(store, "a1", TEXT)

    assert store.add_suggestions(article, [QUOTE, ENTITY]) == 2

    assert by_id(store.suggestions(article)) == {QUOTE.id: QUOTE, ENTITY.id: ENTITY}


def test_suggestions_survive_reopening(db_url: str) -> None:
    store = Store.open(db_url)
    article = add_article(store, "a1", TEXT)
    store.add_suggestions(article, [QUOTE])
    store.close()
    reopened = Store.open(db_url)
    try:
        assert reopened.suggestions(article) == [QUOTE]
    finally:
        reopened.close()


def test_known_suggestions_are_skipped(store: Store) -> None:
    article = add_article(store, "a1", TEXT)
    assert store.add_suggestions(article, [QUOTE, QUOTE]) == 1

    assert store.add_suggestions(article, [ENTITY, QUOTE]) == 1
    assert store.add_suggestions(article, [QUOTE, ENTITY]) == 0

    assert sorted(by_id(store.suggestions(article))) == sorted([QUOTE.id, ENTITY.id])


def test_suggestions_belong_to_their_article(store: Store) -> None:
    first = add_article(store, "a1", TEXT)
    second = add_article(store, "a2", "Another article altogether.")
    store.add_suggestions(first, [QUOTE])

    assert store.suggestions(second) == []


def test_suggestions_for_an_unknown_article_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no article with id 999"):
        store.add_suggestions(999, [QUOTE])


def test_same_suggestion_on_two_articles(store: Store) -> None:
    first = add_article(store, "a1", "Joko went home.")
    second = add_article(store, "a2", "Budi went home.")
    for article, name in ((first, "Joko"), (second, "Budi")):
        suggestion = Suggestion.make(
            "import:pre.jsonl",
            [SuggestedSpan(role="entity", start=0, end=4, label="PER", text=name)],
        )
        assert store.add_suggestions(article, [suggestion]) == 1
    assert [s.main.text for s in store.suggestions(second)] == ["Budi"]


# Rejections


def test_rejections_are_per_annotator_and_article(store: Store) -> None:
    first = add_article(store, "a1", TEXT)
    second = add_article(store, "a2", "Another article altogether.")
    store.add_suggestions(first, [QUOTE, ENTITY])

    store.set_rejected(first, "ana", QUOTE.id, True)

    assert store.rejected(first, "ana") == {QUOTE.id}
    assert store.rejected(first, "budi") == set()
    assert store.rejected(second, "ana") == set()
    store.set_rejected(first, "budi", ENTITY.id, True)
    assert store.rejected(first, "ana") == {QUOTE.id}
    assert store.rejected(first, "budi") == {ENTITY.id}


def test_rejecting_twice_and_taking_it_back(store: Store) -> None:
    article = add_article(store, "a1", TEXT)
    store.set_rejected(article, "ana", QUOTE.id, True)
    store.set_rejected(article, "ana", QUOTE.id, True)
    store.set_rejected(article, "ana", ENTITY.id, True)

    store.set_rejected(article, "ana", QUOTE.id, False)
    store.set_rejected(article, "ana", QUOTE.id, False)

    assert store.rejected(article, "ana") == {ENTITY.id}


def test_rejecting_on_an_unknown_article_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="no article with id 999"):
        store.set_rejected(999, "ana", QUOTE.id, True)


# The project gazetteer


def test_labelled_strings_pick_the_most_frequent_label(store: Store) -> None:
    text = "Jakarta dan Jakarta. Jakarta lagi. Joko di Bandung."
    article = add_article(store, "a1", text)
    other = add_article(store, "a2", "Jakarta sekali lagi.")
    store.add_span(article, "ana", span_on(text, "Jakarta", "LOC", 0))
    store.add_span(article, "ana", span_on(text, "Jakarta", "GPE", 1))
    store.add_span(article, "budi", span_on(text, "Jakarta", "GPE", 2))
    store.add_span(other, "budi", span_on("Jakarta sekali lagi.", "Jakarta", "LOC"))
    store.add_span(other, "ana", span_on("Jakarta sekali lagi.", "Jakarta", "GPE"))
    store.add_span(article, "ana", span_on(text, "Joko", "PER"))
    store.add_span(article, "ana", span_on(text, "Bandung", "LOC"))

    assert store.labelled_strings(["PER", "GPE", "LOC"]) == {
        "Jakarta": "GPE",
        "Joko": "PER",
        "Bandung": "LOC",
    }
    assert store.labelled_strings(["PER", "LOC"]) == {
        "Jakarta": "LOC",
        "Joko": "PER",
        "Bandung": "LOC",
    }
    assert store.labelled_strings(["PER"]) == {"Joko": "PER"}
    assert store.labelled_strings([]) == {}


def test_labelled_strings_respect_the_maximum_length(store: Store) -> None:
    long_name = "Kementerian Koordinator Bidang Politik, Hukum, dan Keamanan Republik Indonesia"
    text = f"{long_name} dan Kementerian Luar Negeri Republik Indonesia bersama Joko."
    article = add_article(store, "a1", text)
    for needle in (long_name, "Kementerian Luar Negeri Republik Indonesia", "Joko"):
        store.add_span(article, "ana", span_on(text, needle, "ORG"))
    medium = "Kementerian Luar Negeri Republik Indonesia"

    assert set(store.labelled_strings(["ORG"])) == {long_name, medium, "Joko"}
    assert set(store.labelled_strings(["ORG"], max_length=len(medium))) == {medium, "Joko"}
    assert set(store.labelled_strings(["ORG"], max_length=len(medium) - 1)) == {"Joko"}


# Relation origin


def test_relations_keep_their_origin(store: Store) -> None:
    article = add_article(store, "a1", TEXT)
    quote = store.add_span(article, "ana", span_on(TEXT, "“Kami siap membantu,”", "QUOTE"))
    speaker = store.add_span(article, "ana", span_on(TEXT, "Joko Widodo", "PER"))
    cue = store.add_span(article, "ana", span_on(TEXT, "mengatakan", "CUE"))
    suggested = Relation(head=quote.id, child=speaker.id, label="speaker", origin=Origin.SUGGESTED)
    manual = Relation(head=quote.id, child=cue.id, label="cue")
    store.add_relation(article, "ana", suggested)
    store.add_relation(article, "ana", manual)

    relations = {r.id: r for r in store.annotations(article, "ana").relations}

    assert relations == {suggested.id: suggested, manual.id: manual}
    assert relations[suggested.id].origin is Origin.SUGGESTED
    assert relations[manual.id].origin is Origin.MANUAL


def test_relations_restored_with_a_span_keep_their_origin(store: Store) -> None:
    article = add_article(store, "a1", TEXT)
    quote = store.add_span(article, "ana", span_on(TEXT, "“Kami siap membantu,”", "QUOTE"))
    speaker = store.add_span(article, "ana", span_on(TEXT, "Joko Widodo", "PER"))
    link = Relation(head=quote.id, child=speaker.id, label="speaker", origin=Origin.SUGGESTED)
    store.add_relation(article, "ana", link)
    removed, relations = store.delete_span(speaker.id)
    assert relations == (link,)

    store.add_span(article, "ana", removed, relations)

    assert store.annotations(article, "ana").relations == (link,)

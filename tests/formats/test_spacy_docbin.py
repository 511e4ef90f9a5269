import sys
from pathlib import Path
from typing import Any

import pytest
from format_helpers import annotated, make_article

from annotator.core.models import (
    AnnotatedArticle,
    Article,
    Origin,
    Relation,
    Span,
)
from annotator.core.schema import load_schema
from annotator.formats.base import ExportReport
from annotator.formats.native_jsonl import ExportError
from annotator.formats.spacy_docbin import SPACY_MISSING, SpacyWriter, writer
from annotator.resources import default_schema_path

spacy = pytest.importorskip("spacy")
from spacy.tokens import Doc, DocBin  # noqa: E402

SCHEMA = load_schema(default_schema_path())
EXAMPLE = (
    "Komandan pasukan darat Ukraina, Kolonel Jenderal Oleksandr Syrskyi, mengatakan "
    '"musuh terus melakukan upaya yang gagal."'
)


def article(text: str, external_id: str = "a1", language: str | None = "id") -> Article:
    return make_article(external_id, text, language=language)


def span_on(text: str, needle: str, label: str, **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def export(
    items: list[AnnotatedArticle], path: Path, out: SpacyWriter = writer
) -> tuple[list[Doc], ExportReport]:
    report = ExportReport()
    out.write(items, path, SCHEMA, report)
    return list(DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab)), report


def quote_example() -> AnnotatedArticle:
    gpe = Span.of(EXAMPLE, 23, 30, "GPE")
    per = Span.of(EXAMPLE, 49, 66, "PER", origin=Origin.SUGGESTED)
    cue = Span.of(EXAMPLE, 68, 78, "CUE")
    quote = Span.of(EXAMPLE, 79, 120, "QUOTE", attrs={"type": "direct"})
    claim = Span.of(EXAMPLE, 80, 118, "CLAIM", attrs={"checkworthy": "checkworthy"})
    relations = (
        Relation(id="r1", head=quote.id, child=per.id, label="speaker"),
        Relation(id="r2", head=quote.id, child=cue.id, label="cue"),
    )
    return annotated(article(EXAMPLE), (gpe, per, cue, quote, claim), relations)


def test_spacy_reads_every_span_with_its_offsets_text_and_id(tmp_path: Path) -> None:
    item = quote_example()
    (doc,), report = export([item], tmp_path / "out.spacy")
    assert report.records == 1
    assert report.omissions == []
    assert doc.text == EXAMPLE
    found = [(s.id_, s.start_char, s.end_char, s.label_, s.text) for s in doc.spans["sc"]]
    assert found == [(s.id, s.start, s.end, s.label, s.text) for s in item.annotations.spans]
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Ukraina", "GPE"),
        ("Oleksandr Syrskyi", "PER"),
    ]


def test_user_data_carries_ids_attributes_origins_and_relations(tmp_path: Path) -> None:
    item = quote_example()
    (doc,), _ = export([item], tmp_path / "out.spacy")
    data = doc.user_data["annotator"]
    assert (data["article_id"], data["annotator"], data["status"]) == ("a1", "ana", "done")
    spans = item.annotations.spans
    # msgpack gives sequences back as tuples
    assert [dict(s) for s in data["spans"]] == [
        {
            "id": s.id,
            "start": s.start,
            "end": s.end,
            "attrs": s.attrs,
            "origin": s.origin.value,
        }
        for s in spans
    ]
    relations = {(r["head"], r["child"], r["label"], r["origin"]) for r in data["relations"]}
    quote, per, claim = spans[3].id, spans[1].id, spans[4].id
    assert relations == {
        (quote, per, "speaker", "manual"),
        (quote, spans[2].id, "cue", "manual"),
        (claim, per, "claimant", "derived"),  # the claim inside the quote: as the native export
    }


def test_one_doc_per_article_and_annotator(tmp_path: Path) -> None:
    text = "Budi tiba di Bandung."
    items = [
        annotated(article(text), (span_on(text, "Budi", "PER"),)),
        annotated(article(text), (span_on(text, "Bandung", "GPE"),), annotator="citra"),
    ]
    docs, report = export(items, tmp_path / "out.spacy")
    assert report.records == 2
    assert [d.user_data["annotator"]["annotator"] for d in docs] == ["ana", "citra"]
    assert [[e.text for e in d.ents] for d in docs] == [["Budi"], ["Bandung"]]


def test_overlapping_entities_keep_the_longest_in_ents_and_all_in_spans(tmp_path: Path) -> None:
    text = "Rektor Universitas Indonesia Jakarta hadir."
    org = span_on(text, "Universitas Indonesia", "ORG")
    gpe = span_on(text, "Indonesia", "GPE")
    overlapping = span_on(text, "Indonesia Jakarta", "LOC")
    (doc,), report = export([annotated(article(text), (gpe, org, overlapping))], tmp_path / "o")
    assert [(e.text, e.label_) for e in doc.ents] == [("Universitas Indonesia", "ORG")]
    assert {s.text for s in doc.spans["sc"]} == {
        "Indonesia",
        "Universitas Indonesia",
        "Indonesia Jakarta",
    }
    assert sorted(o.what for o in report.omissions) == [
        "GPE [19, 28) 'Indonesia'",
        "LOC [19, 36) 'Indonesia Jakarta'",
    ]
    assert all("doc.ents" in o.reason for o in report.omissions)


def test_misaligned_span_and_its_relations_are_reported_in_strict_mode(tmp_path: Path) -> None:
    partial = Span.of(EXAMPLE, 23, 29, "GPE")  # "Ukrain": inside the token "Ukraina"
    per = Span.of(EXAMPLE, 49, 66, "PER")
    quote = Span.of(EXAMPLE, 79, 120, "QUOTE")
    relation = Relation(head=quote.id, child=partial.id, label="speaker")
    item = annotated(article(EXAMPLE), (partial, per, quote), (relation,))
    (doc,), report = export([item], tmp_path / "out.spacy")
    assert [s.text for s in doc.spans["sc"]] == ["Oleksandr Syrskyi", EXAMPLE[79:]]
    assert doc.user_data["annotator"]["relations"] == ()
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("GPE [23, 29) 'Ukrain'", "not on spaCy token boundaries"),
        (
            "relation speaker (QUOTE [79, 120) -> GPE [23, 29))",
            "one of its spans could not be carried",
        ),
    ]


def test_expand_mode_widens_to_tokens_and_says_so(tmp_path: Path) -> None:
    partial = Span.of(EXAMPLE, 23, 29, "GPE")
    space = Span.of(EXAMPLE, 31, 32, "PER")  # only the space after "Ukraina,"
    item = annotated(article(EXAMPLE), (partial, space))
    (doc,), report = export([item], tmp_path / "out.spacy", SpacyWriter("expand"))
    (widened,) = doc.spans["sc"]
    assert (widened.start_char, widened.end_char, widened.text) == (23, 30, "Ukraina")
    assert [(e.text, e.label_) for e in doc.ents] == [("Ukraina", "GPE")]
    (kept,) = doc.user_data["annotator"]["spans"]
    assert (kept["id"], kept["start"], kept["end"]) == (partial.id, 23, 29)
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("GPE [23, 29) 'Ukrain' widened to [23, 30)", "widened to spaCy token boundaries"),
        ("PER [31, 32) ' '", "not on spaCy token boundaries"),
    ]


def test_align_must_be_strict_or_expand() -> None:
    with pytest.raises(ValueError, match="align"):
        SpacyWriter("contract")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("Ilmuwan 👩‍🔬 Sri Mulyani tiba 😀.", ["👩‍🔬", "Sri Mulyani", "😀"]),
        ("Bendera 🇮🇩 dan 🇺🇦 berkibar di Kyiv.", ["🇮🇩", "🇺🇦", "Kyiv"]),
        ("Kafe\u0301 milik Rene\u0301 di Bandung.", ["Kafe\u0301", "Rene\u0301"]),
        ("Budi tiba.\r\nAni\r\n\r\npergi ke Bandung.", ["Budi", "Ani\r\n\r\npergi", "Bandung"]),
    ],
)
def test_unusual_text_survives_byte_for_byte(tmp_path: Path, text: str, needles: list[str]) -> None:
    spans = tuple(span_on(text, needle, "PER") for needle in needles)
    (doc,), report = export([annotated(article(text), spans)], tmp_path / "out.spacy")
    assert report.omissions == []
    assert doc.text == text
    assert doc.text.encode() == text.encode()
    assert [(s.start_char, s.end_char, s.text) for s in doc.spans["sc"]] == [
        (s.start, s.end, s.text) for s in spans
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "id"), ("en-GB", "en"), ("jv", "xx"), (None, "xx"), ("../etc", "xx")],
)
def test_tokenizer_follows_the_article_language(
    tmp_path: Path, language: str | None, expected: str
) -> None:
    # "dll." is one token for Indonesian, "Don't" two for English, neither for "xx".
    text = "Don't go, dll. di sini."
    item = annotated(article(text, language=language), (span_on(text, "sini", "LOC"),))
    (doc,), _ = export([item], tmp_path / "out.spacy")
    tokens = [token.text for token in doc]
    assert tokens == [token.text for token in spacy.blank(expected).make_doc(text)]
    assert ("dll." in tokens, "n't" in tokens) == (expected == "id", expected == "en")


def test_span_not_matching_the_text_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    corrupt = Span.model_construct(
        id="bad", start=0, end=4, label="PER", text="Andi", attrs={}, origin=Origin.MANUAL
    )
    target = tmp_path / "out.spacy"
    with pytest.raises(ExportError, match="should read 'Andi'"):
        writer.write([annotated(article("Budi tiba."), (corrupt,))], target, SCHEMA, ExportReport())
    assert list(tmp_path.iterdir()) == []


def test_without_spacy_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)
    monkeypatch.setitem(sys.modules, "spacy.tokens", None)
    with pytest.raises(RuntimeError) as info:
        writer.write([quote_example()], tmp_path / "out.spacy", SCHEMA, ExportReport())
    assert (
        str(info.value)
        == SPACY_MISSING
        == ("the spacy format needs spaCy: pip install 'annotator[spacy]'")
    )
    assert list(tmp_path.iterdir()) == []

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
from annotator.formats.conll import writer
from annotator.formats.native_jsonl import ExportError
from annotator.resources import default_schema_path

SCHEMA = load_schema(default_schema_path())
EXAMPLE = (
    "Komandan pasukan darat Ukraina, Kolonel Jenderal Oleksandr Syrskyi, mengatakan "
    '"musuh terus melakukan upaya yang gagal."'
)


def article(text: str, external_id: str = "a1") -> Article:
    return make_article(external_id, text, language="id")


def span_on(text: str, needle: str, label: str, **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def export(items: list[AnnotatedArticle], path: Path) -> tuple[str, ExportReport]:
    report = ExportReport()
    writer.write(items, path, SCHEMA, report)
    return path.read_bytes().decode(), report


def read_conll(data: str) -> list[list[list[tuple[str, str]]]]:
    """Documents of sentences of (token, tag), read as the usual CoNLL-2003 loaders do: lines
    split on single spaces, four columns, the last one the tag."""
    documents: list[list[list[tuple[str, str]]]] = []
    sentence: list[tuple[str, str]] = []
    for line in data.split("\n"):
        if not line:
            if sentence:
                documents[-1].append(sentence)
                sentence = []
            continue
        columns = line.split(" ")
        assert len(columns) == 4, line
        if columns[0] == "-DOCSTART-":
            assert not sentence
            documents.append([])
            continue
        assert columns[1:3] == ["-X-", "_"]
        sentence.append((columns[0], columns[3]))
    assert not sentence
    return documents


def quote_example() -> AnnotatedArticle:
    gpe = Span.of(EXAMPLE, 23, 30, "GPE")
    per = Span.of(EXAMPLE, 49, 66, "PER")
    cue = Span.of(EXAMPLE, 68, 78, "CUE")
    quote = Span.of(EXAMPLE, 79, 120, "QUOTE", attrs={"type": "direct"})
    claim = Span.of(
        EXAMPLE, 80, 118, "CLAIM", attrs={"checkworthy": "checkworthy", "verdict": "none"}
    )
    relations = (
        Relation(head=quote.id, child=per.id, label="speaker"),
        Relation(head=quote.id, child=cue.id, label="cue", origin=Origin.SUGGESTED),
    )
    return annotated(article(EXAMPLE), (gpe, per, cue, quote, claim), relations)


def test_indonesian_example_is_tagged_by_hand(tmp_path: Path) -> None:
    data, report = export([quote_example()], tmp_path / "out.conll")
    assert data == (
        "-DOCSTART- -X- -X- O\n"
        "\n"
        "Komandan -X- _ O\n"
        "pasukan -X- _ O\n"
        "darat -X- _ O\n"
        "Ukraina -X- _ B-GPE\n"
        ", -X- _ O\n"
        "Kolonel -X- _ O\n"
        "Jenderal -X- _ O\n"
        "Oleksandr -X- _ B-PER\n"
        "Syrskyi -X- _ I-PER\n"
        ", -X- _ O\n"
        "mengatakan -X- _ O\n"
        '" -X- _ O\n'
        "musuh -X- _ O\n"
        "terus -X- _ O\n"
        "melakukan -X- _ O\n"
        "upaya -X- _ O\n"
        "yang -X- _ O\n"
        "gagal -X- _ O\n"
        ". -X- _ O\n"
        '" -X- _ O\n'  # the closing quote stays with its sentence
        "\n"
    )
    assert report.records == 1
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("3 spans that are not entities (1 CLAIM, 1 CUE, 1 QUOTE)", "CoNLL carries entities only"),
        ("2 relations", "CoNLL carries no relations"),
        ("3 span attributes", "CoNLL carries no attributes"),
    ]


def test_nested_and_overlapping_entities_keep_the_outermost(tmp_path: Path) -> None:
    text = "Rektor Universitas Indonesia Jakarta hadir di Bandung Barat."
    spans = (
        span_on(text, "Indonesia", "GPE"),
        span_on(text, "Universitas Indonesia", "ORG"),
        span_on(text, "Indonesia Jakarta", "LOC"),
        span_on(text, "Bandung", "GPE"),
        span_on(text, "Bandung Barat", "LOC"),
    )
    data, report = export([annotated(article(text), spans)], tmp_path / "out.conll")
    (document,) = read_conll(data)
    assert [tag for sentence in document for _, tag in sentence] == [
        "O",
        "B-ORG",
        "I-ORG",
        "O",
        "O",
        "O",
        "B-LOC",
        "I-LOC",
        "O",
    ]
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("GPE [19, 28) 'Indonesia'", "overlaps a longer entity"),
        ("LOC [19, 36) 'Indonesia Jakarta'", "overlaps a longer entity"),
        ("GPE [46, 53) 'Bandung'", "overlaps a longer entity"),
    ]


def test_span_off_token_boundaries_is_reported(tmp_path: Path) -> None:
    partial = Span.of(EXAMPLE, 23, 29, "GPE")  # "Ukrain"
    padded = Span.of(EXAMPLE, 48, 66, "PER")  # " Oleksandr Syrskyi"
    data, report = export([annotated(article(EXAMPLE), (partial, padded))], tmp_path / "o")
    assert "B-" not in data
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("GPE [23, 29) 'Ukrain'", "not on token boundaries"),
        ("PER [48, 66) ' Oleksandr Syrskyi'", "not on token boundaries"),
    ]


@pytest.mark.parametrize("with_spacy", [True, False])
def test_emoji_flags_combining_marks_and_crlf_make_clean_token_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_spacy: bool
) -> None:
    if not with_spacy:
        monkeypatch.setitem(sys.modules, "spacy", None)
    text = "Ilmuwan 👩‍🔬 dari 🇮🇩 Indonesia,\u00a0Rene\u0301 😀 bertemu\r\nBudi\u2028di  Bandung."
    spans = (
        span_on(text, "Indonesia", "GPE"),
        span_on(text, "Rene\u0301", "PER"),
        span_on(text, "Budi", "PER"),
        span_on(text, "Bandung", "GPE"),
    )
    data, report = export([annotated(article(text), spans)], tmp_path / "out.conll")
    assert report.omissions == []
    assert "\r" not in data and "\u2028" not in data and "\u00a0" not in data
    tagged = [pair for sentence in read_conll(data)[0] for pair in sentence]
    assert all(token and not any(c.isspace() for c in token) for token, _ in tagged)
    entities = [(token, tag) for token, tag in tagged if tag != "O"]
    assert entities == [
        ("Indonesia", "B-GPE"),
        ("Rene\u0301", "B-PER"),
        ("Budi", "B-PER"),
        ("Bandung", "B-GPE"),
    ]
    assert "🇮🇩" in "".join(token for token, _ in tagged)
    assert "👩‍🔬" in "".join(token for token, _ in tagged)


def test_sentences_end_at_line_breaks_and_final_punctuation_but_not_inside_entities(
    tmp_path: Path,
) -> None:
    text = "Budi pergi ke Jl. Sudirman. Dia pulang! Apa?\nAni datang"
    spans = (span_on(text, "Jl. Sudirman", "LOC"),)
    data, _ = export([annotated(article(text), spans)], tmp_path / "out.conll")
    (document,) = read_conll(data)
    assert [[token for token, _ in sentence] for sentence in document] == [
        ["Budi", "pergi", "ke", "Jl", ".", "Sudirman", "."],
        ["Dia", "pulang", "!"],
        ["Apa", "?"],
        ["Ani", "datang"],
    ]
    assert [tag for _, tag in document[0]][3:6] == ["B-LOC", "I-LOC", "I-LOC"]


def test_every_document_starts_with_docstart(tmp_path: Path) -> None:
    first = "Budi tiba."
    second = "Ani pergi."
    items = [
        annotated(article(first), (span_on(first, "Budi", "PER"),)),
        annotated(article(second, "a2"), (span_on(second, "Ani", "PER"),)),
    ]
    data, report = export(items, tmp_path / "out.conll")
    assert report.records == 2
    assert data.count("-DOCSTART- -X- -X- O\n\n") == 2
    assert read_conll(data) == [
        [[("Budi", "B-PER"), ("tiba", "O"), (".", "O")]],
        [[("Ani", "B-PER"), ("pergi", "O"), (".", "O")]],
    ]


def test_span_not_matching_the_text_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    corrupt = Span.model_construct(
        id="bad", start=0, end=4, label="PER", text="Andi", attrs={}, origin=Origin.MANUAL
    )
    with pytest.raises(ExportError, match="should read 'Andi'"):
        export([annotated(article("Budi tiba."), (corrupt,))], tmp_path / "out.conll")
    assert list(tmp_path.iterdir()) == []

import io
from typing import Any

import orjson
import pytest
from format_helpers import annotated, make_article

from annotator.core.models import (
    AnnotatedArticle,
    Article,
    Origin,
    Relation,
    Span,
    Status,
)
from annotator.core.text import text_sha256
from annotator.formats.native_jsonl import ExportError, ExportRecord, record, write_jsonl

KEYS = {
    "article_id",
    "title",
    "text",
    "text_sha256",
    "meta",
    "source",
    "url",
    "published",
    "language",
    "annotator",
    "status",
    "spans",
    "relations",
}


def article(external_id: str, text: str, **extra: Any) -> Article:
    return make_article(external_id, text, article_id=abs(hash(external_id)) % 10_000, **extra)


def span_on(text: str, needle: str, label: str = "PER", **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def export(items: list[AnnotatedArticle]) -> bytes:
    out = io.BytesIO()
    assert write_jsonl(items, out) == len(items)
    return out.getvalue()


def lines_of(data: bytes) -> list[bytes]:
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


TEXT = "Halo 😀 dunia\r\nVolodymyr Zelensky berbicara\u2028di Kyiv.\u0085Akhir."


def sample() -> list[AnnotatedArticle]:
    first = article("a1", TEXT, meta={"section": "world"}, source="Kompas")
    zelensky = span_on(TEXT, "Volodymyr Zelensky", attrs={"role": "president"})
    kyiv = span_on(TEXT, "Kyiv", "LOC", origin=Origin.SUGGESTED)
    emoji = span_on(TEXT, "😀", "EMOJI")
    relation = Relation(head=zelensky.id, child=kyiv.id, label="IN")
    second_text = "Second article\nwith one span."
    second = article("a2", second_text)
    return [
        annotated(first, (emoji, zelensky, kyiv), (relation,)),
        annotated(first, (span_on(TEXT, "Zelensky"),), annotator="budi", status=Status.SKIPPED),
        annotated(second, (span_on(second_text, "one span", "MISC"),), status=Status.IN_PROGRESS),
    ]


def test_every_line_validates_and_has_exactly_the_documented_keys() -> None:
    items = sample()
    lines = lines_of(export(items))
    assert len(lines) == len(items)
    for line, item in zip(lines, items, strict=True):
        data = orjson.loads(line)
        assert set(data) == KEYS
        parsed = ExportRecord.model_validate(data)
        assert parsed.article_id == item.article.external_id
        assert parsed.title == item.article.title
        assert parsed.text == item.article.text
        assert parsed.text_sha256 == text_sha256(parsed.text)
        assert parsed.meta == item.article.meta
        for field in ("source", "url", "published", "language"):
            assert getattr(parsed, field) == getattr(item.article, field)
        assert parsed.annotator == item.annotations.annotator
        assert parsed.status is item.annotations.status
        assert [s.id for s in parsed.spans] == [s.id for s in item.annotations.spans]
        assert [r.id for r in parsed.relations] == [r.id for r in item.annotations.relations]
        for span in data["spans"]:
            assert set(span) == {"id", "start", "end", "label", "text", "attrs", "origin"}
            assert parsed.text[span["start"] : span["end"]] == span["text"]


def test_span_and_relation_fields_round_trip() -> None:
    first = orjson.loads(lines_of(export(sample()))[0])
    assert [(s["text"], s["label"], s["origin"]) for s in first["spans"]] == [
        ("😀", "EMOJI", "manual"),
        ("Volodymyr Zelensky", "PER", "manual"),
        ("Kyiv", "LOC", "suggested"),
    ]
    assert first["spans"][1]["attrs"] == {"role": "president"}
    assert first["spans"][0]["start"] == 5  # code points: the emoji is one
    (relation,) = first["relations"]
    assert relation["head"] == first["spans"][1]["id"]
    assert relation["child"] == first["spans"][2]["id"]
    assert relation["label"] == "IN"
    assert set(relation) == {"id", "head", "child", "label", "origin"}
    assert relation["origin"] == "manual"


def test_lines_split_on_newline_only_and_unicode_separators_stay_intact() -> None:
    data = export(sample())
    lines = lines_of(data)
    assert len(lines) == 3
    # str.splitlines would also break at U+2028, U+0085 and \r: the file must not need it.
    assert len(data.decode().splitlines()) > 3
    text = orjson.loads(lines[0])["text"]
    assert text == TEXT
    assert "\u2028" in text and "\u0085" in text and "\r\n" in text
    assert b"\r" not in data and b"\\r\\n" in data  # the CR is escaped, never raw


def test_span_not_matching_the_text_is_an_export_error() -> None:
    item = article("a1", TEXT)
    corrupt = Span.model_construct(
        id="bad", start=0, end=4, label="PER", text="Hola", attrs={}, origin=Origin.MANUAL
    )
    good = annotated(article("a0", "Fine text."), (span_on("Fine text.", "Fine"),))
    out = io.BytesIO()
    with pytest.raises(ExportError, match=r"'a1'.*bad.*'Hola'.*'Halo'"):
        write_jsonl([good, annotated(item, (corrupt,))], out)


def test_span_past_the_end_of_the_text_is_an_export_error() -> None:
    item = article("a1", "Short.")
    corrupt = Span.model_construct(
        id="past", start=4, end=9, label="PER", text="t.xyz", attrs={}, origin=Origin.MANUAL
    )
    with pytest.raises(ExportError):
        record(annotated(item, (corrupt,)))


def test_no_items_writes_nothing() -> None:
    assert export([]) == b""

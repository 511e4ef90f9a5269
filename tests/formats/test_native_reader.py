from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.core.exchange import ImportedDocument
from annotator.core.models import (
    AnnotatedArticle,
    Annotations,
    Article,
    Origin,
    Relation,
    Span,
    Status,
)
from annotator.core.schema import parse_schema
from annotator.core.text import text_sha256
from annotator.formats.articles import ImportFileError
from annotator.formats.base import ImportOptions, InvalidAnnotation, Limits
from annotator.formats.native_jsonl import record, write_jsonl
from annotator.formats.native_reader import reader

SCHEMA = parse_schema(
    """
[[labels]]
name = "PER"
color = "#e6194b"
key = "P"

[[labels]]
name = "QUOTE"
kind = "quote"
color = "#ffe119"
key = "Q"
[[labels.attributes]]
name = "type"
values = ["direct", "indirect"]

[[labels]]
name = "CLAIM"
kind = "claim"
color = "#f032e6"
key = "K"

[[relations]]
name = "speaker"
key = "S"
from = ["QUOTE"]
to = ["PER"]

[[relations]]
name = "claimant"
key = "A"
from = ["CLAIM"]
to = ["PER"]
"""
)

TEXT = (
    "Peneliti 👩‍🔬 dari 🇮🇩, Rene\u0301 Siregar, berkata:\r\n"
    '"Vaksin ini aman\r\ndan efektif." 😀\r\n'
)


def article(external_id: str, text: str = TEXT, **extra: Any) -> Article:
    return Article(
        id=abs(hash(external_id)) % 10_000,
        external_id=external_id,
        title=f"Title of {external_id}",
        text=text,
        text_sha256=text_sha256(text),
        **extra,
    )


def span_on(text: str, needle: str, label: str, **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def sample(external_id: str = "a1", annotator: str = "rina") -> AnnotatedArticle:
    person = span_on(TEXT, "Rene\u0301 Siregar", "PER", origin=Origin.SUGGESTED)
    quote = span_on(TEXT, '"Vaksin ini aman\r\ndan efektif."', "QUOTE", attrs={"type": "direct"})
    claim = span_on(TEXT, "Vaksin ini aman\r\ndan efektif", "CLAIM")
    item = article(external_id, meta={"section": "sains", "tags": ["vaksin"]})
    return AnnotatedArticle(
        article=item,
        annotations=Annotations(
            article_id=item.id,
            annotator=annotator,
            status=Status.DONE,
            spans=(person, quote, claim),
            relations=(Relation(head=quote.id, child=person.id, label="speaker"),),
        ),
    )


def export(path: Path, items: list[AnnotatedArticle]) -> Path:
    with path.open("wb") as out:
        write_jsonl(items, out, SCHEMA)
    return path


def edit_line(path: Path, number: int, change: Any) -> None:
    """Apply ``change`` to the JSON object on line ``number`` (from 1) of ``path``."""
    lines = path.read_bytes().split(b"\n")
    record = orjson.loads(lines[number - 1])
    change(record)
    lines[number - 1] = orjson.dumps(record)
    path.write_bytes(b"\n".join(lines))


def read(path: Path, **options: Any) -> list[ImportedDocument]:
    return list(reader.read(path, ImportOptions(**options)))


def test_round_trip_with_the_native_writer(tmp_path: Path) -> None:
    items = [sample("a1"), sample("a2", annotator="budi")]
    path = export(tmp_path / "export.jsonl", items)
    assert b'"origin":"derived"' in path.read_bytes()  # the claimant the writer derives

    documents = read(path)
    assert len(documents) == 2
    for document, item in zip(documents, items, strict=True):
        assert document.article.text == TEXT
        assert document.article.external_id == item.article.external_id
        assert document.article.title == item.article.title
        assert document.article.meta == {"section": "sains", "tags": ["vaksin"]}
        assert document.annotator == item.annotations.annotator
        assert document.status == Status.DONE
        assert document.spans == list(item.annotations.spans)
        assert document.relations == list(item.annotations.relations)
    assert [d.where for d in documents] == [f"{path}:1", f"{path}:2"]


def test_source_url_published_and_language_come_back(tmp_path: Path) -> None:
    described = {
        "source": "Antara",
        "url": "https://example.org/vaksin",
        "published": "2024-05-01",
        "language": "id",
    }
    item = sample()
    item = item.model_copy(update={"article": item.article.model_copy(update=described)})
    (document,) = read(export(tmp_path / "export.jsonl", [item]))
    assert {field: getattr(document.article, field) for field in described} == described


def test_a_line_of_an_older_export_without_them_is_read(tmp_path: Path) -> None:
    path = export(tmp_path / "export.jsonl", [sample()])
    for field in ("source", "url", "published", "language"):
        edit_line(path, 1, lambda record, field=field: record.pop(field))
    (document,) = read(path)
    assert (document.article.url, document.article.language) == (None, None)
    assert len(document.spans) == 3


def test_annotator_missing_from_the_line_comes_from_the_options(tmp_path: Path) -> None:
    path = export(tmp_path / "export.jsonl", [sample()])
    edit_line(path, 1, lambda record: record.update(annotator=""))
    (document,) = read(path, annotator="import-user")
    assert document.annotator == "import-user"


def test_changed_text_is_caught_by_its_hash(tmp_path: Path) -> None:
    path = export(tmp_path / "export.jsonl", [sample("a1"), sample("a2")])
    edit_line(path, 1, lambda record: record.update(text=record["text"].replace("\r\n", "\n")))
    message = f"{path}:1: the text does not match its text_sha256: it was changed after export"
    with pytest.raises(InvalidAnnotation) as info:
        read(path)
    assert str(info.value) == message

    documents = read(path, skip_invalid=True)
    assert [d.article.external_id for d in documents] == ["a2"]
    assert reader.skipped == [message]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abcdefghijkl\x00mn", "text contains a NUL character (U+0000) at line 1, column 13"),
        (" " * 20, "text contains only whitespace"),
        ("abcdefghijklmn", "text too long (14 characters; the limit is 10)"),
    ],
)
def test_a_text_no_article_may_have_is_refused_before_its_length_or_hash(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = export(tmp_path / "export.jsonl", [sample()])
    edit_line(path, 1, lambda record: record.update(text=text, text_sha256="0" * 64, spans=[]))
    with pytest.raises(ImportFileError) as info:
        read(path, limits=Limits(max_document_chars=10))
    assert str(info.value).startswith(f"{path}:1: {reason}")


def test_span_that_does_not_read_its_text_names_file_and_line(tmp_path: Path) -> None:
    path = export(tmp_path / "export.jsonl", [sample("a1"), sample("a2")])

    def shift_person(record: dict[str, Any]) -> None:
        record["spans"][0]["start"] += 1
        record["spans"][0]["end"] += 1

    edit_line(path, 2, shift_person)
    record = orjson.loads(path.read_bytes().split(b"\n")[1])
    person, speaker = record["spans"][0], record["relations"][0]
    start, end = person["start"], person["end"]
    span_message = (
        f"{path}:2: spans[0] ({person['id']}): should read 'Rene\u0301 Siregar' but the text "
        f"at [{start}, {end}) is {TEXT[start:end]!r}"
    )
    with pytest.raises(InvalidAnnotation) as info:
        read(path)
    assert str(info.value) == span_message

    documents = read(path, skip_invalid=True)
    assert [len(d.spans) for d in documents] == [3, 2]
    assert documents[1].relations == []  # the speaker link lost its person
    assert reader.skipped == [
        span_message,
        f"{path}:2: relations[0] ({speaker['id']}): no imported span {person['id']}",
    ]


def test_not_an_export_line_is_refused_with_its_line(tmp_path: Path) -> None:
    path = export(tmp_path / "export.jsonl", [sample()])
    path.write_bytes(path.read_bytes() + b"\n" + b'{"article_id": "a2", "text": "x"}\n')
    with pytest.raises(ImportFileError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}:3: not a line of an annotator export: title:")

    path.write_bytes(b"\n[1, 2]\n")
    with pytest.raises(ImportFileError) as info:
        read(path)
    assert str(info.value) == f"{path}:2: expected a JSON object, got array"


def _drop(key: str) -> Any:
    return lambda item: item.pop(key)


@pytest.mark.parametrize(
    ("part", "change", "problem"),
    [
        ("spans", _drop("id"), "spans.0.id: Field required"),
        ("spans", _drop("attrs"), "spans.0.attrs: Field required"),
        ("spans", _drop("origin"), "spans.0.origin: Field required"),
        ("spans", lambda item: item.update(created_at=None), "spans.0.created_at: Extra inputs"),
        ("spans", lambda item: item.update(start=str(item["start"])), "spans.0.start: Input"),
        ("spans", lambda item: item.update(end=float(item["end"])), "spans.0.end: Input"),
        ("spans", lambda item: item.update(start=True, end=2), "spans.0.start: Input"),
        ("relations", _drop("id"), "relations.0.id: Field required"),
        ("relations", _drop("origin"), "relations.0.origin: Field required"),
    ],
)
def test_a_field_the_domain_model_would_default_or_accept_is_still_refused(
    tmp_path: Path, part: str, change: Any, problem: str
) -> None:
    """Span and Relation give defaults to fields a line must have, and Span has fields a line
    must not: the line is held to the export's own schema."""
    path = export(tmp_path / "export.jsonl", [sample()])
    edit_line(path, 1, lambda record: change(record[part][0]))
    with pytest.raises(ImportFileError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}:1: not a line of an annotator export: {problem}")


def test_a_repeated_span_id_or_an_empty_label_is_reported_and_the_rest_kept(
    tmp_path: Path,
) -> None:
    path = export(tmp_path / "export.jsonl", [sample()])
    spans = orjson.loads(path.read_bytes())["spans"]

    def spoil(record: dict[str, Any]) -> None:
        record["spans"][1]["id"] = record["spans"][0]["id"]
        record["spans"][2]["label"] = ""

    edit_line(path, 1, spoil)
    (document,) = read(path, skip_invalid=True)
    assert [span.id for span in document.spans] == [spans[0]["id"]]
    assert reader.skipped[:2] == [
        f"{path}:1: spans[1] ({spans[0]['id']}): the id is used by an earlier span",
        f"{path}:1: spans[2] ({spans[2]['id']}): the label is empty",
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda record: record.update(article_id=""), "article_id is empty"),
        (lambda record: record.update(article_id="  "), "article_id is empty"),
    ],
)
def test_a_blank_article_id_is_refused_in_one_line(
    tmp_path: Path, change: Any, reason: str
) -> None:
    path = export(tmp_path / "export.jsonl", [sample()])
    edit_line(path, 1, change)
    with pytest.raises(ImportFileError) as info:
        read(path, skip_invalid=True)
    assert str(info.value) == f"{path}:1: {reason}"


def test_empty_labels_and_repeated_relation_ids_are_reported_and_the_rest_kept(
    tmp_path: Path,
) -> None:
    item = sample()
    person, quote, claim = item.annotations.spans
    links = (
        Relation(id="r1", head=quote.id, child=person.id, label="speaker"),
        Relation(id="r1", head=claim.id, child=person.id, label="claimant"),
        Relation(id="r2", head=quote.id, child=claim.id, label="about"),
    )
    item = item.model_copy(
        update={"annotations": item.annotations.model_copy(update={"relations": links})}
    )
    path = tmp_path / "export.jsonl"
    path.write_bytes(orjson.dumps(record(item)) + b"\n")

    def spoil(data: dict[str, Any]) -> None:
        data["spans"][2]["label"] = ""
        data["relations"][2]["label"] = ""

    edit_line(path, 1, spoil)
    with pytest.raises(InvalidAnnotation, match="the label is empty"):
        read(path)
    (document,) = read(path, skip_invalid=True)
    assert [span.id for span in document.spans] == [person.id, quote.id]
    assert [(r.id, r.label) for r in document.relations] == [("r1", "speaker")]
    assert reader.skipped == [
        f"{path}:1: spans[2] ({claim.id}): the label is empty",
        f"{path}:1: relations[1] (r1): the id is used by an earlier relation",
        f"{path}:1: relations[2] (r2): the label is empty",
    ]


def test_an_integer_beyond_64_bits_in_meta_or_attributes_is_refused(tmp_path: Path) -> None:
    path = export(tmp_path / "export.jsonl", [sample()])
    lines = path.read_bytes().splitlines()
    big = b"-9223372036854775809"  # one below the smallest 64-bit integer
    path.write_bytes(lines[0].replace(b'"type":"direct"', b'"type":"direct","n":' + big))
    with pytest.raises(ImportFileError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}:1: spans[1].attrs.n: the integer {big.decode()}")
    path.write_bytes(lines[0].replace(b'"meta":{', b'"meta":{"n":1.5e300,'))
    (document,) = read(path)
    assert document.article.meta["n"] == 1.5e300


def test_what_other_formats_let_in_comes_back_from_an_export(tmp_path: Path) -> None:
    """A label of spaces and a blank annotator are stored as given by other readers: the
    native export of them must import again."""
    item = sample(annotator=" ")
    spans = list(item.annotations.spans)
    spans[0] = spans[0].model_copy(update={"label": " "})
    annotations = item.annotations.model_copy(update={"spans": tuple(spans)})
    path = export(tmp_path / "export.jsonl", [item.model_copy(update={"annotations": annotations})])
    (document,) = read(path)
    assert document.annotator == " "
    assert document.spans[0].label == " "


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_a_number_json_does_not_have_is_refused(tmp_path: Path, number: bytes) -> None:
    """The lenient parser that reads sound lines takes these; the line is refused all the
    same, as not JSON."""
    path = export(tmp_path / "export.jsonl", [sample()])
    path.write_bytes(path.read_bytes().replace(b'"meta":{', b'"meta":{"n":' + number + b",", 1))
    with pytest.raises(ImportFileError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}:1: ")
    assert "malformed JSON at column" in str(info.value)


def test_a_sound_line_is_parsed_once_straight_into_its_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.formats.native_reader as native_reader

    path = export(tmp_path / "export.jsonl", [sample(), sample(annotator="zed")])
    expected = read(path)

    def parse_again(raw: bytes, offset: int) -> dict[str, Any]:
        raise AssertionError("a sound line was parsed a second time")

    monkeypatch.setattr(native_reader, "_json_object", parse_again)
    assert read(path) == expected

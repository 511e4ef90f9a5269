from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from format_helpers import annotated as annotate
from format_helpers import make_article

from annotator.core.exchange import ImportedDocument
from annotator.core.models import (
    AnnotatedArticle,
    Origin,
    Relation,
    Span,
    Status,
)
from annotator.core.schema import LabelSchema
from annotator.core.units import Unit
from annotator.formats.articles import ImportFileError
from annotator.formats.base import (
    ExportReport,
    ImportOptions,
    InvalidAnnotation,
    Limits,
    Omission,
    UnknownUnit,
)
from annotator.formats.doccano import (
    relation_reader,
    relation_writer,
    sequence_reader,
    sequence_writer,
)
from annotator.formats.native_jsonl import ExportError

FIXTURES = Path(__file__).parent / "fixtures" / "doccano"
SCHEMA = LabelSchema.model_validate(
    {
        "labels": [
            {"name": "PER", "color": "#1f77b4", "key": "P"},
            {"name": "LOC", "color": "#2ca02c", "key": "L"},
            {
                "name": "QUOTE",
                "color": "#d62728",
                "key": "Q",
                "attributes": [{"name": "quote_type", "values": ["direct", "indirect"]}],
            },
        ],
        "relations": [{"name": "speaker", "key": "S", "from": ["QUOTE"], "to": ["PER"]}],
    }
)
# Emoji, a ZWJ sequence, a flag, combining marks and CRLF, with spans on and after each.
TEXTS = {
    "emoji": "Presiden 😀 Joko Widodo tiba di Jakarta.",
    "zwj": 'Ilmuwan 👩‍🔬 Sri Mulyani: "Data kami lengkap."',
    "flag": "Tim 🇮🇩 Indonesia menang di Doha.",
    "combining": "Cafe\u0301 milik Rene\u0301 Dupont di Bandung.",
    "crlf": 'Baris pertama.\r\nKata Budi: "Kami siap."\r\nSelesai.',
}
CODEPOINTS = ImportOptions(offset_unit=Unit.CODEPOINT)


def annotated(
    key: str,
    spans: tuple[Span, ...],
    relations: tuple[Relation, ...] = (),
    annotator: str = "ana",
    status: Status = Status.DONE,
    **extra: Any,
) -> AnnotatedArticle:
    item = make_article(
        f"art-{key}", TEXTS.get(key, key), article_id=len(key), title=f"Judul {key}", **extra
    )
    return annotate(item, spans, relations, annotator, status)


def span_on(text: str, needle: str, label: str, **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def sample() -> list[AnnotatedArticle]:
    items = []
    for key, needles in {
        "emoji": [("😀", "LOC"), ("Joko Widodo", "PER"), ("Jakarta", "LOC")],
        "zwj": [("👩‍🔬", "PER"), ("Sri Mulyani", "PER"), ('"Data kami lengkap."', "QUOTE")],
        "flag": [("🇮🇩", "LOC"), ("Indonesia", "LOC"), ("Doha", "LOC")],
        "combining": [("Cafe\u0301", "LOC"), ("Rene\u0301 Dupont", "PER"), ("Bandung", "LOC")],
        "crlf": [(".\r\nKata", "LOC"), ("Budi", "PER"), ('"Kami siap."', "QUOTE")],
    }.items():
        spans = tuple(span_on(TEXTS[key], needle, label) for needle, label in needles)
        items.append(annotated(key, spans, meta={"section": key}, source="Kompas"))
    text = TEXTS["zwj"]
    quote = span_on(text, '"Data kami lengkap."', "QUOTE", attrs={"quote_type": "direct"})
    speaker = span_on(text, "Sri Mulyani", "PER", origin=Origin.SUGGESTED)
    relation = Relation(head=quote.id, child=speaker.id, label="speaker")
    items.append(
        annotated(
            "zwj",
            (quote, speaker),
            (relation,),
            "budi",
            Status.SKIPPED,
            meta={"section": "zwj"},
            source="Kompas",
        )
    )
    return items


def write(writer: Any, items: list[AnnotatedArticle], path: Path) -> ExportReport:
    report = ExportReport()
    writer.write(items, path, SCHEMA, report)
    return report


def span_keys(spans: Any) -> set[tuple[int, int, str, str]]:
    return {(s.start, s.end, s.label, s.text) for s in spans}


def relation_keys(spans: Any, relations: Any) -> set[tuple[str, str, str]]:
    text_of = {span.id: f"{span.label} {span.text}" for span in spans}
    return {(text_of[r.head], text_of[r.child], r.label) for r in relations}


def assert_same_document(document: ImportedDocument, item: AnnotatedArticle) -> None:
    article = item.article
    assert document.article.text.encode() == article.text.encode()
    assert document.article.external_id == article.external_id
    assert document.article.title == article.title
    assert document.article.source == article.source
    assert document.article.meta == article.meta
    assert document.annotator == item.annotations.annotator
    assert document.status == item.annotations.status
    assert span_keys(document.spans) == span_keys(item.annotations.spans)


def test_sequence_round_trip_keeps_text_and_spans_byte_for_byte(tmp_path: Path) -> None:
    items = sample()
    path = tmp_path / "out.jsonl"
    assert write(sequence_writer, items, path).records == len(items)
    documents = list(sequence_reader.read(path, CODEPOINTS))
    assert len(documents) == len(items)
    for number, (document, item) in enumerate(zip(documents, items, strict=True), 1):
        assert_same_document(document, item)
        assert document.relations == []
        assert document.where == f"{path}:{number}"


def test_relation_round_trip_keeps_relations(tmp_path: Path) -> None:
    items = sample()
    path = tmp_path / "out.jsonl"
    write(relation_writer, items, path)
    documents = list(relation_reader.read(path, CODEPOINTS))
    for document, item in zip(documents, items, strict=True):
        assert_same_document(document, item)
        assert relation_keys(document.spans, document.relations) == relation_keys(
            item.annotations.spans, item.annotations.relations
        )
    assert relation_keys(documents[-1].spans, documents[-1].relations) == {
        ('QUOTE "Data kami lengkap."', "PER Sri Mulyani", "speaker")
    }


def test_sequence_export_reports_exactly_what_it_leaves_out(tmp_path: Path) -> None:
    report = write(sequence_writer, sample(), tmp_path / "out.jsonl")
    assert report.omissions == [
        Omission("art-zwj", "budi", "1 relation", "doccano sequence JSONL has no relations"),
        Omission(
            "art-zwj",
            "budi",
            "attributes of 1 span (quote_type)",
            "doccano sequence JSONL has no span attributes",
        ),
        Omission(
            "art-zwj",
            "budi",
            "the origin of 1 annotation accepted from suggestions",
            "doccano sequence JSONL does not say where an annotation came from",
        ),
    ]


def test_relation_export_reports_attributes_and_origin_only(tmp_path: Path) -> None:
    text = TEXTS["zwj"]
    quote = span_on(text, '"Data kami lengkap."', "QUOTE", attrs={"quote_type": "direct"})
    first = span_on(text, "Sri Mulyani", "PER", attrs={"role": "x"}, origin=Origin.SUGGESTED)
    second = span_on(text, "👩‍🔬", "PER", origin=Origin.SUGGESTED)
    relations = (
        Relation(head=quote.id, child=first.id, label="speaker", origin=Origin.SUGGESTED),
        Relation(head=quote.id, child=second.id, label="speaker"),
    )
    report = write(
        relation_writer, [annotated("zwj", (quote, first, second), relations)], tmp_path / "o"
    )
    assert [(o.what, o.reason) for o in report.omissions] == [
        (
            "attributes of 2 spans (quote_type, role)",
            "doccano relation JSONL has no span attributes",
        ),
        (
            "the origin of 3 annotations accepted from suggestions",
            "doccano relation JSONL does not say where an annotation came from",
        ),
    ]


def test_records_have_doccano_shapes_with_code_point_offsets(tmp_path: Path) -> None:
    item = sample()[-1]
    quote, speaker = item.annotations.spans
    sequence, relation = tmp_path / "seq.jsonl", tmp_path / "rel.jsonl"
    write(sequence_writer, [item], sequence)
    write(relation_writer, [item], relation)
    common = {
        "article_id": "art-zwj",
        "title": "Judul zwj",
        "source": "Kompas",
        "annotator": "budi",
        "status": "skipped",
        "section": "zwj",
    }
    text = TEXTS["zwj"]
    assert orjson.loads(sequence.read_bytes()) == {
        "id": 1,
        "text": text,
        "label": [[quote.start, quote.end, "QUOTE"], [speaker.start, speaker.end, "PER"]],
        **common,
    }
    assert text[quote.start : quote.end] == '"Data kami lengkap."'
    assert orjson.loads(relation.read_bytes()) == {
        "id": 1,
        "text": text,
        "entities": [
            {"id": 1, "label": "QUOTE", "start_offset": quote.start, "end_offset": quote.end},
            {"id": 2, "label": "PER", "start_offset": speaker.start, "end_offset": speaker.end},
        ],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "speaker"}],
        **common,
    }


def test_metadata_clashing_with_doccano_keys_is_reported(tmp_path: Path) -> None:
    text = TEXTS["flag"]
    item = annotated(
        "flag", (span_on(text, "Doha", "LOC"),), meta={"status": "x", "label": 1, "ok": 2}
    )
    path = tmp_path / "out.jsonl"
    report = write(sequence_writer, [item], path)
    assert [(o.what, o.reason) for o in report.omissions] == [
        (
            "metadata 'label', 'status'",
            "doccano keeps metadata at the top level, where these names are taken",
        )
    ]
    record = orjson.loads(path.read_bytes())
    assert (record["ok"], record["status"], record["label"]) == (2, "done", [[27, 31, "LOC"]])


def test_a_span_not_reading_its_text_stops_the_export_and_leaves_no_file(tmp_path: Path) -> None:
    bad = Span.model_construct(
        id="s1", start=0, end=3, label="LOC", text="Xyz", attrs={}, origin=Origin.MANUAL
    )
    path = tmp_path / "out.jsonl"
    with pytest.raises(ExportError, match="s1"):
        write(sequence_writer, [sample()[0], annotated("flag", (bad,))], path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_own_export_imports_in_auto_mode_only_where_the_unit_cannot_matter(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    plain = "Presiden Joko Widodo tiba di Jakarta."
    write(sequence_writer, [annotated(plain, (span_on(plain, "Joko", "PER"),))], path)
    (document,) = sequence_reader.read(path, ImportOptions())
    assert span_keys(document.spans) == {(9, 13, "PER", "Joko")}
    write(sequence_writer, sample()[:1], path)
    with pytest.raises(
        InvalidAnnotation, match=re.escape(f"offsets in {path}:1 count code points, UTF-16")
    ):
        list(sequence_reader.read(path, ImportOptions()))


def test_utf16_offsets_after_an_emoji_import_with_utf16() -> None:
    path = FIXTURES / "utf16_emoji.jsonl"
    first, second = sequence_reader.read(path, ImportOptions(offset_unit=Unit.UTF16))
    assert span_keys(first.spans) == {(9, 20, "PER", "Joko Widodo"), (34, 41, "LOC", "Jakarta")}
    assert second.article.text == "Presiden 😀 Joko berpidato di Jakarta."
    assert span_keys(second.spans) == {(11, 15, "PER", "Joko"), (29, 36, "LOC", "Jakarta")}
    assert (second.article.external_id, second.article.meta) == ("2", {"Comments": []})
    assert second.annotator is None and second.status is None


def test_utf16_offsets_are_refused_in_auto_mode_naming_the_document() -> None:
    path = FIXTURES / "utf16_emoji.jsonl"
    documents = sequence_reader.read(path, ImportOptions(annotator="sari"))
    first = next(documents)  # nothing makes the unit matter in the first text
    assert (first.annotator, len(first.spans)) == ("sari", 2)
    with pytest.raises(UnknownUnit) as caught:
        next(documents)
    assert str(caught.value) == (
        f"cannot tell whether offsets in {path}:2 count code points, UTF-16 code units or "
        "grapheme clusters; the text has characters outside the BMP, combining marks or CRLF"
    )
    # Read as code points, they would have been shifted: "oko " and "akarta.".
    shifted = list(sequence_reader.read(path, CODEPOINTS))[1]
    assert sorted(span.text for span in shifted.spans) == ["akarta.", "oko "]


def test_grapheme_mode_offsets_import_with_grapheme() -> None:
    path = FIXTURES / "grapheme_mode.jsonl"
    (document,) = sequence_reader.read(path, ImportOptions(offset_unit=Unit.GRAPHEME))
    assert document.article.text == "Cafe\u0301 milik Rene\u0301 Dupont di Bandung."
    assert span_keys(document.spans) == {
        (0, 5, "ORG", "Cafe\u0301"),
        (12, 24, "PER", "Rene\u0301 Dupont"),
        (28, 35, "LOC", "Bandung"),
    }
    with pytest.raises(InvalidAnnotation, match=re.escape(f"offsets in {path}:1 count")):
        list(sequence_reader.read(path, ImportOptions()))


def test_doccano_relation_export_with_its_own_ids_and_user() -> None:
    first, second = relation_reader.read(FIXTURES / "relations.jsonl", ImportOptions())
    assert (first.article.external_id, first.annotator) == ("7", "budi")
    assert span_keys(first.spans) == {
        (23, 30, "GPE", "Ukraina"),
        (49, 66, "PER", "Oleksandr Syrskyi"),
        (68, 78, "CUE", "mengatakan"),
        (79, 120, "QUOTE", '"musuh terus melakukan upaya yang gagal."'),
        (80, 118, "CLAIM", "musuh terus melakukan upaya yang gagal"),
    }
    assert relation_keys(first.spans, first.relations) == {
        ('QUOTE "musuh terus melakukan upaya yang gagal."', "PER Oleksandr Syrskyi", "speaker"),
        ('QUOTE "musuh terus melakukan upaya yang gagal."', "CUE mengatakan", "cue"),
    }
    assert first.article.title == first.article.text  # the first line, short enough to keep
    assert (second.spans, second.relations) == ([], [])


def test_older_labels_key_and_files_without_ids() -> None:
    path = FIXTURES / "legacy_labels.jsonl"
    first, second = sequence_reader.read(path, ImportOptions())
    assert first.article.external_id == "legacy_labels:1"
    assert span_keys(first.spans) == {(0, 2, "ORG", "EU"), (11, 17, "MISC", "German")}
    assert span_keys(second.spans) == {(0, 15, "PERSON", "Peter Blackburn")}


def lines(tmp_path: Path, *records: Any) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        b"\n".join(r if isinstance(r, bytes) else orjson.dumps(r) for r in records) + b"\n"
    )
    return path


def test_a_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = lines(tmp_path, {"text": "Satu.", "label": []}, b"", b'{"text": "Dua.", "label": [}')
    with pytest.raises(
        ImportFileError, match="^" + re.escape(f"{path}:3: malformed JSON at column 28")
    ):
        list(sequence_reader.read(path, ImportOptions()))


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"label": []}, 'missing "text"'),
        ({"text": 3}, '"text" must be a string, got number'),
        ({"text": "x", "label": [], "labels": []}, 'give "label" or "labels", not both'),
        ({"text": "x", "label": {}}, '"label" must be an array, got object'),
        ({"text": "x", "status": "finished"}, '"status" must be one of todo'),
        ({"text": "x", "id": True}, '"id" must be a non-empty string or an integer'),
        ([1, 2], "expected a JSON object, got array"),
    ],
)
def test_lines_that_are_no_document_are_file_errors(
    tmp_path: Path, record: Any, reason: str
) -> None:
    path = lines(tmp_path, {"text": "Baik."}, record)
    with pytest.raises(ImportFileError) as caught:
        list(sequence_reader.read(path, ImportOptions()))
    assert str(caught.value).startswith(f"{path}:2: {reason}")


def test_an_invalid_span_names_file_and_line(tmp_path: Path) -> None:
    path = lines(tmp_path, {"text": "Joko tiba.", "label": [[0, 4, "PER"], [5, 40, "LOC"]]})
    with pytest.raises(InvalidAnnotation) as caught:
        list(sequence_reader.read(path, ImportOptions()))
    assert str(caught.value) == (
        f"{path}:1: span LOC [5, 40): codepoint offset 40 is outside the text (length 10)"
    )


def test_skip_invalid_leaves_out_what_cannot_be_imported_and_lists_it(tmp_path: Path) -> None:
    entities = [
        {"id": 1, "label": "PER", "start_offset": 0, "end_offset": 4},
        {"id": 2, "label": "LOC", "start_offset": 5, "end_offset": 40},
        {"id": 3, "label": "", "start_offset": 5, "end_offset": 9},
        [5, 9, "LOC"],
    ]
    relations = [
        {"id": 1, "from_id": 1, "to_id": 2, "type": "at"},
        {"id": 2, "from_id": 1, "to_id": 3, "type": "at"},
        {"id": 3, "from_id": 1, "to_id": 9, "type": "at"},
    ]
    path = lines(tmp_path, {"text": "Joko tiba.", "entities": entities, "relations": relations})
    options = ImportOptions(skip_invalid=True)
    (document,) = relation_reader.read(path, options)
    assert span_keys(document.spans) == {(0, 4, "PER", "Joko"), (5, 9, "LOC", "tiba")}
    assert document.relations == []
    assert relation_reader.skipped == [
        f"{path}:1: entities[2]: the label must be a non-empty string",
        f'{path}:1: relations[1]: "to_id" 3 names an entity that was left out',
        f'{path}:1: relations[2]: "to_id" 9 names no entity of this line',
        f"{path}:1: span LOC [5, 40): codepoint offset 40 is outside the text (length 10)",
        f"{path}:1: relation at left out with its child span",
    ]
    clean = lines(tmp_path, {"text": "Joko tiba.", "entities": entities[:1]})
    assert len(list(relation_reader.read(clean, options))) == 1
    assert relation_reader.skipped == []  # reset for every read


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (Limits(max_file_bytes=50), " file too large (52 bytes; the limit is 50)"),
        (Limits(max_line_bytes=30), "2: line too long (more than 30 bytes)"),
        (Limits(max_document_chars=10), "2: text too long (21 characters; the limit is 10)"),
    ],
)
def test_size_limits(tmp_path: Path, limits: Limits, reason: str) -> None:
    path = lines(tmp_path, {"text": "Pendek."}, {"text": "Sedikit lebih panjang"})
    with pytest.raises(ImportFileError) as caught:
        list(sequence_reader.read(path, ImportOptions(limits=limits)))
    assert str(caught.value) == f"{path}:{reason}"

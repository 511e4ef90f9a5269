from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import orjson
import pytest
from format_helpers import annotated as annotate
from format_helpers import fifo_with_reader, make_article, read_to_end

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
from annotator.formats.base import ExportReport, ImportOptions, InvalidAnnotation, Limits, Omission
from annotator.formats.labelstudio import config_path, labeling_config, reader, writer

FIXTURES = Path(__file__).parent / "fixtures" / "labelstudio"
SCHEMA = LabelSchema.model_validate(
    {
        "labels": [
            {"name": "PER", "color": "#1f77b4", "key": "P"},
            {"name": "LOC", "color": "#2ca02c", "key": "L"},
            {
                "name": "QUOTE",
                "color": "#d62728",
                "key": "Q",
                "attributes": [
                    {"name": "quote_type", "values": ["direct", "indirect"]},
                    {"name": "checked", "values": ["no", "yes"]},
                ],
            },
            {
                "name": "CLAIM",
                "color": "#9467bd",
                "key": "C",
                "attributes": [{"name": "checked", "values": ["no", "yes", "partly"]}],
            },
        ],
        "relations": [
            {"name": "speaker", "key": "S", "from": ["QUOTE"], "to": ["PER"]},
            {"name": "claimant", "key": "M", "from": ["CLAIM"], "to": ["PER"]},
        ],
    }
)
TEXTS = {
    "emoji": "Presiden 😀 Joko Widodo tiba di Jakarta.",
    "zwj": 'Ilmuwan 👩‍🔬 Sri Mulyani: "Data kami lengkap."',
    "flag": "Tim 🇮🇩 Indonesia menang di Doha.",
    "combining": "Cafe\u0301 milik Rene\u0301 Dupont di Bandung.",
    "crlf": 'Baris pertama.\r\nKata Budi: "Kami siap."\r\nSelesai.',
}


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
        "zwj": [("👩‍🔬", "PER"), ("Sri Mulyani", "PER")],
        "flag": [("🇮🇩", "LOC"), ("Indonesia", "LOC"), ("Doha", "LOC")],
        "combining": [("Cafe\u0301", "LOC"), ("Rene\u0301 Dupont", "PER"), ("Bandung", "LOC")],
        "crlf": [(".\r\nKata", "LOC"), ("Budi", "PER")],
    }.items():
        spans = tuple(span_on(TEXTS[key], needle, label) for needle, label in needles)
        items.append(annotated(key, spans, meta={"section": key}, url=f"https://x.id/{key}"))
    for key, speaker_name, quote_text in (
        ("zwj", "Sri Mulyani", '"Data kami lengkap."'),
        ("crlf", "Budi", '"Kami siap."'),
    ):
        text = TEXTS[key]
        quote = span_on(text, quote_text, "QUOTE", attrs={"quote_type": "direct", "checked": "no"})
        claim = span_on(text, quote_text[1:-2], "CLAIM", attrs={"checked": "partly"})
        speaker = span_on(text, speaker_name, "PER", origin=Origin.SUGGESTED)
        relations = (
            Relation(head=quote.id, child=speaker.id, label="speaker"),
            Relation(head=claim.id, child=speaker.id, label="claimant", origin=Origin.SUGGESTED),
        )
        items.append(
            annotated(
                key,
                (quote, claim, speaker),
                relations,
                "budi",
                Status.SKIPPED if key == "crlf" else Status.IN_PROGRESS,
                meta={"section": key},
                url=f"https://x.id/{key}",
            )
        )
    return items


def write(items: list[AnnotatedArticle], path: Path) -> ExportReport:
    report = ExportReport()
    writer.write(items, path, SCHEMA, report)
    return report


def span_keys(spans: Any) -> set[tuple[int, int, str, str, tuple[tuple[str, Any], ...], Origin]]:
    return {
        (s.start, s.end, s.label, s.text, tuple(sorted(s.attrs.items())), s.origin) for s in spans
    }


def relation_keys(spans: Any, relations: Any) -> set[tuple[str, str, str]]:
    text_of = {span.id: f"{span.label} {span.text}" for span in spans}
    return {(text_of[r.head], text_of[r.child], r.label) for r in relations}


def relation_origins(spans: Any, relations: Any) -> set[tuple[str, Origin]]:
    text_of = {span.id: f"{span.label} {span.text}" for span in spans}
    return {(f"{text_of[r.head]} {r.label}", r.origin) for r in relations}


def test_round_trip_keeps_text_spans_relations_and_attributes(tmp_path: Path) -> None:
    items = sample()
    path = tmp_path / "tasks.json"
    report = write(items, path)
    assert (report.records, report.omissions) == (len(items), [])
    documents = list(reader.read(path, ImportOptions()))  # the spans' text tells the unit
    assert len(documents) == len(items)
    for number, (document, item) in enumerate(zip(documents, items, strict=True), 1):
        article = item.article
        assert document.article.text.encode() == article.text.encode()
        assert document.article.external_id == article.external_id
        assert (document.article.title, document.article.url) == (article.title, article.url)
        assert document.article.meta == article.meta
        assert (document.annotator, document.status) == (
            item.annotations.annotator,
            item.annotations.status,
        )
        assert span_keys(document.spans) == span_keys(item.annotations.spans)
        assert relation_keys(document.spans, document.relations) == relation_keys(
            item.annotations.spans, item.annotations.relations
        )
        assert relation_origins(document.spans, document.relations) == relation_origins(
            item.annotations.spans, item.annotations.relations
        )
        assert document.where == f"{path}: task {number} (id {number}), annotation 1"
    assert relation_keys(documents[-1].spans, documents[-1].relations) == {
        ('QUOTE "Kami siap."', "PER Budi", "speaker"),
        ("CLAIM Kami siap", "PER Budi", "claimant"),
    }


def test_tasks_have_label_studio_shape_with_code_point_offsets(tmp_path: Path) -> None:
    item = sample()[5]
    quote, claim, speaker = item.annotations.spans
    path = tmp_path / "tasks.json"
    write([item], path)
    (task,) = orjson.loads(path.read_bytes())
    assert task["data"] == {
        "text": TEXTS["zwj"],
        "article_id": "art-zwj",
        "title": "Judul zwj",
        "url": "https://x.id/zwj",
        "meta": {"section": "zwj"},
        "annotator": "budi",
        "status": "in_progress",
    }
    (annotation,) = task["annotations"]
    assert "completed_by" not in annotation  # Label Studio refuses names it does not know
    assert annotation["was_cancelled"] is False
    region = {"start": quote.start, "end": quote.end, "text": '"Data kami lengkap."'}
    assert TEXTS["zwj"][quote.start : quote.end] == region["text"]
    first, *_ = annotation["result"]
    assert first == {
        "id": quote.id,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": region | {"labels": ["QUOTE"]},
        "origin": "manual",
    }
    assert annotation["result"][1] == first | {
        "from_name": "quote_type",
        "type": "choices",
        "value": region | {"choices": ["direct"]},
    }
    origins = {r["value"]["text"]: r["origin"] for r in annotation["result"] if "value" in r}
    assert origins["Sri Mulyani"] == "prediction"
    assert annotation["result"][-2:] == [
        {
            "from_id": quote.id,
            "to_id": speaker.id,
            "type": "relation",
            "direction": "right",
            "labels": ["speaker"],
            "origin": "manual",
        },
        {
            "from_id": claim.id,
            "to_id": speaker.id,
            "type": "relation",
            "direction": "right",
            "labels": ["claimant"],
            "origin": "prediction",
        },
    ]


def test_a_skipped_article_is_a_cancelled_annotation(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    write(sample()[-1:], path)
    (task,) = orjson.loads(path.read_bytes())
    assert task["annotations"][0]["was_cancelled"] is True


def test_the_array_is_written_one_task_a_line_and_empty_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    write(sample()[:3], path)
    raw = path.read_bytes()
    assert raw.startswith(b"[\n{") and raw.endswith(b"}\n]\n") and raw.count(b"\n") == 5
    write([], path)
    assert orjson.loads(path.read_bytes()) == []


def test_the_labeling_config_is_written_beside_the_tasks(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    write(sample()[:1], path)
    assert config_path(path) == tmp_path / "tasks.config.xml"
    written = config_path(path).read_text()
    assert written == labeling_config(SCHEMA)
    view = ET.fromstring(written)
    labels = view.find("Labels")
    assert labels is not None and labels.attrib == {"name": "label", "toName": "text"}
    assert [(e.get("value"), e.get("background")) for e in labels] == [
        ("PER", "#1f77b4"),
        ("LOC", "#2ca02c"),
        ("QUOTE", "#d62728"),
        ("CLAIM", "#9467bd"),
    ]
    assert [e.get("value") for e in view.iterfind("Relations/Relation")] == ["speaker", "claimant"]
    text = view.find("Text")
    assert text is not None and text.attrib == {"name": "text", "value": "$text"}
    choices = {e.get("name"): e for e in view.iterfind("Choices")}
    assert choices["quote_type"].attrib == {
        "name": "quote_type",
        "toName": "text",
        "perRegion": "true",
        "choice": "single",
        "whenTagName": "label",
        "whenLabelValue": "QUOTE",
    }
    # "checked" belongs to two labels: one control, shown for any region, values merged.
    assert "whenLabelValue" not in choices["checked"].attrib
    assert [e.get("value") for e in choices["checked"]] == ["no", "yes", "partly"]


def test_the_labeling_config_adds_what_the_tasks_use_beyond_the_schema(tmp_path: Path) -> None:
    text = TEXTS["crlf"]
    budi = span_on(text, "Budi", "PER", attrs={"role": "witness"})
    quote = span_on(text, '"Kami siap."', "QUOTE", attrs={"checked": "maybe"})
    place = span_on(text, "Selesai", "MISC")
    relations = (
        Relation(head=quote.id, child=budi.id, label="speaker"),
        Relation(head=place.id, child=budi.id, label="mentions"),
    )
    path = tmp_path / "tasks.json"
    write([annotated("crlf", (budi, quote, place), relations)], path)
    view = ET.fromstring(config_path(path).read_text())
    assert [(e.get("value"), e.get("background")) for e in view.iterfind("Labels/Label")] == [
        ("PER", "#1f77b4"),
        ("LOC", "#2ca02c"),
        ("QUOTE", "#d62728"),
        ("CLAIM", "#9467bd"),
        ("MISC", None),
    ]
    assert [e.get("value") for e in view.iterfind("Relations/Relation")] == [
        "speaker",
        "claimant",
        "mentions",
    ]
    choices = {e.get("name"): e for e in view.iterfind("Choices")}
    assert [e.get("value") for e in choices["checked"]] == ["no", "yes", "partly", "maybe"]
    assert choices["role"].get("whenLabelValue") == "PER"
    assert [e.get("value") for e in choices["role"]] == ["witness"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_tasks_written_to_a_fifo_come_without_a_config_file(tmp_path: Path) -> None:
    fifo = tmp_path / "tasks"
    reader = fifo_with_reader(fifo)
    write(sample()[:1], fifo)
    assert len(orjson.loads(read_to_end(reader))) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["tasks"]


def test_attribute_values_that_are_not_text_are_reported(tmp_path: Path) -> None:
    text = TEXTS["flag"]
    span = span_on(text, "Doha", "LOC", attrs={"capital": True, "kind": "city", "rank": 2})
    report = write([annotated("flag", (span,))], tmp_path / "tasks.json")
    assert report.omissions == [
        Omission(
            "art-flag",
            "ana",
            "attribute values that are not text: capital=True, rank=2",
            "Label Studio choices hold text only",
        )
    ]


def by_annotator(documents: list[ImportedDocument]) -> dict[str | None, ImportedDocument]:
    return {document.annotator: document for document in documents}


def test_label_studio_export_with_relations_choices_and_predictions() -> None:
    path = FIXTURES / "export.json"
    documents = list(reader.read(path, ImportOptions()))
    assert [d.annotator for d in documents] == [
        "ana@example.org",
        "prediction:quotes-v1",
        "labelstudio:2",
        "labelstudio:3",
    ]
    ana, prediction, two, three = documents
    assert ana.article.external_id == "1" and ana.article.source == "Antara"
    assert ana.article.meta == {}
    assert (ana.status, ana.where) == (Status.DONE, f"{path}: task 1 (id 1), annotation 1")
    quote = '"musuh terus melakukan upaya yang gagal."'
    assert span_keys(ana.spans) == {
        (23, 30, "GPE", "Ukraina", (), Origin.MANUAL),
        (49, 66, "PER", "Oleksandr Syrskyi", (), Origin.MANUAL),
        (68, 78, "CUE", "mengatakan", (), Origin.MANUAL),
        (79, 120, "QUOTE", quote, (("quote_type", "direct"),), Origin.SUGGESTED),
        (80, 118, "CLAIM", quote[1:-2], (("checkworthy", "yes"),), Origin.MANUAL),
    }
    assert relation_keys(ana.spans, ana.relations) == {
        (f"QUOTE {quote}", "PER Oleksandr Syrskyi", "speaker"),
        (f"QUOTE {quote}", "CUE mengatakan", "cue"),  # given as "left" from the cue
    }
    assert prediction.status is None
    assert span_keys(prediction.spans) == {
        (79, 120, "QUOTE", quote, (), Origin.SUGGESTED),
        (49, 66, "PER", "Oleksandr Syrskyi", (), Origin.SUGGESTED),
    }
    assert relation_keys(prediction.spans, prediction.relations) == {
        (f"QUOTE {quote}", "PER Oleksandr Syrskyi", "speaker")
    }
    assert two.article.text == 'Kata Budi 😀: "Kami siap 👩‍🔬."'
    assert {(s.start, s.end, s.text) for s in two.spans} == {
        (5, 9, "Budi"),
        (14, 27, "Kami siap 👩‍🔬"),
    }
    assert (two.status, three.status, three.spans) == (Status.DONE, Status.SKIPPED, [])


def test_utf16_offsets_are_recognised_from_the_regions_text() -> None:
    (document,) = reader.read(FIXTURES / "utf16_offsets.json", ImportOptions())
    assert document.annotator == "sari@example.org"
    assert {(s.start, s.end, s.text) for s in document.spans} == {
        (11, 15, "Joko"),
        (29, 36, "Jakarta"),
    }


def tasks(tmp_path: Path, value: Any) -> Path:
    path = tmp_path / "in.json"
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2))
    return path


def region(start: int, end: int, label: str, text: str | None = None, **extra: Any) -> Any:
    value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {"from_name": "label", "to_name": "text", "type": "labels", "value": value, **extra}


def test_a_single_task_and_the_annotator_and_status_from_data(tmp_path: Path) -> None:
    path = tasks(
        tmp_path,
        {
            "data": {"text": "Joko tiba.", "annotator": "dewi", "status": "todo", "desk": "A"},
            "annotations": [{"result": [region(0, 4, "PER", id="a")]}],
        },
    )
    (document,) = reader.read(path, ImportOptions(annotator="eko"))
    assert (document.annotator, document.status) == ("dewi", Status.TODO)
    assert document.article.external_id == "in:1"
    assert document.article.meta == {"desk": "A"}
    bare = tasks(tmp_path, [{"data": {"text": "Joko tiba."}}, {"text": "Tanpa data."}])
    first, second = reader.read(bare, ImportOptions(annotator="eko"))
    assert (first.annotator, first.spans, second.article.text) == ("eko", [], "Tanpa data.")


def test_own_export_keeps_its_annotator_after_a_trip_through_label_studio(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tasks.json"
    write(sample()[-1:], path)
    (task,) = orjson.loads(path.read_bytes())
    # Label Studio gives the imported annotation to the importing user; others add their own.
    task["annotations"][0]["completed_by"] = {"id": 1, "email": "admin@x.id"}
    task["annotations"].append({"completed_by": {"id": 2, "email": "rina@x.id"}, "result": []})
    task["annotations"].append({"completed_by": 3, "result": []})
    path.write_bytes(orjson.dumps([task]))
    documents = list(reader.read(path, ImportOptions(annotator="eko")))
    assert [(d.annotator, d.status) for d in documents] == [
        ("budi", Status.SKIPPED),
        ("rina@x.id", Status.DONE),
        ("eko", Status.DONE),  # the only annotation that names no one but by a user id
    ]
    assert len(documents[0].spans) == 3


def test_a_region_with_several_labels_gives_one_span_per_label(tmp_path: Path) -> None:
    result = region(0, 4, "PER", id="a")
    result["value"]["labels"] = ["PER", "ORG"]
    path = tasks(
        tmp_path, [{"data": {"text": "Joko tiba."}, "annotations": [{"result": [result]}]}]
    )
    (document,) = reader.read(path, ImportOptions())
    assert sorted(span.label for span in document.spans) == ["ORG", "PER"]


def test_results_with_one_id_at_one_range_are_one_region(tmp_path: Path) -> None:
    results = [
        region(0, 4, "PER", "Joko", id="a"),
        region(0, 4, "ORG", "Joko", id="a", from_name="kind"),  # a second Labels control
        region(10, 14, "LOC", "Ubud", id="b"),
        {"from_id": "b", "to_id": "a", "type": "relation", "labels": ["near"]},
    ]
    path = tasks(
        tmp_path, [{"data": {"text": "Joko tiba Ubud."}, "annotations": [{"result": results}]}]
    )
    (document,) = reader.read(path, ImportOptions())
    assert [span.label for span in document.spans] == ["PER", "ORG", "LOC"]
    assert relation_keys(document.spans, document.relations) == {
        ("LOC Ubud", "PER Joko", "near"),
        ("LOC Ubud", "ORG Joko", "near"),
    }


def two_regions_with_one_id(tmp_path: Path) -> Path:
    results = [
        region(0, 5, "PER", "Joko ", id="r1"),
        region(10, 13, "LOC", "Ubu", id="r1"),
        region(5, 9, "CUE", "tiba", id="r3"),
        {"from_id": "r3", "to_id": "r1", "type": "relation", "labels": ["speaker"]},
    ]
    return tasks(
        tmp_path,
        [{"id": 7, "data": {"text": "Joko tiba Ubud."}, "annotations": [{"result": results}]}],
    )


def test_two_regions_with_one_id_are_refused(tmp_path: Path) -> None:
    path = two_regions_with_one_id(tmp_path)
    with pytest.raises(InvalidAnnotation) as caught:
        list(reader.read(path, ImportOptions()))
    assert str(caught.value) == (
        f"{path}: task 1 (id 7), annotation 1, result 2: region id 'r1' at [10, 13) is "
        "already the id of the region at [0, 5)"
    )

    (document,) = reader.read(path, ImportOptions(skip_invalid=True))
    assert [span.label for span in document.spans] == ["PER", "CUE"]
    assert relation_keys(document.spans, document.relations) == {
        ("CUE tiba", "PER Joko ", "speaker")
    }
    assert reader.skipped == [
        f"{path}: task 1 (id 7), annotation 1, result 2: region id 'r1' at [10, 13) is "
        "already the id of the region at [0, 5)"
    ]


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (region(0, 4, "PER", "Budi", id="x"), "span PER [0, 4): should read 'Budi'"),
        (region(0, 40, "PER", id="x"), "span PER [0, 40): codepoint offset 40 is outside"),
        (
            {"id": "d", "from_name": "topic", "type": "choices", "value": {"choices": ["x"]}},
            "result 2: choices topic belong to no labelled region (id 'd'): choices for the "
            "whole task cannot be imported",
        ),
        (
            {"from_id": "a", "to_id": "a", "type": "relation", "direction": "bi", "labels": ["x"]},
            "result 2: direction 'bi' cannot be imported",
        ),
        (
            {"from_id": "a", "to_id": "zz", "type": "relation", "labels": ["x"]},
            "result 2: \"to_id\" 'zz' names no labelled region of this annotation",
        ),
        ({"from_id": "a", "to_id": "a", "type": "relation"}, "result 2: the relation has no label"),
        ({"type": "textarea", "value": {"text": ["x"]}}, "result 2: results of type 'textarea'"),
    ],
)
def test_an_invalid_result_names_the_task(tmp_path: Path, result: Any, reason: str) -> None:
    results = [region(0, 4, "PER", "Joko", id="a"), result]
    path = tasks(
        tmp_path,
        [{"id": 70, "data": {"text": "Joko tiba."}, "annotations": [{"result": results}]}],
    )
    with pytest.raises(InvalidAnnotation) as caught:
        list(reader.read(path, ImportOptions()))
    assert str(caught.value).startswith(f"{path}: task 1 (id 70), annotation 1")
    assert reason in str(caught.value)


def test_skip_invalid_leaves_out_results_and_annotations_and_lists_them(tmp_path: Path) -> None:
    results = [
        region(0, 4, "PER", "Joko", id="a"),
        region(5, 9, "LOC", "Bali", id="b"),
        {"from_id": "a", "to_id": "b", "type": "relation", "labels": ["at"]},
        {"id": "a", "from_name": "role", "type": "choices", "value": {"choices": ["x", "y"]}},
    ]
    annotations = [{"completed_by": {"email": "e@x.id"}, "result": results}]
    annotations.append({"completed_by": {"email": "e@x.id"}, "result": []})
    path = tasks(tmp_path, [{"data": {"text": "Joko tiba."}, "annotations": annotations}])
    (document,) = reader.read(path, ImportOptions(skip_invalid=True))
    assert [(s.text, s.attrs) for s in document.spans] == [("Joko", {})]
    where = f"{path}: task 1"
    assert reader.skipped == [
        f"{where}, annotation 1, result 4: role has 2 choices; an attribute holds one value",
        f"{where}, annotation 2: annotation 1 already belongs to e@x.id",
        f"{where}, annotation 1: span LOC [5, 9): should read 'Bali' but the text there is "
        "'tiba' (counting code points)",
        f"{where}, annotation 1: relation at left out with its child span",
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'[{"data": {"text": "a"}},\n {"data": }]', ":2: malformed JSON at column 11"),
        (b'"text"', ": expected a list of tasks or a task, got string"),
        (b"[3]", ": task 1: expected an object, got number"),
        (b'[{"data": {"txt": "a"}}]', ': task 1: "data" has no "text"'),
        (b'[{"id": 4, "data": {"text": "a", "status": "ok"}}]', ': task 1 (id 4): "data.status"'),
        (b'[{"data": {"text": "a"}, "annotations": {}}]', ': task 1: "annotations" must be'),
        (b'[{"data": {"text": "a", "meta": 1}}]', ': task 1: "data.meta" must be an object'),
        (b'[{"data": {"text": "a", "x": 1, "meta": {"x": 2}}}]', ': task 1: key "x" appears'),
        (b'[{"data": {"text": "\xff"}}]', ":1: invalid UTF-8: byte 0xFF at byte offset 20"),
    ],
)
def test_a_file_that_is_no_task_list_names_file_and_place(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match="^" + re.escape(f"{path}{reason}")):
        list(reader.read(path, ImportOptions()))


def test_size_limits(tmp_path: Path) -> None:
    path = tasks(tmp_path, [{"data": {"text": "Sedikit lebih panjang"}}])
    size = path.stat().st_size
    with pytest.raises(ImportFileError, match=rf"file too large \({size} bytes; the limit is 20\)"):
        list(reader.read(path, ImportOptions(limits=Limits(max_file_bytes=20))))
    with pytest.raises(ImportFileError, match=r"task 1: text too long \(21 characters"):
        list(reader.read(path, ImportOptions(limits=Limits(max_document_chars=10))))


def test_a_requested_unit_overrides_the_regions_text(tmp_path: Path) -> None:
    text = "Presiden 😀 Joko tiba."
    path = tasks(
        tmp_path,
        [{"data": {"text": text}, "annotations": [{"result": [region(11, 15, "PER", "Joko")]}]}],
    )
    with pytest.raises(InvalidAnnotation, match=r"should read 'Joko' but the text there is ' Jok'"):
        list(reader.read(path, ImportOptions(offset_unit=Unit.UTF16)))


def test_an_integer_beyond_64_bits_in_data_is_refused_not_rounded(tmp_path: Path) -> None:
    big = "123456789012345678901234567890"
    path = tmp_path / "in.json"
    path.write_text(
        '[{"data": {"text": "Joko tiba.", "meta": {"ids": [1, ' + big + "]}}},"
        ' {"data": {"text": "Lain.", "score": 0.5}}]',
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as info:
        list(reader.read(path, ImportOptions(annotator="eko")))
    assert f"task 1: data.meta.ids[1]: the integer {big} is beyond 64 bits" in str(info.value)
    # A float alone is kept as it is, and so are the integers of a file with floats.
    path.write_text(
        '[{"data": {"text": "Joko tiba.", "meta": {"id": 9007199254740993, "score": 0.5}}}]',
        encoding="utf-8",
    )
    (document,) = reader.read(path, ImportOptions(annotator="eko"))
    assert document.article.meta == {"id": 9007199254740993, "score": 0.5}


def test_json_nested_deeper_than_python_reads_is_refused_cleanly(tmp_path: Path) -> None:
    """A file with floats is read again by Python's parser, which nests less deeply than
    orjson: too deep for it is an error naming the file, not a crash."""
    depth = 990
    path = tmp_path / "in.json"
    meta = '{"d": ' + "[" * depth + "]" * depth + ', "f": 0.5}'
    path.write_text('[{"data": {"text": "Joko tiba.", "meta": ' + meta + "}}]", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        list(reader.read(path, ImportOptions(annotator="eko")))
    assert str(info.value) == f"{path}: JSON nested too deeply"

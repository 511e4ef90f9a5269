import sys
from pathlib import Path
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
from annotator.core.schema import load_schema
from annotator.core.units import Unit
from annotator.formats.articles import ImportFileError
from annotator.formats.base import ExportReport, ImportOptions, InvalidAnnotation
from annotator.formats.prodigy import ProdigyReader, ProdigyWriter, reader, text_hash, writer
from annotator.formats.tokens import simple_tokens
from annotator.resources import default_schema_path

SCHEMA = load_schema(default_schema_path())
FIXTURE = Path(__file__).parent / "fixtures" / "prodigy" / "news.jsonl"
EXAMPLE = (
    "Komandan pasukan darat Ukraina, Kolonel Jenderal Oleksandr Syrskyi, mengatakan "
    '"musuh terus melakukan upaya yang gagal."'
)
UNUSUAL = [
    "Ilmuwan 👩‍🔬 Sri Mulyani 😀 tiba.",
    "Bendera 🇮🇩 dan 🇺🇦 berkibar di Kyiv.",
    "Kafe\u0301 milik Rene\u0301 di Bandung.",
    "Budi tiba.\r\nAni\r\n\r\npergi ke Bandung.",
]


def article(text: str, external_id: str = "a1", **extra: Any) -> Article:
    return make_article(external_id, text, **extra)


def span_on(text: str, needle: str, label: str, **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def quote_example(annotator: str = "ana") -> AnnotatedArticle:
    gpe = Span.of(EXAMPLE, 23, 30, "GPE")
    per = Span.of(EXAMPLE, 49, 66, "PER")
    cue = Span.of(EXAMPLE, 68, 78, "CUE")
    quote = Span.of(EXAMPLE, 79, 120, "QUOTE")
    claim = Span.of(EXAMPLE, 80, 118, "CLAIM")
    relations = (
        Relation(head=quote.id, child=per.id, label="speaker"),
        Relation(head=quote.id, child=cue.id, label="cue"),
    )
    return annotated(
        article(EXAMPLE, source="Kompas", language="id", meta={"section": "dunia"}),
        (gpe, per, cue, quote, claim),
        relations,
        annotator=annotator,
    )


def unusual_examples() -> list[AnnotatedArticle]:
    needles = [
        ["👩‍🔬", "Sri Mulyani", "😀"],
        ["🇮🇩", "🇺🇦", "Kyiv"],
        ["Kafe\u0301", "Rene\u0301"],
        ["Budi", "Ani\r\n\r\npergi", "Bandung"],
    ]
    items = []
    for number, (text, words) in enumerate(zip(UNUSUAL, needles, strict=True)):
        spans = tuple(span_on(text, word, "PER") for word in words)
        relation = Relation(head=spans[-1].id, child=spans[0].id, label="speaker")
        items.append(annotated(article(text, f"u{number}"), spans, (relation,)))
    return items


def export(items: list[AnnotatedArticle], path: Path) -> tuple[list[dict[str, Any]], ExportReport]:
    report = ExportReport()
    writer.write(items, path, SCHEMA, report)
    return [orjson.loads(line) for line in path.read_bytes().splitlines()], report


def write_tasks(path: Path, *tasks: dict[str, Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(task) + b"\n" for task in tasks))
    return path


def spans_of(spans: Any) -> list[tuple[int, int, str]]:
    return sorted((span.start, span.end, span.label) for span in spans)


def relations_of(spans: Any, relations: Any) -> set[tuple[Any, ...]]:
    by_id = {span.id: (span.start, span.end, span.label) for span in spans}
    return {(by_id[r.head], by_id[r.child], r.label) for r in relations}


# Writing


def test_task_has_prodigys_keys_tokens_spans_and_relations(tmp_path: Path) -> None:
    (task,), report = export([quote_example()], tmp_path / "out.jsonl")
    assert report.records == 1
    assert report.omissions == []
    assert set(task) == {
        "text",
        "meta",
        "tokens",
        "spans",
        "relations",
        "answer",
        "_input_hash",
        "_task_hash",
        "_annotator_id",
        "_session_id",
        "_view_id",
    }
    assert task["text"] == EXAMPLE
    assert task["meta"] == {
        "article_id": "a1",
        "title": "Title of a1",
        "annotator": "ana",
        "status": "done",
        "source": "Kompas",
        "language": "id",
        "section": "dunia",
    }
    tokens = task["tokens"]
    assert [t["id"] for t in tokens] == list(range(len(tokens)))
    assert all(EXAMPLE[t["start"] : t["end"]] == t["text"] for t in tokens)
    assert "".join(t["text"] + (" " if t["ws"] else "") for t in tokens) == EXAMPLE
    quote = {
        "start": 79,
        "end": 120,
        "token_start": 11,
        "token_end": 19,
        "label": "QUOTE",
        "text": EXAMPLE[79:120],
    }
    assert quote in task["spans"]
    assert [(s["start"], s["label"]) for s in task["spans"]] == [
        (23, "GPE"),
        (49, "PER"),
        (68, "CUE"),
        (79, "QUOTE"),
        (80, "CLAIM"),
    ]
    for span in task["spans"]:  # token indices are inclusive
        assert tokens[span["token_start"]]["start"] == span["start"]
        assert tokens[span["token_end"]]["end"] == span["end"]
    quote_ref = {key: quote[key] for key in ("start", "end", "token_start", "token_end", "label")}
    assert task["relations"] == [
        {
            "head": 19,
            "child": 8,
            "head_span": quote_ref,
            "child_span": {
                "start": 49,
                "end": 66,
                "token_start": 7,
                "token_end": 8,
                "label": "PER",
            },
            "label": "speaker",
        },
        {
            "head": 19,
            "child": 10,
            "head_span": quote_ref,
            "child_span": {
                "start": 68,
                "end": 78,
                "token_start": 10,
                "token_end": 10,
                "label": "CUE",
            },
            "label": "cue",
        },
    ]
    assert task["answer"] == "accept"
    assert task["_annotator_id"] == task["_session_id"] == "annotator-ana"
    assert task["_view_id"] == "relations"


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (Status.DONE, "accept"),
        (Status.IN_PROGRESS, "accept"),
        (Status.SKIPPED, "ignore"),
        (Status.TODO, "ignore"),
    ],
)
def test_answer_follows_the_status(tmp_path: Path, status: Status, answer: str) -> None:
    item = annotated(article("Budi tiba."), (), status=status)
    (task,), _ = export([item], tmp_path / "out.jsonl")
    assert (task["answer"], task["meta"]["status"]) == (answer, status.value)


def test_view_id_names_an_interface_that_can_show_the_spans(tmp_path: Path) -> None:
    text = "Rektor Universitas Indonesia hadir."
    flat = annotated(article(text), (span_on(text, "Rektor", "PER"),))
    nested = annotated(
        article(text),
        (span_on(text, "Universitas Indonesia", "ORG"), span_on(text, "Indonesia", "GPE")),
    )
    tasks, _ = export([flat, nested], tmp_path / "out.jsonl")
    assert [task["_view_id"] for task in tasks] == ["ner_manual", "spans_manual"]


def test_hashes_are_stable_signed_32_bit_integers(tmp_path: Path) -> None:
    text = "Budi tiba di Bandung."
    budi = span_on(text, "Budi", "PER")
    items = [
        annotated(article(text), (budi,)),
        annotated(article(text), (budi,), annotator="citra"),
        annotated(article(text), (span_on(text, "Bandung", "GPE"),)),
    ]
    first, _ = export(items, tmp_path / "one.jsonl")
    second, _ = export(items, tmp_path / "two.jsonl")
    hashes = [(task["_input_hash"], task["_task_hash"]) for task in first]
    assert hashes == [(task["_input_hash"], task["_task_hash"]) for task in second]
    for pair in hashes:
        assert all(isinstance(h, int) and -(2**31) <= h < 2**31 for h in pair)
    assert {input_hash for input_hash, _ in hashes} == {text_hash(text)}
    # same question and answer: same task; other spans: another task
    assert hashes[0][1] == hashes[1][1] != hashes[2][1]


def test_what_prodigy_cannot_carry_is_reported(tmp_path: Path) -> None:
    partial = Span.of(EXAMPLE, 23, 29, "GPE")  # "Ukrain", inside a token
    quote = Span.of(EXAMPLE, 79, 120, "QUOTE", attrs={"type": "direct"})
    claim = Span.of(
        EXAMPLE, 80, 118, "CLAIM", attrs={"checkworthy": "checkworthy", "verdict": "none"}
    )
    relation = Relation(head=quote.id, child=partial.id, label="speaker")
    item = annotated(
        article(EXAMPLE, meta={"status": "published"}), (partial, quote, claim), (relation,)
    )
    (task,), report = export([item], tmp_path / "out.jsonl")
    assert [s["label"] for s in task["spans"]] == ["QUOTE", "CLAIM"]
    assert task["relations"] == []
    assert task["meta"]["status"] == "done"
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("GPE [23, 29) 'Ukrain'", "not on token boundaries"),
        (
            "relation speaker (QUOTE [79, 120) -> GPE [23, 29))",
            "one of its spans could not be carried",
        ),
        ("3 span attributes", "Prodigy spans have no attributes"),
        ("article meta 'status'", "the Prodigy export uses this meta key itself"),
    ]


def test_meta_keys_named_like_article_fields_are_reported_not_taken_for_them(
    tmp_path: Path,
) -> None:
    item = annotated(article("Budi tiba.", meta={"source": "wire", "desk": "kota"}))
    path = tmp_path / "out.jsonl"
    (task,), report = export([item], path)
    assert task["meta"] == {
        "article_id": "a1",
        "title": "Title of a1",
        "annotator": "ana",
        "status": "done",
        "desk": "kota",
    }
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("article meta 'source'", "the Prodigy export uses this meta key itself")
    ]
    (document,) = reader.read(path, ImportOptions())
    assert document.article.source is None
    assert document.article.meta == {"desk": "kota"}


# Round trip


def test_round_trip_keeps_what_was_accepted_from_suggestions(tmp_path: Path) -> None:
    text = "Budi berkata: ya."
    person = span_on(text, "Budi", "PER", origin=Origin.SUGGESTED)
    cue = span_on(text, "berkata", "CUE")
    quote = span_on(text, "ya", "QUOTE", origin=Origin.SUGGESTED)
    relations = (
        Relation(head=quote.id, child=person.id, label="speaker", origin=Origin.SUGGESTED),
        Relation(head=quote.id, child=cue.id, label="cue"),
    )
    path = tmp_path / "out.jsonl"
    (task,), report = export([annotated(article(text), (person, cue, quote), relations)], path)
    assert report.omissions == []
    assert [span.get("origin") for span in task["spans"]] == ["suggested", None, "suggested"]
    assert [relation.get("origin") for relation in task["relations"]] == ["suggested", None]

    (document,) = reader.read(path, ImportOptions())
    assert [(s.label, s.origin) for s in document.spans] == [
        ("PER", Origin.SUGGESTED),
        ("CUE", Origin.MANUAL),
        ("QUOTE", Origin.SUGGESTED),
    ]
    assert [(r.label, r.origin) for r in document.relations] == [
        ("speaker", Origin.SUGGESTED),
        ("cue", Origin.MANUAL),
    ]


def test_round_trip_keeps_text_spans_relations_and_article(tmp_path: Path) -> None:
    items = [quote_example(), quote_example("budi"), *unusual_examples()]
    path = tmp_path / "out.jsonl"
    _, report = export(items, path)
    assert report.omissions == []
    documents = list(reader.read(path, ImportOptions()))
    assert reader.skipped == []
    assert len(documents) == len(items)
    for line, (document, item) in enumerate(zip(documents, items, strict=True), 1):
        original = item.annotations
        assert document.where == f"{path}:{line}"
        assert document.article.text == item.article.text
        assert document.article.text.encode() == item.article.text.encode()
        assert document.article.external_id == item.article.external_id
        assert document.article.title == item.article.title
        assert document.article.source == item.article.source
        assert document.article.language == item.article.language
        assert document.article.meta == item.article.meta
        assert document.annotator == original.annotator
        assert document.status is original.status
        assert spans_of(document.spans) == spans_of(original.spans)
        assert all(s.text == item.article.text[s.start : s.end] for s in document.spans)
        assert relations_of(document.spans, document.relations) == relations_of(
            original.spans, original.relations
        )


def test_blank_article_fields_come_back_as_fields_not_meta(tmp_path: Path) -> None:
    text = "Budi tiba di Jakarta."
    item = annotated(
        make_article("a1", text, title="", source="", url=" "),
        (Span.of(text, 0, 4, "PER"),),
    )
    path = tmp_path / "out.jsonl"
    export([item], path)
    (document,) = reader.read(path, ImportOptions())
    article = document.article
    assert (article.title, article.source, article.url) == ("", "", " ")
    assert article.meta == {}


@pytest.mark.parametrize("status", list(Status))
def test_round_trip_keeps_every_status(tmp_path: Path, status: Status) -> None:
    path = tmp_path / "out.jsonl"
    export([annotated(article("Budi tiba."), (), status=status)], path)
    (document,) = reader.read(path, ImportOptions())
    assert document.status is status


def test_without_spacy_tokens_come_from_the_simple_tokenizer_and_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)
    items = unusual_examples()
    path = tmp_path / "out.jsonl"
    tasks, report = export(items, path)
    assert report.omissions == []
    for task in tasks:
        assert [(t["text"], t["start"], t["end"], t["ws"]) for t in task["tokens"]] == [
            (t.text, t.start, t.end, t.ws) for t in simple_tokens(task["text"])
        ]
        assert set(task["tokens"][0]) == {"text", "start", "end", "id", "ws"}
    zwj = next(t for t in tasks[0]["tokens"] if "\u200d" in t["text"])
    assert zwj["text"] == "👩‍🔬"  # a whole emoji sequence, not its parts
    for document, item in zip(reader.read(path, ImportOptions()), items, strict=True):
        assert document.article.text == item.article.text
        assert spans_of(document.spans) == spans_of(item.annotations.spans)
        assert relations_of(document.spans, document.relations) == relations_of(
            item.annotations.spans, item.annotations.relations
        )


# Reading Prodigy's own files


def test_prodigy_file_imports_accepted_and_ignored_tasks() -> None:
    fixture = ProdigyReader()
    documents = list(fixture.read(FIXTURE, ImportOptions(annotator="fallback")))
    assert [(d.annotator, d.status) for d in documents] == [
        ("alex", Status.DONE),
        ("budi", Status.DONE),
        ("citra", Status.DONE),
        ("news_ner-ana-maria", Status.SKIPPED),  # two dashes: the dataset prefix is not known
    ]
    assert fixture.skipped == [f"{FIXTURE}:4: not imported: answer 'reject'"]

    ner, rel, tokens_only, ignored = documents
    assert ner.article.meta == {}
    assert ner.article.source == "Kompas"
    assert ner.article.external_id == str(text_hash(ner.article.text))
    assert ner.article.title == ner.article.text
    assert [(s.text, s.label) for s in ner.spans] == [("Joko Widodo", "PER"), ("Jakarta", "GPE")]
    assert ner.relations == []

    assert rel.article.text == EXAMPLE
    # without an article id, tasks on the same text are the same article
    assert rel.article.external_id == tokens_only.article.external_id
    assert ner.article.external_id == ignored.article.external_id != rel.article.external_id
    assert spans_of(rel.spans) == [
        (23, 30, "GPE"),
        (49, 66, "PER"),
        (68, 78, "CUE"),
        (79, 120, "QUOTE"),
    ]
    assert relations_of(rel.spans, rel.relations) == {
        ((79, 120, "QUOTE"), (49, 66, "PER"), "speaker"),
        ((79, 120, "QUOTE"), (68, 78, "CUE"), "cue"),
    }
    # relations given by their last tokens only
    assert relations_of(tokens_only.spans, tokens_only.relations) == {
        ((79, 120, "QUOTE"), (49, 66, "PER"), "speaker"),
    }
    assert ignored.spans == []


def test_dataset_name_strips_any_prefix() -> None:
    documents = list(ProdigyReader(dataset="news_ner").read(FIXTURE, ImportOptions()))
    assert [d.annotator for d in documents] == ["alex", "budi", "citra", "ana-maria"]


def test_annotator_falls_back_to_meta_then_the_option(tmp_path: Path) -> None:
    path = write_tasks(
        tmp_path / "in.jsonl",
        {"text": "Budi.", "answer": "accept", "meta": {"annotator": "ana-maria"}},
        {
            "text": "Budi.",
            "answer": "accept",
            "_annotator_id": "x-y-ana-maria",
            "meta": {"annotator": "ana-maria"},
        },
        {"text": "Budi.", "answer": "accept"},
    )
    documents = reader.read(path, ImportOptions(annotator="dewi"))
    assert [d.annotator for d in documents] == ["ana-maria", "ana-maria", "dewi"]


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (
            {"start": 3, "end": 40, "label": "PER"},
            "span 0: [3, 40) is outside the text (10 code points)",
        ),
        (
            {"start": 0, "end": 4, "label": "PER", "text": "Andi"},
            "span 0: [0, 4) says 'Andi' but the text there is 'Budi'",
        ),
        ({"start": "0", "end": 4, "label": "PER"}, 'span 0: "start" and "end" must be integers'),
        ({"start": 0, "end": 4, "label": ""}, 'span 0: "label" must be a non-empty string'),
        (
            {"start": 0, "end": 4, "label": "PER", "origin": "derived"},
            """span 0: "origin" must be "manual" or "suggested", got 'derived'""",
        ),
    ],
)
def test_invalid_span_names_file_and_line(
    tmp_path: Path, span: dict[str, Any], message: str
) -> None:
    path = write_tasks(
        tmp_path / "in.jsonl",
        {"text": "Budi tiba.", "answer": "accept"},
        {"text": "Budi tiba.", "answer": "accept", "spans": [span]},
    )
    with pytest.raises(InvalidAnnotation) as info:
        list(reader.read(path, ImportOptions()))
    assert str(info.value) == f"{path}:2: {message}"


def test_skip_invalid_keeps_the_rest_and_lists_what_was_skipped(tmp_path: Path) -> None:
    text = "Budi tiba di Bandung."
    path = write_tasks(
        tmp_path / "in.jsonl",
        {
            "text": text,
            "answer": "accept",
            "spans": [
                {"start": 0, "end": 4, "label": "PER"},
                {"start": 13, "end": 99, "label": "GPE"},
            ],
            "relations": [
                {"head": 3, "child": 0, "label": "speaker"},
                {"head": 0, "child": 0, "label": "speaker"},
            ],
            "tokens": [
                {"text": t.text, "start": t.start, "end": t.end, "id": i, "ws": t.ws}
                for i, t in enumerate(simple_tokens(text))
            ],
        },
        {"text": text},
    )
    options = ImportOptions(skip_invalid=True)
    (document,) = reader.read(path, options)
    assert spans_of(document.spans) == [(0, 4, "PER")]
    assert relations_of(document.spans, document.relations) == {
        ((0, 4, "PER"), (0, 4, "PER"), "speaker")
    }
    assert reader.skipped == [
        f"{path}:1: span 1: [13, 99) is outside the text (21 code points)",
        f"{path}:1: relation 0: head: no span ending at token 3",
        f"{path}:2: not imported: answer None",
    ]
    list(reader.read(FIXTURE, options))
    assert reader.skipped == [f"{FIXTURE}:4: not imported: answer 'reject'"]  # reset per read


def test_relation_matching_two_spans_is_ambiguous(tmp_path: Path) -> None:
    text = "Budi tiba."
    path = write_tasks(
        tmp_path / "in.jsonl",
        {
            "text": text,
            "answer": "accept",
            "spans": [
                {"start": 0, "end": 4, "label": "PER"},
                {"start": 0, "end": 4, "label": "ORG"},
            ],
            "relations": [
                {
                    "head": 0,
                    "child": 0,
                    "label": "x",
                    "head_span": {"start": 0, "end": 4, "label": "PER"},
                    "child_span": {"start": 0, "end": 4},
                },
            ],
        },
    )
    with pytest.raises(
        InvalidAnnotation, match=r":1: relation 0: child: more than one span \[0, 4\)"
    ):
        list(reader.read(path, ImportOptions()))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json", "malformed JSON at column 2: unexpected character, expected a string key"),
        (b"[1, 2]", "expected a JSON object, got array"),
        (b'{"answer": "accept"}', '"text" must be a string, got null'),
        (b'{"text": " ", "answer": "accept"}', "text contains only whitespace"),
        (
            b'{"text": "Budi", "meta": [], "answer": "accept"}',
            '"meta" must be an object, got array',
        ),
        (
            b'{"text": "Budi", "spans": {}, "answer": "accept"}',
            '"spans" must be an array, got object',
        ),
    ],
)
def test_malformed_task_is_a_file_error_naming_the_line(
    tmp_path: Path, line: bytes, reason: str
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"text": "Budi", "answer": "accept"}\n\n' + line + b"\n")
    with pytest.raises(ImportFileError) as info:
        list(reader.read(path, ImportOptions()))
    assert (info.value.path, info.value.line, info.value.reason) == (path, 3, reason)


def test_offsets_are_code_points_only(tmp_path: Path) -> None:
    path = write_tasks(tmp_path / "in.jsonl", {"text": "Budi", "answer": "accept"})
    with pytest.raises(ImportFileError, match="code points"):
        reader.read(path, ImportOptions(offset_unit=Unit.UTF16))
    assert len(list(reader.read(path, ImportOptions(offset_unit=Unit.CODEPOINT)))) == 1


def test_writer_dataset_names_the_session(tmp_path: Path) -> None:
    report = ExportReport()
    path = tmp_path / "out.jsonl"
    ProdigyWriter(dataset="berita").write([quote_example()], path, SCHEMA, report)
    task = orjson.loads(path.read_bytes())
    assert task["_annotator_id"] == task["_session_id"] == "berita-ana"
    (document,) = ProdigyReader(dataset="berita").read(path, ImportOptions())
    assert document.annotator == "ana"

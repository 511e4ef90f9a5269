from __future__ import annotations

import pytest

from annotator.core.models import (
    AnnotatedArticle,
    Annotations,
    Article,
    ArticleIn,
    Origin,
    Span,
    Status,
)
from annotator.core.text import text_sha256
from annotator.core.units import Unit
from annotator.formats.base import InvalidAnnotation, UnknownUnit
from annotator.formats.native_jsonl import ExportError
from annotator.formats.unit_detection import (
    FileUnitDecider,
    RawDocument,
    RawRelation,
    RawSpan,
    check_spans,
    import_documents,
    resolve_unit,
)

EMOJI = "Presiden 😀 Joko berpidato."  # Joko: code points [11, 15), UTF-16 [12, 16)
COMBINING = "Cafe\u0301 milik Rene\u0301."  # René: code points [12, 17), graphemes [11, 15)
ASCII = "Presiden Joko berpidato."


def raw(
    text: str, *spans: RawSpan, where: str = "f.jsonl:1", status: Status | None = None
) -> RawDocument:
    article = ArticleIn(external_id=where, title="t", text=text)
    return RawDocument(article, "ana", where, status, spans=list(spans))


def decide(*documents: RawDocument, requested: Unit | None = None) -> list[tuple[str, Unit]]:
    decider = FileUnitDecider(requested)
    ready = [(doc.where, unit) for document in documents for doc, unit in decider.add(document)]
    decider.finish()
    return ready


def test_a_requested_unit_is_used_whatever_the_spans_say() -> None:
    assert resolve_unit(EMOJI, [(11, 15, "Joko")], Unit.UTF16, "x") is Unit.UTF16


def test_text_where_units_do_not_differ_counts_code_points_without_evidence() -> None:
    assert resolve_unit(ASCII, [], None, "x") is Unit.CODEPOINT


@pytest.mark.parametrize(
    ("text", "span", "unit"),
    [
        (EMOJI, (12, 16, "Joko"), Unit.UTF16),
        (EMOJI + "\u0301", (11, 15, "Joko"), Unit.CODEPOINT),
        (COMBINING, (11, 15, "Rene\u0301"), Unit.GRAPHEME),
    ],
)
def test_spans_with_text_tell_the_unit(text: str, span: tuple[int, int, str], unit: Unit) -> None:
    assert resolve_unit(text, [span], None, "x") is unit


def test_units_that_agree_on_every_offset_need_no_choice() -> None:
    # "Presiden" lies before the emoji: every unit reads it at [0, 8).
    assert resolve_unit(EMOJI, [(0, 8, "Presiden")], None, "x") is Unit.CODEPOINT


def test_no_span_with_text_cannot_tell_and_names_the_document() -> None:
    with pytest.raises(UnknownUnit) as caught:
        resolve_unit(EMOJI, [], None, "data.jsonl:4")
    assert str(caught.value) == (
        "cannot tell whether offsets in data.jsonl:4 count code points, UTF-16 code units or "
        "grapheme clusters; the text has characters outside the BMP, combining marks or CRLF"
    )


def test_spans_that_read_their_text_in_no_unit_are_named() -> None:
    with pytest.raises(InvalidAnnotation, match=r"offsets in data\.jsonl:4 match no unit"):
        resolve_unit(EMOJI, [(0, 4, "Joko")], None, "data.jsonl:4")


def test_the_first_document_that_tells_decides_for_documents_held_before_it() -> None:
    undecided = raw(EMOJI, RawSpan(12, 16, "PER"), where="f:1")
    plain = raw(ASCII, RawSpan(9, 13, "PER"), where="f:2")
    telling = raw(EMOJI, RawSpan(12, 16, "PER", text="Joko"), where="f:3")
    later = raw(EMOJI, RawSpan(12, 16, "PER"), where="f:4")
    decider = FileUnitDecider(None)
    assert decider.add(undecided) == []
    assert decider.add(plain) == []  # held behind the first, to keep the file's order
    assert [(d.where, unit) for d, unit in decider.add(telling)] == [
        ("f:1", Unit.UTF16),
        ("f:2", Unit.UTF16),
        ("f:3", Unit.UTF16),
    ]
    assert decider.unit is Unit.UTF16
    assert [(d.where, unit) for d, unit in decider.add(later)] == [("f:4", Unit.UTF16)]
    decider.finish()


def test_a_file_that_never_tells_names_the_first_document_that_needed_it() -> None:
    decider = FileUnitDecider(None)
    ready = decider.add(raw(ASCII, RawSpan(9, 13, "PER"), where="f:1"))
    assert [d.where for d, _ in ready] == ["f:1"]
    assert decider.add(raw(EMOJI, RawSpan(12, 16, "PER"), where="f:2")) == []
    assert decider.add(raw(COMBINING, RawSpan(11, 15, "PER"), where="f:3")) == []
    with pytest.raises(InvalidAnnotation, match=r"^cannot tell whether offsets in f:2 count"):
        decider.finish()


def test_where_spans_never_carry_text_the_first_document_that_needs_a_unit_stops() -> None:
    decider = FileUnitDecider(None, spans_carry_text=False)
    assert len(decider.add(raw(EMOJI, RawSpan(0, 8, "PER"), where="f:1"))) == 1
    with pytest.raises(InvalidAnnotation, match=r"^cannot tell whether offsets in f:2 count"):
        decider.add(raw(EMOJI, RawSpan(12, 16, "PER"), where="f:2"))


def test_documents_whose_offsets_read_alike_in_every_unit_pass_undecided() -> None:
    assert decide(
        raw(EMOJI, RawSpan(0, 8, "PER"), where="f:1"),
        raw(COMBINING, where="f:2"),
    ) == [("f:1", Unit.CODEPOINT), ("f:2", Unit.CODEPOINT)]


def test_evidence_narrows_across_documents() -> None:
    # Without astral characters UTF-16 equals code points: this only rules out graphemes.
    crlf = raw("Baris\r\nJoko datang.", RawSpan(7, 11, "PER", text="Joko"), where="f:1")
    emoji = raw(EMOJI, RawSpan(11, 15, "PER", text="Joko"), where="f:2")
    decider = FileUnitDecider(None)
    assert [unit for _, unit in decider.add(crlf)] == [Unit.CODEPOINT]
    assert decider.unit is None
    decider.add(emoji)
    assert decider.unit is Unit.CODEPOINT


def test_a_document_contradicting_the_file_is_invalid_or_skipped() -> None:
    # A single astral emoji is one code point and one grapheme: the first document leaves both.
    first = raw(EMOJI, RawSpan(11, 15, "PER", text="Joko"), where="f:1")
    second = raw(EMOJI, RawSpan(12, 16, "PER", text="Joko"), where="f:2")
    decider = FileUnitDecider(None)
    decider.add(first)
    assert decider.unit is None
    message = (
        "offsets in f:2 count UTF-16 code units, but earlier documents of the file count "
        "code points or grapheme clusters"
    )
    with pytest.raises(InvalidAnnotation) as caught:
        decider.add(second)
    assert str(caught.value) == message
    skipped: list[str] = []
    decider = FileUnitDecider(None, skipped)
    decider.add(first)
    assert decider.add(second) == []
    assert skipped == [message]


def test_a_requested_unit_converts_without_looking() -> None:
    assert decide(raw(EMOJI, RawSpan(12, 16, "PER")), requested=Unit.GRAPHEME) == [
        ("f.jsonl:1", Unit.GRAPHEME)
    ]


def test_import_documents_converts_spans_and_relations_to_code_points() -> None:
    document = raw(
        EMOJI,
        RawSpan(0, 8, "CUE", attrs={"kind": "title"}, origin=Origin.SUGGESTED),
        RawSpan(12, 16, "PER", text="Joko"),
        status=Status.DONE,
    )
    document.relations.append(RawRelation(head=0, child=1, label="speaker"))
    (imported,) = import_documents([document], None, None)
    cue, joko = imported.spans
    assert (joko.start, joko.end, joko.text) == (11, 15, "Joko")
    assert (cue.text, cue.attrs, cue.origin) == ("Presiden", {"kind": "title"}, Origin.SUGGESTED)
    (relation,) = imported.relations
    assert (relation.head, relation.child, relation.label) == (cue.id, joko.id, "speaker")
    assert imported.annotator == "ana"
    assert (imported.status, imported.where) == (Status.DONE, "f.jsonl:1")


@pytest.mark.parametrize(
    ("span", "reason"),
    [
        (RawSpan(20, 40, "PER"), "utf16 offset 40 is outside the text (length 27)"),
        (RawSpan(10, 16, "PER"), "utf16 offset 10 falls inside a surrogate pair"),
        (RawSpan(16, 12, "PER"), "the span is empty"),
        (
            RawSpan(0, 8, "PER", text="Joko"),
            "should read 'Joko' but the text there is 'Presiden' (counting UTF-16 code units)",
        ),
    ],
)
def test_a_span_that_cannot_be_imported_names_the_document(span: RawSpan, reason: str) -> None:
    document = raw(EMOJI, span, where="data.jsonl:3")
    with pytest.raises(InvalidAnnotation) as caught:
        list(import_documents([document], Unit.UTF16, None))
    assert str(caught.value) == f"data.jsonl:3: span PER [{span.start}, {span.end}): {reason}"


def test_skipping_leaves_out_the_span_and_its_relations_and_says_so() -> None:
    document = raw(EMOJI, RawSpan(0, 8, "CUE"), RawSpan(11, 99, "PER"), where="f:7")
    document.relations.append(RawRelation(head=0, child=1, label="speaker"))
    skipped: list[str] = []
    (imported,) = import_documents([document], Unit.CODEPOINT, skipped)
    assert [span.text for span in imported.spans] == ["Presiden"]
    assert imported.relations == []
    assert skipped == [
        "f:7: span PER [11, 99): codepoint offset 99 is outside the text (length 26)",
        "f:7: relation speaker left out with its child span",
    ]


def test_check_spans_refuses_a_span_that_does_not_read_its_text() -> None:
    text = "Joko berpidato."
    article = Article(id=1, external_id="a1", title="t", text=text, text_sha256=text_sha256(text))
    bad = Span.model_construct(
        id="s1", start=0, end=4, label="PER", text="Budi", attrs={}, origin=Origin.MANUAL
    )
    item = AnnotatedArticle(
        article=article, annotations=Annotations(article_id=1, annotator="ana", spans=(bad,))
    )
    with pytest.raises(ExportError, match=r"'a1'.*s1 \[0, 4\) should read 'Budi'.*'Joko'"):
        check_spans(item)

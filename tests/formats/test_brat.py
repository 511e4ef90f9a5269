import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from format_helpers import annotated, fifo_with_reader, make_article, read_to_end

from annotator.core.exchange import ImportedDocument
from annotator.core.models import (
    AnnotatedArticle,
    Article,
    Origin,
    Relation,
    Span,
    Status,
)
from annotator.core.schema import parse_schema
from annotator.core.units import Unit
from annotator.formats import brat
from annotator.formats.articles import ImportFileError
from annotator.formats.base import ExportReport, ImportOptions, InvalidAnnotation
from annotator.formats.native_jsonl import ExportError

FIXTURE = Path(__file__).parent / "fixtures" / "brat"

SCHEMA = parse_schema(
    """
[[labels]]
name = "PER"
color = "#e6194b"
key = "P"

[[labels]]
name = "GPE"
color = "#4363d8"
key = "G"

[[labels]]
name = "QUOTE"
kind = "quote"
color = "#ffe119"
key = "Q"
[[labels.attributes]]
name = "type"
values = ["direct", "indirect", "mixed"]

[[labels]]
name = "CUE"
kind = "cue"
color = "#42d4f4"
key = "C"

[[labels]]
name = "CLAIM"
kind = "claim"
color = "#f032e6"
key = "K"
[[labels.attributes]]
name = "checkworthy"
values = ["checkworthy", "not_factual"]

[[relations]]
name = "speaker"
key = "S"
from = ["QUOTE"]
to = ["PER", "GPE"]

[[relations]]
name = "cue"
key = "V"
from = ["QUOTE"]
to = ["CUE"]

[[relations]]
name = "claimant"
key = "A"
from = ["CLAIM"]
to = ["PER"]
"""
)

# Emoji, a ZWJ sequence, a flag, a combining mark and CRLF line endings, with a quote and a
# claim that cross a line break.
TEXT = (
    "Ilmuwan 👩‍🔬 dari 🇮🇩 Indonesia, Dr. Rene\u0301 Siregar, berkata 😀:\r\n"
    '"Vaksin ini aman\r\ndan efektif."\r\n'
    "Menurut Rene\u0301, uji klinis selesai.\r\n"
)


def article(external_id: str, text: str = TEXT, **extra: Any) -> Article:
    return make_article(external_id, text, article_id=abs(hash(external_id)) % 10_000, **extra)


def span_on(text: str, needle: str, label: str, **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def sample() -> AnnotatedArticle:
    person = span_on(TEXT, "Dr. Rene\u0301 Siregar", "PER")
    flag = span_on(TEXT, "🇮🇩 Indonesia", "GPE", origin=Origin.SUGGESTED)
    cue = span_on(TEXT, "berkata", "CUE")
    quote = span_on(TEXT, '"Vaksin ini aman\r\ndan efektif."', "QUOTE", attrs={"type": "direct"})
    claim = span_on(
        TEXT, "Vaksin ini aman\r\ndan efektif", "CLAIM", attrs={"checkworthy": "checkworthy"}
    )
    scientist = span_on(TEXT, "Ilmuwan 👩‍🔬", "PER", attrs={"expert": True})
    relations = (
        Relation(head=quote.id, child=person.id, label="speaker"),
        Relation(head=quote.id, child=cue.id, label="cue", origin=Origin.SUGGESTED),
    )
    return annotated(
        article("berita/1", meta={"section": "sains", "rank": 3}, url="https://example.org/1"),
        (person, flag, cue, quote, claim, scientist),
        relations,
        annotator="rina",
        status=Status.IN_PROGRESS,
    )


def export(items: list[AnnotatedArticle], target: Path) -> ExportReport:
    report = ExportReport()
    brat.writer.write(items, target, SCHEMA, report)
    return report


def read(path: Path, **options: Any) -> list[ImportedDocument]:
    return list(brat.reader.read(path, ImportOptions(**options)))


def span_key(span: Span) -> tuple[Any, ...]:
    return (span.start, span.end, span.label, span.text, sorted(span.attrs.items()), span.origin)


def relation_keys(spans: list[Span] | tuple[Span, ...], relations: Any) -> set[tuple[Any, ...]]:
    by_id = {span.id: (span.start, span.end, span.label) for span in spans}
    return {(by_id[r.head], r.label, by_id[r.child], r.origin) for r in relations}


def ann_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# Round trip


@pytest.mark.parametrize("target_name", ["export", "export.zip"])
def test_a_missing_folder_is_reported_for_the_target_not_a_temporary_one(
    tmp_path: Path, target_name: str
) -> None:
    target = tmp_path / "missing" / target_name
    with pytest.raises(FileNotFoundError) as caught:
        export([sample()], target)
    assert caught.value.filename == str(target)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("target_name", ["export", "export.zip"])
def test_round_trip_keeps_text_spans_relations_and_attributes(
    tmp_path: Path, target_name: str
) -> None:
    item = sample()
    target = tmp_path / target_name
    report = export([item], target)
    assert report.records == 1
    assert report.omissions == []

    (document,) = read(target)
    assert document.article.text == TEXT
    assert document.article.external_id == "berita/1"
    assert document.article.title == "Title of berita/1"
    assert document.article.meta == {"section": "sains", "rank": 3}
    assert document.article.url == "https://example.org/1"
    assert document.annotator == "rina"
    assert document.status == Status.IN_PROGRESS
    expected_spans = item.annotations.spans
    assert sorted(map(span_key, document.spans)) == sorted(map(span_key, expected_spans))
    assert relation_keys(document.spans, document.relations) == relation_keys(
        expected_spans, item.annotations.relations
    )


def test_text_file_is_the_text_byte_for_byte(tmp_path: Path) -> None:
    export([sample()], tmp_path / "export")
    assert (tmp_path / "export" / "berita_1__rina.txt").read_bytes() == TEXT.encode("utf-8")

    export([sample()], tmp_path / "export.zip")
    with zipfile.ZipFile(tmp_path / "export.zip") as archive:
        assert archive.read("berita_1__rina.txt") == TEXT.encode("utf-8")
        assert sorted(archive.namelist()) == [
            "annotation.conf",
            "berita_1__rina.ann",
            "berita_1__rina.txt",
            "manifest.jsonl",
        ]


def test_ann_file_has_brat_lines_with_a_span_across_a_line_break_split_in_fragments(
    tmp_path: Path,
) -> None:
    text = 'Kata Joko: "aman\r\nsekali." 🇮🇩'
    quote = span_on(text, '"aman\r\nsekali."', "QUOTE", attrs={"type": "direct"})
    person = span_on(text, "Joko", "PER", origin=Origin.SUGGESTED)
    flag = span_on(text, "🇮🇩", "GPE")
    speaker = Relation(head=quote.id, child=person.id, label="speaker")
    export([annotated(article("a1", text), (quote, person, flag), (speaker,))], tmp_path / "out")

    assert ann_lines(tmp_path / "out" / "a1__ana.ann") == [
        'T1\tQUOTE 11 16;18 26\t"aman sekali."',
        "A1\ttype T1 direct",
        "T2\tPER 5 9\tJoko",
        "T3\tGPE 27 29\t🇮🇩",
        "R1\tspeaker Arg1:T1 Arg2:T2",
        "#1\tAnnotatorNotes T2\torigin: suggested",
    ]
    # brat's reference text: the fragments, joined by a space.
    assert text[11:16] + " " + text[18:26] == '"aman sekali."'


def test_annotation_conf_lists_the_schema_and_what_the_data_adds(tmp_path: Path) -> None:
    export([sample()], tmp_path / "out")
    conf = ann_lines(tmp_path / "out" / "annotation.conf")
    sections = [line for line in conf if line.startswith("[")]
    assert sections == ["[entities]", "[relations]", "[events]", "[attributes]"]
    entities = conf[conf.index("[entities]") + 1 : conf.index("[relations]") - 1]
    assert entities == ["PER", "GPE", "QUOTE", "CUE", "CLAIM"]
    assert "speaker\tArg1:QUOTE, Arg2:PER|GPE" in conf
    assert "claimant\tArg1:CLAIM, Arg2:PER" in conf
    assert "type\tArg:QUOTE, Value:direct|indirect|mixed" in conf
    assert "checkworthy\tArg:CLAIM, Value:checkworthy|not_factual" in conf
    assert "expert\tArg:PER" in conf  # a binary attribute the schema does not declare


def test_derived_claimant_is_written_with_a_note_and_recomputed_not_read(tmp_path: Path) -> None:
    text = 'Joko berkata: "Harga beras turun."'
    person = span_on(text, "Joko", "PER")
    quote = span_on(text, '"Harga beras turun."', "QUOTE")
    claim = span_on(text, "Harga beras turun", "CLAIM")
    speaker = Relation(head=quote.id, child=person.id, label="speaker")
    item = annotated(article("a1", text), (person, quote, claim), (speaker,))
    export([item], tmp_path / "out")

    lines = ann_lines(tmp_path / "out" / "a1__ana.ann")
    assert "R2\tclaimant Arg1:T3 Arg2:T1" in lines
    assert "#1\tAnnotatorNotes R2\torigin: derived" in lines
    (document,) = read(tmp_path / "out")
    assert [relation.label for relation in document.relations] == ["speaker"]


def test_file_names_are_safe_and_unique(tmp_path: Path) -> None:
    text = "Joko datang."
    items = [
        annotated(article("../etc/passwd", text)),
        annotated(article("A:B", text), annotator="x y"),
        annotated(article("a?b", text), annotator="X Y"),
        annotated(article(".hidden", text)),
    ]
    export(items, tmp_path / "out")
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == [
        "A_B__x_y.ann",
        "A_B__x_y.txt",
        "_etc_passwd__ana.ann",
        "_etc_passwd__ana.txt",
        "a_b__X_Y-2.ann",
        "a_b__X_Y-2.txt",
        "annotation.conf",
        "hidden__ana.ann",
        "hidden__ana.txt",
        "manifest.jsonl",
    ]
    documents = read(tmp_path / "out")
    assert [(d.article.external_id, d.annotator) for d in documents] == [
        ("../etc/passwd", "ana"),
        ("A:B", "x y"),
        ("a?b", "X Y"),
        (".hidden", "ana"),
    ]


# What brat cannot carry is reported


def test_what_brat_cannot_carry_is_reported(tmp_path: Path) -> None:
    text = "Joko:\r\n\r\nBudi berkata ya\n"
    only_breaks = Span.of(text, 5, 9, "CUE")
    edge = span_on(text, "Budi berkata ya\n", "QUOTE", attrs={"type": "very direct", "n": 2})
    person = span_on(text, "Joko", "PER")
    item = annotated(
        article("a1", text),
        (only_breaks, edge, person),
        (
            Relation(head=edge.id, child=only_breaks.id, label="cue"),
            Relation(head=edge.id, child=person.id, label="speaker"),
        ),
    )
    report = export([item], tmp_path / "out")
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("span CUE [5, 9)", "a brat text-bound annotation cannot be only line breaks"),
        (
            "line break at the edge of span QUOTE [9, 25)",
            "a brat text-bound annotation cannot start or end with a line break; "
            "the span was written without it",
        ),
        (
            "attribute type='very direct' of span QUOTE [9, 25)",
            "a brat attribute is a one-word name with an optional one-word value",
        ),
        (
            "attribute n=2 of span QUOTE [9, 25)",
            "a brat attribute is a one-word name with an optional one-word value",
        ),
        ("relation cue (QUOTE [9, 25) -> CUE [5, 9))", "a span it links was not written"),
    ]
    assert {(o.article_id, o.annotator) for o in report.omissions} == {("a1", "ana")}
    assert ann_lines(tmp_path / "out" / "a1__ana.ann") == [
        "T1\tQUOTE 9 24\tBudi berkata ya",
        "T2\tPER 0 4\tJoko",
        "R1\tspeaker Arg1:T1 Arg2:T2",
    ]


def test_a_note_is_written_as_annotator_notes_and_read_back(tmp_path: Path) -> None:
    text = "Joko berkata: ya."
    person = span_on(text, "Joko", "PER", attrs={"note": "Wali kota\tSolo ", "expert": True})
    cue = span_on(text, "berkata", "CUE", attrs={"note": "kata kerja"}, origin=Origin.SUGGESTED)
    item = annotated(article("a1", text), (person, cue))
    report = export([item], tmp_path / "out")
    assert report.omissions == []
    assert ann_lines(tmp_path / "out" / "a1__ana.ann") == [
        "T1\tPER 0 4\tJoko",
        "A1\texpert T1",
        "T2\tCUE 5 12\tberkata",
        "#1\tAnnotatorNotes T1\tWali kota\tSolo ",
        "#2\tAnnotatorNotes T2\tkata kerja",
        "#3\tAnnotatorNotes T2\torigin: suggested",
    ]
    assert not any(line.startswith("note") for line in ann_lines(tmp_path / "out" / brat.CONF))
    (document,) = read(tmp_path / "out")
    assert sorted(map(span_key, document.spans)) == sorted(map(span_key, (person, cue)))


def test_notes_brat_cannot_hold_are_reported(tmp_path: Path) -> None:
    text = "Joko berkata: ya."
    person = span_on(text, "Joko", "PER", attrs={"note": "baris satu\nbaris dua"})
    cue = span_on(text, "berkata", "CUE", attrs={"note": "origin: unknown"})
    report = export([annotated(article("a1", text), (person, cue))], tmp_path / "out")
    assert [(o.what, o.reason) for o in report.omissions] == [
        ("note 'baris satu\\nbaris dua' of span PER [0, 4)", "a brat note is one line"),
        (
            "note 'origin: unknown' of span CUE [5, 12)",
            "a brat note starting with 'origin: ' is read as an origin",
        ),
    ]
    assert ann_lines(tmp_path / "out" / "a1__ana.ann") == [
        "T1\tPER 0 4\tJoko",
        "T2\tCUE 5 12\tberkata",
    ]


@pytest.mark.parametrize("target_name", ["export", "export.zip"])
def test_span_not_matching_its_text_writes_nothing(tmp_path: Path, target_name: str) -> None:
    text = "Joko datang."
    wrong = Span(start=0, end=4, label="PER", text="Budi")
    with pytest.raises(ExportError, match="should read 'Budi' but the text there is 'Joko'"):
        export(
            [annotated(article("ok", text)), annotated(article("a1", text), (wrong,))],
            tmp_path / target_name,
        )
    assert list(tmp_path.iterdir()) == []


# Writing a folder


def test_an_earlier_export_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out"
    export([annotated(article("old", "Lama."))], target)
    export([annotated(article("new", "Baru."))], target)
    assert sorted(path.name for path in target.iterdir()) == [
        "annotation.conf",
        "manifest.jsonl",
        "new__ana.ann",
        "new__ana.txt",
    ]
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_an_unrelated_folder_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "documents"
    target.mkdir()
    (target / "thesis.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="is not an earlier brat export"):
        export([annotated(article("a1", "Teks."))], target)
    assert [path.name for path in target.iterdir()] == ["thesis.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["documents"]


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    export([annotated(article("a1", "Teks."))], target)
    assert (target / "a1__ana.txt").read_text() == "Teks."


def test_a_link_to_an_earlier_export_is_followed_and_stays(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    export([annotated(article("old", "Lama."))], tmp_path / "runs" / "today")
    link = tmp_path / "latest"
    link.symlink_to(Path("runs") / "today", target_is_directory=True)
    export([annotated(article("new", "Baru."))], link)
    assert link.is_symlink()
    assert (tmp_path / "runs" / "today" / "new__ana.txt").read_text() == "Baru."
    assert not (tmp_path / "runs" / "today" / "old__ana.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "runs"]
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["today"]


# Writing a zip


def test_a_link_to_a_zip_is_followed_and_stays(tmp_path: Path) -> None:
    real = tmp_path / "export.zip"
    real.write_bytes(b"previous")
    link = tmp_path / "latest.zip"
    link.symlink_to(real)
    export([annotated(article("a1", "Teks."))], link)
    assert link.is_symlink()
    with zipfile.ZipFile(real) as archive:
        assert archive.read("a1__ana.txt") == b"Teks."


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_gets_a_zip_streamed_into_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    reader = fifo_with_reader(fifo)
    export([annotated(article("a1", "Teks."))], fifo)
    with zipfile.ZipFile(io.BytesIO(read_to_end(reader))) as archive:
        assert archive.read("a1__ana.txt") == b"Teks."
        assert "manifest.jsonl" in archive.namelist()
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


# Reading brat's own files


def only_document(path: Path, **options: Any) -> ImportedDocument:
    (document,) = read(path, **options)
    return document


@pytest.fixture(params=["folder", "zip"])
def fixture_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "folder":
        return FIXTURE
    target = tmp_path / "brat.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(FIXTURE.iterdir()):
            archive.write(path, f"collection/{path.name}")
    return target


def test_hand_written_brat_files_import(fixture_path: Path) -> None:
    document = only_document(fixture_path, annotator="rina")
    text = (FIXTURE / "news.txt").read_bytes().decode("utf-8")
    assert document.article.text == text
    expected_id = "news" if fixture_path == FIXTURE else "collection/news"
    assert document.article.external_id == expected_id
    assert document.article.title == text.splitlines()[0]
    assert document.annotator == "rina"
    assert document.status is None

    spans = {(s.label, s.start, s.end): s for s in document.spans}
    assert sorted(spans) == [
        ("CLAIM", 80, 118),
        ("CUE", 68, 78),
        ("CUE", 121, 128),
        ("GPE", 23, 30),
        ("PER", 49, 66),
        ("PER", 129, 136),
        ("QUOTE", 79, 120),
        ("QUOTE", 138, 167),  # the discontinuous T8, joined across its line break
    ]
    assert spans["QUOTE", 138, 167].text == '"pasukan kami\nakan bertahan."'
    assert spans["QUOTE", 138, 167].attrs == {"type": "direct"}
    assert spans["QUOTE", 79, 120].attrs == {"type": "direct"}
    assert spans["CLAIM", 80, 118].attrs == {"Uncertain": True}  # a binary attribute
    assert spans["PER", 49, 66].attrs == {"note": "Panglima Angkatan Darat Ukraina"}
    assert all(span.origin == Origin.MANUAL for span in document.spans)

    by_id = {span.id: (span.label, span.start) for span in document.spans}
    assert sorted((by_id[r.head], r.label, by_id[r.child]) for r in document.relations) == [
        (("QUOTE", 79), "cue", ("CUE", 68)),
        (("QUOTE", 79), "speaker", ("PER", 49)),
        (("QUOTE", 138), "cue", ("CUE", 121)),
        (("QUOTE", 138), "speaker", ("PER", 129)),
    ]


def brat_folder(tmp_path: Path, ann: str, text: str = "Joko berkata: ya.\nBudi diam.\n") -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / "doc.txt").write_bytes(text.encode())
    (folder / "doc.ann").write_bytes(ann.encode())
    return folder


def test_text_that_does_not_match_names_file_and_line(tmp_path: Path) -> None:
    folder = brat_folder(
        tmp_path, "T1\tPER 0 4\tJoko\nT2\tPER 18 22\tBoby\nR1\tspeaker Arg1:T1 Arg2:T2\n"
    )
    with pytest.raises(InvalidAnnotation) as info:
        read(folder)
    assert str(info.value) == (
        f"{folder / 'doc.ann'}:2: T2: reads 'Boby' but the text at 18 22 is 'Budi'"
    )


def test_invalid_annotations_can_be_skipped_and_are_listed(tmp_path: Path) -> None:
    folder = brat_folder(
        tmp_path,
        "T1\tPER 0 4\tJoko\n"
        "T2\tPER 18 22\tBoby\n"
        "R1\tspeaker Arg1:T1 Arg2:T2\n"
        "A1\ttype T2 direct\n"
        "E1\tSpeak:T1 Agent:T2\n"
        "T3\tCUE 5 12;14 16\tberkata ya\n"
        "T4\tPER 18 22\tBudi\n",
    )
    (document,) = read(folder, skip_invalid=True)
    assert [(s.label, s.text) for s in document.spans] == [("PER", "Joko"), ("PER", "Budi")]
    assert document.relations == []
    where = folder / "doc.ann"
    assert brat.reader.skipped == [
        f"{where}:5: E1: only text-bound (T), attribute (A), relation (R) and note (#) "
        "annotations can be imported",
        f"{where}:2: T2: reads 'Boby' but the text at 18 22 is 'Budi'",
        f"{where}:6: T3: its fragments are separated by ': ', not only whitespace; "
        "annotator spans are contiguous",
        f"{where}:3: R1: T2 is not an imported text-bound id",
    ]


def test_notes_that_cannot_be_imported_are_invalid(tmp_path: Path) -> None:
    folder = brat_folder(
        tmp_path,
        "T1\tPER 0 4\tJoko\n"
        "T2\tPER 18 22\tBudi\n"
        "R1\tspeaker Arg1:T1 Arg2:T2\n"
        "#1\tAnnotatorNotes R1\tdari wawancara\n"
        "#2\tAnnotatorNotes T1\tWali kota\n"
        "#3\tAnnotatorNotes T1\tGubernur\n"
        "#4\tFreeText T2\tcatatan\n",
    )
    where = folder / "doc.ann"
    with pytest.raises(InvalidAnnotation) as info:
        read(folder)
    assert str(info.value) == f"{where}:7: #4: only AnnotatorNotes notes can be imported"
    (document,) = read(folder, skip_invalid=True)
    assert [(s.text, s.attrs) for s in document.spans] == [
        ("Joko", {"note": "Wali kota"}),
        ("Budi", {}),
    ]
    assert len(document.relations) == 1
    assert brat.reader.skipped == [
        f"{where}:7: #4: only AnnotatorNotes notes can be imported",
        f"{where}:4: #1: R1 is not an imported text-bound id",
        f"{where}:6: #3: T1 already has attribute note",
    ]


@pytest.mark.parametrize("target_name", ["corpus", "corpus.zip"])
def test_an_ann_file_without_its_text_is_invalid(tmp_path: Path, target_name: str) -> None:
    folder = brat_folder(tmp_path, "T1\tPER 0 4\tJoko\n")
    (folder / "lost.ann").write_bytes(b"T1\tPER 0 4\tBudi\n")
    path = folder
    if target_name.endswith(".zip"):
        path = tmp_path / target_name
        with zipfile.ZipFile(path, "w") as archive:
            for member in sorted(folder.iterdir()):
                archive.write(member, f"berita/{member.name}")
    where = path / ("berita/lost.ann" if path != folder else "lost.ann")
    message = f"{where}: there is no lost.txt beside it, so its annotations cannot be imported"
    with pytest.raises(InvalidAnnotation) as info:
        read(path)
    assert str(info.value) == message
    (document,) = read(path, skip_invalid=True)
    assert [span.text for span in document.spans] == ["Joko"]
    assert brat.reader.skipped == [message]


def test_utf16_offsets_from_a_javascript_tool_are_recognised(tmp_path: Path) -> None:
    text = "😀 Joko 🇮🇩 datang."
    # UTF-16 offsets: each emoji counts two, the flag four.
    folder = brat_folder(tmp_path, "T1\tPER 3 7\tJoko\nT2\tGPE 8 12\t🇮🇩\n", text)
    spans = only_document(folder).spans
    assert [(s.start, s.end, s.text) for s in spans] == [(2, 6, "Joko"), (7, 9, "🇮🇩")]
    spans = only_document(folder, offset_unit=Unit.UTF16).spans
    assert [(s.start, s.end) for s in spans] == [(2, 6), (7, 9)]


def test_manifest_naming_a_missing_document_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out"
    export([annotated(article("a1", "Teks."))], target)
    (target / "a1__ana.txt").unlink()
    with pytest.raises(ImportFileError) as info:
        read(target)
    assert (
        str(info.value) == f"{target}: manifest.jsonl lists 'a1__ana' but there is no a1__ana.txt"
    )


def test_unsafe_archive_is_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "corpus")
    (tmp_path / "corpus" / "extra.txt").symlink_to(tmp_path / "corpus" / "news.txt")
    with pytest.raises(ImportFileError) as info:
        read(tmp_path / "corpus")
    assert "'extra.txt': symbolic link; refused" in str(info.value)


def test_ann_file_with_windows_line_endings_is_read(tmp_path: Path) -> None:
    folder = brat_folder(tmp_path, "T1\tPER 0 4\tJoko\r\nA1\tSpeaker T1\r\n")
    (span,) = only_document(folder).spans
    assert (span.text, span.attrs) == ("Joko", {"Speaker": True})


def test_damaged_manifest_line_is_refused_with_its_line(tmp_path: Path) -> None:
    target = tmp_path / "out"
    export([annotated(article("a1", "Teks."))], target)
    manifest = target / "manifest.jsonl"
    manifest.write_bytes(manifest.read_bytes() + b'{"file": "a2__ana"}\n')
    with pytest.raises(ImportFileError) as info:
        read(target)
    assert str(info.value) == f"{manifest}:2: article_id: Field required"

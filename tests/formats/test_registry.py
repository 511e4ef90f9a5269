import io
import sys
from pathlib import Path

import orjson
import pytest

from annotator.core.models import AnnotatedArticle, Annotations, Article, Relation, Span, Status
from annotator.core.schema import load_schema
from annotator.core.text import text_sha256
from annotator.formats.atomic import STANDARD_OUTPUT
from annotator.formats.base import ExportReport
from annotator.formats.native_jsonl import record, write_jsonl
from annotator.formats.registry import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    SINGLE_TEXT_FILE,
    FormatError,
    reader_for,
    writer_for,
)
from annotator.resources import default_schema_path

SCHEMA = load_schema(default_schema_path())
TEXT = "Ilmuwan 👩‍🔬 Siti Rahman berkata: “Kami siap.”"


def item() -> AnnotatedArticle:
    def on(needle: str, label: str) -> Span:
        start = TEXT.index(needle)
        return Span.of(TEXT, start, start + len(needle), label)

    per, quote = on("Siti Rahman", "PER"), on("“Kami siap.”", "QUOTE")
    return AnnotatedArticle(
        article=Article(
            id=1, external_id="a1", title="T", text=TEXT, text_sha256=text_sha256(TEXT)
        ),
        annotations=Annotations(
            article_id=1,
            annotator="ana",
            status=Status.DONE,
            spans=(per, quote),
            relations=(Relation(head=quote.id, child=per.id, label="speaker"),),
        ),
    )


def test_the_command_line_formats() -> None:
    assert EXPORT_FORMATS == (
        "jsonl",
        "spacy",
        "prodigy",
        "doccano",
        "doccano-rel",
        "labelstudio",
        "brat",
        "conll",
    )
    assert IMPORT_FORMATS == ("jsonl", "prodigy", "doccano", "doccano-rel", "labelstudio", "brat")
    assert set(EXPORT_FORMATS) - SINGLE_TEXT_FILE == {"spacy", "brat"}


@pytest.mark.parametrize("name", EXPORT_FORMATS)
def test_every_export_format_has_a_writer_of_that_name(name: str) -> None:
    writer = writer_for(name)
    assert writer.name == name
    assert writer.suffix.startswith(".")
    assert callable(writer.write)


@pytest.mark.parametrize("name", IMPORT_FORMATS)
def test_every_import_format_has_a_reader_of_that_name(name: str) -> None:
    reader = reader_for(name)
    assert reader.name == name
    assert callable(reader.read)


def test_unknown_formats_are_refused_with_the_known_ones() -> None:
    with pytest.raises(FormatError, match=r"no export format 'csv'; the formats are: jsonl, "):
        writer_for("csv")
    with pytest.raises(FormatError, match="no import format 'conll'"):
        reader_for("conll")


def test_alignment_is_for_spacy_only() -> None:
    pytest.importorskip("spacy")
    assert writer_for("spacy").align == "strict"  # type: ignore[attr-defined]
    assert writer_for("spacy", "expand").align == "expand"  # type: ignore[attr-defined]
    with pytest.raises(FormatError, match="alignment applies only to the spacy format"):
        writer_for("jsonl", "expand")
    with pytest.raises(FormatError, match="alignment must be one of strict, expand"):
        writer_for("spacy", "loose")  # type: ignore[arg-type]


def test_missing_optional_dependency_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)  # as if spaCy were not installed
    with pytest.raises(
        FormatError, match=r"the spacy format needs spacy.*pip install 'annotator\[spacy\]'"
    ):
        writer_for("spacy")


def test_native_writer_writes_the_native_records_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    report = ExportReport()
    items = [item(), item()]
    writer_for("jsonl").write(iter(items), target, SCHEMA, report)
    lines = target.read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == [record(i, SCHEMA) for i in items]
    # The derived claimant is not here (no claim), the stored speaker relation is.
    assert [r["label"] for r in orjson.loads(lines[0])["relations"]] == ["speaker"]
    assert report.records == 2
    assert report.omissions == []
    buffer = io.BytesIO()
    write_jsonl(items, buffer, SCHEMA)
    assert target.read_bytes() == buffer.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_native_writer_to_standard_output(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    report = ExportReport()
    writer_for("jsonl").write([item()], STANDARD_OUTPUT, SCHEMA, report)
    (line,) = capsysbinary.readouterr().out.splitlines()
    assert orjson.loads(line)["text"] == TEXT
    assert report.records == 1

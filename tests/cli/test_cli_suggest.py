import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from cli_helpers import assert_clean_error, run_cli

from annotator.cli import build_parser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_articles" / "000_b9d6f5e61d96cdcf.txt"


def records(out: str) -> list[dict[str, Any]]:
    assert out == "" or out.endswith("\n")
    return [orjson.loads(line) for line in out.splitlines()]


def ranges(record: dict[str, Any]) -> list[dict[str, Any]]:
    found = [*record["content"], record["cue"], record["speaker"]]
    return [part for part in found if part is not None]


def at(text: str, needle: str, after: int = 0) -> dict[str, Any]:
    start = text.index(needle, after)
    return {"start": start, "end": start + len(needle), "text": needle}


def jsonl(path: Path, *lines: bytes | dict[str, object]) -> Path:
    path.write_bytes(
        b"".join(
            (line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines
        )
    )
    return path


def test_sample_article(capsys: pytest.CaptureFixture[str]) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    result = run_cli(capsys, "suggest", str(SAMPLE))

    assert result.code == 0, result.err
    assert result.err == ""
    found = records(result.out)
    assert len(found) == 6
    for record in found:
        assert record["article_id"] == "000_b9d6f5e61d96cdcf"
        for part in ranges(record):
            assert text[part["start"] : part["end"]] == part["text"]
    opening = "“Kami tidak dapat sepenuhnya memahami detailnya"
    closing = "perencanaan kampanye operasional yang tersedia,”"
    start = text.index(opening)
    end = text.index(closing) + len(closing)
    cue = at(text, "kata Zagorodnyuk")
    cue["end"], cue["text"] = cue["start"] + len("kata"), "kata"
    expected = {
        "article_id": "000_b9d6f5e61d96cdcf",
        "content": [{"start": start, "end": end, "text": text[start:end]}],
        "cue": cue,
        "speaker": at(text, "Zagorodnyuk", cue["end"]),
        "floating": False,
    }
    assert expected in found
    assert [list(record) for record in found] == [
        ["article_id", "content", "cue", "speaker", "floating"]
    ] * 6


def test_jsonl_offsets_are_code_points(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "😀🇮🇩 Banjir di kota.\n“Kami siap membantu warga,” kata Budi.\nTanpa kutipan."
    path = jsonl(
        tmp_path / "batch.jsonl",
        {"id": "e1", "text": text, "language": "id"},
        {"id": "e2", "text": "No quotation here."},
    )

    result = run_cli(capsys, "suggest", str(path))

    assert result.code == 0, result.err
    (record,) = records(result.out)
    quote = "“Kami siap membantu warga,”"
    assert record == {
        "article_id": "e1",
        "content": [at(text, quote)],
        "cue": at(text, "kata"),
        "speaker": at(text, "Budi"),
        "floating": False,
    }
    # 😀 is one code point and the flag two (UTF-16 would count six, UTF-8 twelve).
    assert record["content"][0]["start"] == 20


def test_floating_quotation_has_no_cue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "Pertemuan berlangsung lama.\n“Semua pihak harus menahan diri, tanpa kecuali.”"
    path = jsonl(tmp_path / "f.jsonl", {"id": "f1", "text": text})

    result = run_cli(capsys, "suggest", str(path))

    assert result.code == 0, result.err
    (record,) = records(result.out)
    assert record == {
        "article_id": "f1",
        "content": [at(text, "“Semua pihak harus menahan diri, tanpa kecuali.”")],
        "cue": None,
        "speaker": None,
        "floating": True,
    }


def test_folder_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(
        'Judul\r\n"Kami akan datang besok pagi," kata Andi.\r\n', encoding="utf-8"
    )
    jsonl(folder / "sub" / "b.jsonl", {"id": "b1", "text": 'Rina said, "We are ready."'})
    (folder / "notes.md").write_text('"Not an article," she said.', encoding="utf-8")

    result = run_cli(capsys, "suggest", str(folder))

    assert result.code == 0, result.err
    found = records(result.out)
    assert [(r["article_id"], r["speaker"]["text"]) for r in found] == [
        ("a", "Andi"),
        ("b1", "Rina"),
    ]
    # The .txt text is read as import stores it: line endings become \n.
    assert found[0]["content"][0]["start"] == len("Judul\n")


def test_bad_file_is_reported_and_the_others_are_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = jsonl(tmp_path / "good.jsonl", {"id": "g1", "text": '"Kami siap bekerja," kata Ani.'})
    bad = jsonl(
        tmp_path / "bad.jsonl",
        {"id": "x1", "text": '"Ini tidak dicetak," kata Budi.'},
        b'{"id": "x2", "text": ',
    )
    missing = tmp_path / "missing.txt"

    result = run_cli(capsys, "suggest", str(bad), str(missing), str(good))

    assert_clean_error(
        result, f"{bad}:2: malformed JSON", "no suggestions from this file", f"{missing}: no such"
    )
    assert len(result.err.splitlines()) == 2
    assert [record["article_id"] for record in records(result.out)] == ["g1"]


def test_needs_no_database(
    tmp_path: Path,
    isolated_user_data: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run_cli(capsys, "suggest", str(SAMPLE)).code == 0
    assert not isolated_user_data.exists()
    assert not (tmp_path / "home").exists()
    assert not (tmp_path / "xdg").exists()
    named = tmp_path / "named.db"
    monkeypatch.setenv("ANNOTATOR_DB", f"sqlite:///{named}")
    assert run_cli(capsys, "--db", f"sqlite:///{named}", "suggest", str(SAMPLE)).code == 0
    assert list(tmp_path.iterdir()) == []


def test_listed_in_the_help() -> None:
    assert "suggest" in build_parser().format_help()


def test_reader_closing_early_ends_quietly(tmp_path: Path) -> None:
    quote = '"Kami siap membantu warga yang terdampak banjir," kata Budi.'
    path = jsonl(tmp_path / "many.jsonl", *({"id": f"n{i}", "text": quote} for i in range(20000)))
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    with subprocess.Popen(
        [sys.executable, "-m", "annotator", "suggest", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert orjson.loads(process.stdout.readline())["article_id"] == "n0"
        process.stdout.close()
        err = process.stderr.read()
    assert process.returncode == 1
    assert err == b""

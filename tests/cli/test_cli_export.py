import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from cli_helpers import assert_clean_error, run_cli

from annotator.core.models import ArticleIn, Relation, Span, Status
from annotator.formats.native_jsonl import ExportRecord
from annotator.storage.store import Store

TEXTS = {
    "a1": "Presiden Joko Widodo bertemu Volodymyr Zelensky di Kyiv.",
    "a2": "Halo 😀 dunia\r\nZelensky\u2028berbicara di Jakarta.",
    "a3": "Artikel tanpa anotasi sama sekali.",
}


def span_on(text: str, needle: str, label: str) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label)


@pytest.fixture
def annotated_db(db_url: str) -> Iterator[str]:
    """a1: ana (done, with a relation) and budi (in progress); a2: budi (done); a3: nothing."""
    store = Store.open(db_url)
    try:
        store.import_articles(
            ArticleIn(external_id=key, title=f"Title {key}", text=text, meta={"key": key})
            for key, text in TEXTS.items()
        )
        ids = {key: store.find_article(key) for key in TEXTS}
        a1, a2 = ids["a1"], ids["a2"]
        assert a1 is not None and a2 is not None
        store.add_span(a2, "budi", span_on(TEXTS["a2"], "Zelensky", "PER"))
        store.add_span(a2, "budi", span_on(TEXTS["a2"], "😀", "EMOJI"))
        store.set_status(a2, "budi", Status.DONE)
        joko = store.add_span(a1, "ana", span_on(TEXTS["a1"], "Joko Widodo", "PER"))
        kyiv = store.add_span(a1, "ana", span_on(TEXTS["a1"], "Kyiv", "LOC"))
        store.add_relation(a1, "ana", Relation(head=joko.id, child=kyiv.id, label="VISITS"))
        store.set_status(a1, "ana", Status.DONE)
        store.add_span(a1, "budi", span_on(TEXTS["a1"], "Volodymyr Zelensky", "PER"))
        store.set_status(ids["a3"] or 0, "ana", Status.DONE)  # done, but no span: not exported
    finally:
        store.close()
    yield db_url


def parse(data: bytes) -> list[ExportRecord]:
    assert data.endswith(b"\n")
    records = [ExportRecord.model_validate(orjson.loads(line)) for line in data[:-1].split(b"\n")]
    for record in records:
        for span in record.spans:
            assert record.text[span.start : span.end] == span.text
    return records


def pairs(records: list[ExportRecord]) -> set[tuple[str, str]]:
    return {(record.article_id, record.annotator) for record in records}


def test_export_to_file(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export.jsonl"
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", str(out))
    assert result.code == 0, result.err
    assert f"3 records written to {out}" in result.err
    assert result.out == ""
    records = parse(out.read_bytes())
    assert pairs(records) == {("a1", "ana"), ("a1", "budi"), ("a2", "budi")}
    by_pair = {(r.article_id, r.annotator): r for r in records}
    ana = by_pair["a1", "ana"]
    assert ana.status is Status.DONE
    assert ana.title == "Title a1"
    assert ana.meta == {"key": "a1"}
    assert [(s.text, s.label) for s in ana.spans] == [("Joko Widodo", "PER"), ("Kyiv", "LOC")]
    (relation,) = ana.relations
    assert (relation.head, relation.child, relation.label) == (
        ana.spans[0].id,
        ana.spans[1].id,
        "VISITS",
    )
    emoji = by_pair["a2", "budi"]
    assert emoji.text == TEXTS["a2"]
    assert [(s.start, s.end, s.text) for s in emoji.spans] == [(5, 6, "😀"), (14, 22, "Zelensky")]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []


def test_export_to_stdout(annotated_db: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    from annotator.__main__ import main

    code = main(["export", "--db", annotated_db, "--out", "-"])
    captured = capsysbinary.readouterr()
    assert code == 0, captured.err
    assert pairs(parse(captured.out)) == {("a1", "ana"), ("a1", "budi"), ("a2", "budi")}
    assert b"3 records written to -" in captured.err


def test_export_replaces_an_earlier_export(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export.jsonl"
    out.write_text("stale\n" * 1000)
    assert run_cli(capsys, "export", "--db", annotated_db, "--out", str(out)).code == 0
    assert len(parse(out.read_bytes())) == 3


def test_filter_by_annotator(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "budi.jsonl"
    result = run_cli(
        capsys, "export", "--db", annotated_db, "--out", str(out), "--annotator", "budi"
    )
    assert result.code == 0, result.err
    assert pairs(parse(out.read_bytes())) == {("a1", "budi"), ("a2", "budi")}


def test_filter_by_status(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "done.jsonl"
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", str(out), "--status", "done")
    assert result.code == 0, result.err
    records = parse(out.read_bytes())
    assert pairs(records) == {("a1", "ana"), ("a2", "budi")}
    assert {record.status for record in records} == {Status.DONE}


def test_filter_by_annotator_and_status(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.jsonl"
    argv = ["export", "--db", annotated_db, "--out", str(out), "--annotator", "budi"]
    assert run_cli(capsys, *argv, "--status", "in_progress").code == 0
    assert pairs(parse(out.read_bytes())) == {("a1", "budi")}
    result = run_cli(capsys, *argv, "--status", "skipped")
    assert result.code == 0
    assert out.read_bytes() == b""
    assert "0 records written" in result.err


def test_unknown_status_is_a_usage_error(
    annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        run_cli(capsys, "export", "--db", annotated_db, "--out", "-", "--status", "finished")
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# Errors


def test_export_into_a_missing_folder_is_a_clean_error(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "folder" / "export.jsonl"
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", str(out))
    assert_clean_error(result, f"cannot write {out}", "No such file or directory")
    assert ".part" not in result.err
    assert not (tmp_path / "no").exists()


def test_export_onto_a_folder_is_a_clean_error(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", str(tmp_path / "taken"))
    assert_clean_error(result, f"cannot write {tmp_path / 'taken'}")
    assert list((tmp_path / "taken").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_corrupt_span_aborts_the_export_and_writes_nothing(
    tmp_path: Path, annotated_db: str, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE spans SET text = 'Kyev' WHERE text = 'Kyiv'")
    out = tmp_path / "export.jsonl"
    out.write_bytes(b"previous\n")
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", str(out))
    assert_clean_error(result, "'a1'", "'Kyev'", "nothing was written")
    assert out.read_bytes() == b"previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.parametrize("command", ["import", "export"])
def test_bad_database_url_is_a_clean_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(tmp_path / "a.txt")] if command == "import" else ["--out", "-"]
    result = run_cli(capsys, command, "--db", "nonsense://", *argv)
    assert_clean_error(result, "nonsense://")
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize("command", ["import", "export"])
def test_database_from_a_newer_version_is_a_clean_error(
    command: str,
    tmp_path: Path,
    annotated_db: str,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    article = tmp_path / "new.txt"
    article.write_text("New title\nNew body", encoding="utf-8")
    out = tmp_path / "export.jsonl"
    argv = [str(article)] if command == "import" else ["--out", str(out)]
    result = run_cli(capsys, command, "--db", annotated_db, *argv)
    assert_clean_error(result, "newer version of annotator")
    assert len(result.err.splitlines()) == 1
    assert not out.exists()
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT count(*) FROM articles").fetchone() == (3,)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////proc/annotator-no-such-folder/annotator.db",
        "sqlite:////proc/annotator.db",
    ],
)
@pytest.mark.parametrize("before_command", [False, True])
def test_unwritable_database_location_is_a_clean_error(
    url: str, before_command: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--out", str(tmp_path / "x.jsonl")]
    argv = ["--db", url, *argv] if before_command else [*argv, "--db", url]
    result = run_cli(capsys, *argv)
    assert_clean_error(result, url)
    assert len(result.err.splitlines()) == 1
    assert not (tmp_path / "x.jsonl").exists()


def test_file_that_is_not_a_database_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"just some notes, not SQLite\n" * 50)
    result = run_cli(capsys, "export", "--db", f"sqlite:///{path}", "--out", "-")
    assert_clean_error(result, "not a database")


# Where the output goes


def test_export_through_a_symlink_replaces_the_file_it_points_to(
    tmp_path: Path, annotated_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "exports" / "v1.jsonl"
    real.parent.mkdir()
    real.write_bytes(b"previous\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", str(link))
    assert result.code == 0, result.err
    assert link.is_symlink() and link.resolve() == real
    assert len(parse(real.read_bytes())) == 3


def test_export_to_a_pipe_by_its_dev_fd_name(tmp_path: Path, annotated_db: str) -> None:
    """As with ``--out >(wc -c)``, where the shell passes a pipe as /dev/fd/N. The test names
    it through a link made as /dev/fd is, so that a faulty export cannot touch /dev."""
    reading, writing = os.pipe()
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "fd").symlink_to("/proc/self/fd", target_is_directory=True)
    out = tmp_path / "fd" / str(writing)
    env = {**os.environ, "HOME": str(work), "XDG_DATA_HOME": str(work / "xdg")}
    argv = ["export", "--db", annotated_db, "--out", str(out)]
    with subprocess.Popen(
        [sys.executable, "-m", "annotator", *argv],
        pass_fds=[writing],
        stderr=subprocess.PIPE,
        env=env,
        cwd=work,
    ) as process:
        os.close(writing)
        with os.fdopen(reading, "rb") as pipe:
            data = pipe.read()
        assert process.stderr is not None
        err = process.stderr.read().decode()
    assert process.returncode == 0, err
    assert f"3 records written to {out}" in err
    assert len(parse(data)) == 3
    assert list(work.iterdir()) == []


def test_an_empty_out_is_a_clean_error(
    tmp_path: Path,
    annotated_db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", "")
    assert_clean_error(result, "--out is empty")
    assert len(result.err.splitlines()) == 1
    assert list((tmp_path / "work").iterdir()) == []


def same_database(db_path: Path) -> None:
    """The database still opens and holds what the fixture stored."""
    store = Store.open(f"sqlite:///{db_path}")
    try:
        assert store.stats().spans == 5
    finally:
        store.close()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("export_format", ["jsonl", "brat"])
def test_export_onto_the_database_is_refused(
    suffix: str,
    export_format: str,
    annotated_db: str,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = db_path.read_bytes()
    out = f"{db_path}{suffix}"
    result = run_cli(
        capsys, "export", "--db", annotated_db, "--format", export_format, "--out", out
    )
    assert_clean_error(result, f"cannot write {out}: it is a file of the database")
    assert len(result.err.splitlines()) == 1
    assert db_path.read_bytes() == before
    same_database(db_path)


@pytest.mark.parametrize("how", ["symlink", "hard link", "relative path"])
def test_export_onto_the_database_by_another_name_is_refused(
    how: str,
    tmp_path: Path,
    annotated_db: str,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = tmp_path / "other.db"
    if how == "symlink":
        other.symlink_to(db_path)
    elif how == "hard link":
        other.hardlink_to(db_path)
    else:
        monkeypatch.chdir(tmp_path)
        other = Path("db", "..", "db", db_path.name)
    result = run_cli(capsys, "export", "--db", annotated_db, "--out", str(other))
    assert_clean_error(result, f"cannot write {other}: it is a file of the database")
    same_database(db_path)


def test_export_onto_a_relative_database_url_is_refused(
    tmp_path: Path,
    annotated_db: str,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(db_path.parent)
    result = run_cli(capsys, "export", "--db", f"sqlite:///{db_path.name}", "--out", str(db_path))
    assert_clean_error(result, "it is a file of the database")
    same_database(db_path)

import argparse
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli

from annotator import cli
from annotator.__main__ import main
from annotator.core.models import ArticleIn, Span
from annotator.core.text import text_sha256
from annotator.storage.edit_journal import EditJournal, PendingEdit, journal_path
from annotator.storage.store import Store


def test_python_dash_m_annotator_help(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("ANNOTATOR_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: annotator")
    for word in ("import", "export", "--db"):
        assert word in done.stdout
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []  # --help opens no database


def annotator(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("ANNOTATOR_DB", None)
    env.pop("PYTHONUNBUFFERED", None)  # buffered output, as a user's shell gives it
    return subprocess.run(
        [sys.executable, "-m", "annotator", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def test_a_command_process_flushes_everything_and_keeps_its_status(tmp_path: Path) -> None:
    """Commands end their process without interpreter teardown: what they wrote must all be
    there, the database must be complete, and failures must keep their status."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    lines = [
        f'{{"id": "a{n}", "title": "T{n}", "text": "Teks nomor {n} 😀 {"x" * 3000}"}}'
        for n in range(300)
    ]
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = annotator(tmp_path, "import", "--db", db, str(source))
    assert imported.returncode == 0, imported.stderr
    assert "300 added" in imported.stderr + imported.stdout
    stats = annotator(tmp_path, "stats", "--db", db, "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 300
    records = []
    for n in range(300):
        text = f"Budi {n} 😀 berkata. " + "y" * 3000
        span = {"id": f"s{n}", "start": 0, "end": 4, "label": "PER", "text": "Budi"}
        records.append(
            {
                "article_id": f"b{n}",
                "title": f"B{n}",
                "text": text,
                "text_sha256": text_sha256(text),
                "meta": {},
                "annotator": "ana",
                "status": "done",
                "spans": [{**span, "attrs": {}, "origin": "manual"}],
                "relations": [],
            }
        )
    annotated = tmp_path / "annotated.jsonl"
    annotated.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert (
        annotator(tmp_path, "import", "--format", "jsonl", "--db", db, str(annotated)).returncode
        == 0
    )
    exported = annotator(tmp_path, "export", "--db", db, "--out", "-")
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(line)["article_id"] for line in exported.stdout.splitlines()] == [
        r["article_id"] for r in records
    ]
    missing = annotator(tmp_path, "import", "--db", db, str(tmp_path / "nope.jsonl"))
    assert missing.returncode != 0
    assert "nope.jsonl" in missing.stderr


def test_a_command_started_without_standard_output_still_succeeds(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("PYTHONUNBUFFERED", None)
    done = subprocess.run(  # standard output closed, as with "annotator stats >&-"
        [
            "sh",
            "-c",
            'exec "$0" -m annotator stats --db "$1" >&-',
            sys.executable,
            f"sqlite:///{tmp_path / 'a.db'}",
        ],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_output_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("PYTHONUNBUFFERED", None)
    with open("/dev/full", "w") as full:  # every write fails: no space left on device
        done = subprocess.run(
            [sys.executable, "-m", "annotator", "stats", "--db", f"sqlite:///{tmp_path / 'a.db'}"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            check=False,
        )
    assert done.returncode != 0
    assert "output not written" in done.stderr


# Runs a command as ``python -m annotator`` does, then names the modules it imported of those
# only edits need.
_IMPORTED_FOR_EDITS = """
import sys
from annotator import cli
from annotator.__main__ import main
code = main(sys.argv[1:])
edits_only = ("sqlalchemy.orm", "annotator.storage.orm", "annotator.storage.edits")
print("imported:", [name for name in edits_only if name in sys.modules])
sys.exit(code)
"""


def test_commands_that_do_not_edit_never_import_the_orm(tmp_path: Path) -> None:
    """The ORM takes about 50 ms to import; only interactive edits use it."""
    text = "Presiden Joko Widodo bertemu wartawan di Jakarta."
    start = text.index("Joko Widodo")
    record = {
        "article_id": "a1",
        "title": "Presiden",
        "text": text,
        "text_sha256": text_sha256(text),
        "meta": {},
        "source": "Antara",
        "url": "https://example.org/presiden",
        "published": "2024-05-01",
        "language": "id",
        "annotator": "ana",
        "status": "done",
        "spans": [
            {
                "id": "s1",
                "start": start,
                "end": start + 11,
                "label": "PER",
                "text": "Joko Widodo",
                "attrs": {},
                "origin": "manual",
            }
        ],
        "relations": [],
    }
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'work.db'}"
    commands = [
        ["import", "--format", "jsonl", "--db", db, str(data)],
        ["export", "--db", db, "--out", str(tmp_path / "out.jsonl")],
        ["stats", "--db", db],
    ]
    for argv in commands:
        done = subprocess.run(
            [sys.executable, "-c", _IMPORTED_FOR_EDITS, *argv],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1] == "imported: []", argv
    exported = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert exported == record


def test_a_command_runs_with_the_collector_paused_and_restores_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert run_cli(capsys, "stats", "--db", url).code == 0  # creates the database
    command, running = cli.run, False
    during: list[int] = []  # generations of the collections started while the command ran

    def run(args: argparse.Namespace) -> int:
        nonlocal running
        running = True
        try:
            return command(args)
        finally:
            running = False

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and running:
            during.append(info["generation"])

    monkeypatch.setattr(cli, "run", run)
    gc.callbacks.append(count)
    try:
        code = main(["stats", "--db", url])
    finally:
        gc.callbacks.remove(count)
    assert code == 0, capsys.readouterr().err
    assert during == []
    assert gc.isenabled()


@pytest.fixture
def printable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """A database with an annotated article, the article file, an export of it, and a link to
    standard output made as /dev/stdout is (the real one must not be an export's target in a
    test: a faulty export run as root would replace it)."""
    text = '"Kami siap membantu," kata Budi.'
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"id": "a1", "text": text}) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'a.db'}"
    store = Store.open(db)
    try:
        store.import_articles([ArticleIn(external_id="a1", title="a1", text=text)])
        article_id = store.find_article("a1")
        assert article_id is not None
        store.add_span(article_id, "ana", Span.of(text, 27, 31, "PER"))
    finally:
        store.close()
    export = tmp_path / "export.jsonl"
    assert run_cli(capsys, "export", "--db", db, "--out", str(export)).code == 0
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    return {"db": db, "articles": str(articles), "export": str(export), "stdout": str(stdout)}


@pytest.mark.parametrize(
    "argv",
    [
        ["stats", "--db", "{db}"],
        ["stats", "--json", "--db", "{db}"],
        ["export", "--db", "{db}", "--out", "-"],
        ["export", "--db", "{db}", "--format", "labelstudio", "--out", "-"],
        ["export", "--db", "{db}", "--out", "{stdout}"],
        ["validate", "{export}", "--format", "jsonl"],
        ["suggest", "{articles}"],
    ],
    ids=" ".join,
)
def test_a_reader_that_stops_early_ends_any_command_quietly(
    argv: list[str], printable: dict[str, str], tmp_path: Path
) -> None:
    """``annotator stats | head -1``: the reader had what it wanted, which is no error to
    report. The pipe is closed before the command starts, and its output is unbuffered, so
    that the command's first write meets the closed pipe."""
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "HOME": str(work), "XDG_DATA_HOME": str(work / "xdg")}
    env["PYTHONUNBUFFERED"] = "1"
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "annotator", *(part.format(**printable) for part in argv)],
            stdout=writing,
            stderr=subprocess.PIPE,
            env=env,
            cwd=work,
            check=False,
        )
    finally:
        os.close(writing)
    assert (done.returncode, done.stderr.decode()) == (1, "")
    assert list(work.iterdir()) == []


def test_a_command_of_the_program_ends_without_another_collection(tmp_path: Path) -> None:
    """``annotator`` ends a command with ``os._exit``: a collection before that, set off by the
    collector coming back on after the command, would only scan what is about to be dropped."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    program = (
        "import gc, os, sys\n"
        "from annotator.__main__ import entry\n"
        f"sys.argv = ['annotator', 'stats', '--db', {url!r}]\n"
        "gc.callbacks.append(lambda phase, info: os.write(2, b'collected\\n') "
        "if phase == 'start' else None)\n"
        "entry()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "articles" in done.stdout
    assert "collected" not in done.stderr


def test_a_command_warns_of_edits_a_window_left_unsaved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert run_cli(capsys, "stats", "--db", url).code == 0
    assert "warning" not in capsys.readouterr().err
    journal = EditJournal(journal_path(url))
    journal.add(PendingEdit(1, "delete_span", {"span_id": "s1"}))
    result = run_cli(capsys, "stats", "--db", url)
    assert result.code == 0
    assert result.err == (
        f"annotator: warning: 1 edits that a window could not save before it ended wait in "
        f"{journal.path}; the database lacks them until the window (annotator) is started again\n"
    )

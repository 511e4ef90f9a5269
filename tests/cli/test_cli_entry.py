import json
import os
import subprocess
import sys
from pathlib import Path


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
    missing = annotator(tmp_path, "import", "--db", db, str(tmp_path / "nope.jsonl"))
    assert missing.returncode != 0
    assert "nope.jsonl" in missing.stderr

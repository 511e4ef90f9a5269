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

"""Time a cold start of the window (process start to exit at first paint) against bare PySide6.

Run: .venv/bin/python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from workload import child_environment, median_ms, table, temp_dir, verdict

TARGET_RATIO = 2.0
BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
"""
HEAVY = ("sqlalchemy", "alembic", "pydantic", "orjson", "platformdirs", "tomllib")
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11, help="runs of each command (default 11)")
    args = parser.parse_args()
    runs = max(args.runs, 1)

    with temp_dir("annotator-bench-start-") as folder:
        tmp = Path(folder)
        env = child_environment()
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env["ANNOTATOR_EXIT_WHEN_SHOWN"] = "1"
        env["HOME"] = str(tmp / "home")  # QSettings and caches start empty and stay private
        env["XDG_CONFIG_HOME"] = str(tmp / "config")
        env["XDG_DATA_HOME"] = str(tmp / "data")
        env.pop("ANNOTATOR_DB", None)
        python = sys.executable
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "bare PySide6 window": [python, "-c", BARE],
            "annotator window": [
                python, "-m", "annotator", "--db", f"sqlite:///{tmp / 'start.db'}",
                "--user", "bench",
            ],
        }  # fmt: skip
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm-up: byte-code compilation, page cache
            run(command, env)
        for _ in range(runs):
            for name, command in commands.items():  # alternate, so drift affects all alike
                samples[name].append(run(command, env))
        imports = import_times(commands["annotator window"], env)

    bare_ms = median_ms(samples["bare PySide6 window"])
    rows = []
    for name, values in samples.items():
        ms = median_ms(values)
        is_app = name == "annotator window"
        rows.append(
            (
                name,
                ms,
                min(values) * 1000,
                max(values) * 1000,
                ms / bare_ms,
                f"<= {TARGET_RATIO:.1f}x" if is_app else "",
                verdict(ms / bare_ms <= TARGET_RATIO) if is_app else "",
            )
        )
    print(f"Cold start to first paint: median of {runs} runs each, alternating\n")
    print(table(("command", "median ms", "min ms", "max ms", "ratio to bare", "target", "result"),
                rows))  # fmt: skip
    top = sorted(imports, key=lambda row: -row[2])[:10]
    print("\nTop 10 imports by cumulative time (python -X importtime -m annotator ...)\n")
    print(table(("module", "self ms", "cumulative ms"), top))
    loaded = sorted({name.split(".")[0] for name, _, _ in imports} & set(HEAVY))
    print(
        "\nHeavy packages imported before the window shows: "
        + (", ".join(loaded) if loaded else "none")
    )


def run(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{command[:3]} failed ({completed.returncode}):\n{completed.stderr}")
    return elapsed


def import_times(command: list[str], env: dict[str, str]) -> list[tuple[str, float, float]]:
    """(module, self ms, cumulative ms) for every module the command imports."""
    completed = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in completed.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            own, cumulative, _indent, module = match.groups()
            rows.append((module, int(own) / 1000, int(cumulative) / 1000))
    return rows


if __name__ == "__main__":
    main()

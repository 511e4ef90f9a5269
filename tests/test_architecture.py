"""The layers point one way: core <- storage, formats <- cli, gui; only gui imports Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "annotator"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_gui_package_imports_qt() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "gui" not in path.relative_to(PACKAGE).parts
        and any(name.split(".")[0] in {"PySide6", "shiboken6"} for name in _imports(path))
    ]
    assert offenders == []


def test_widgets_never_import_sqlalchemy() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "gui").rglob("*.py")
        if any(name.split(".")[0] in {"sqlalchemy", "alembic"} for name in _imports(path))
    ]
    assert offenders == []


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], capture_output=True, text=True, cwd=PACKAGE.parents[1]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_importing_the_core_loads_neither_qt_nor_sqlalchemy() -> None:
    code = (
        "import sys, annotator.core.models, annotator.core.schema, annotator.core.offsets, "
        "annotator.core.selection, annotator.core.span_index, annotator.formats.native_jsonl; "
        "print(sorted(m for m in ('PySide6', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_the_window_shell_shows_before_heavy_modules_load() -> None:
    """Cold start: the empty window must not wait for pydantic, SQLAlchemy or Alembic."""
    code = (
        "import sys, annotator.__main__, annotator.gui.app, annotator.gui.main_window; "
        "print(sorted(m for m in ('pydantic', 'sqlalchemy', 'alembic') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr

"""The PySide6 window: the only package that imports Qt.

``create_main_window`` is the automation entry point documented in the README.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.gui.main_window import MainWindow


def create_main_window(db_url: str, user: str, schema_path: str | None = None) -> MainWindow:
    """A main window on ``db_url`` for ``user``, ready to show, without starting an event loop.

    A ``QApplication`` must exist. On an empty database the sample articles are imported.
    """
    from annotator.gui.main_window import MainWindow
    from annotator.gui.workspace import Workspace

    window = MainWindow()
    window.attach(Workspace.open(db_url, user, schema_path))
    return window


__all__ = ["create_main_window"]

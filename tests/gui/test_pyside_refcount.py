"""Regression guard: PySide6 6.12.0 on CPython < 3.12 drops a reference to None on every call
of a Qt method that returns nothing, until the interpreter aborts (``none_dealloc``).
pyproject.toml excludes that release there; this test catches any build that does it."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_void_qt_calls_keep_the_reference_count_of_none(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(20_000):
        widget.setToolTip("x")  # a void method
    after = sys.getrefcount(None)
    assert abs(after - before) < 1_000, f"None refcount moved from {before} to {after}"

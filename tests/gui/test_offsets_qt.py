"""OffsetMap checked against a real QPlainTextEdit."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from annotator.core.offsets import OffsetMap

PIECES = [
    "Bakhmut",
    "a",
    " ",
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "\u2029",
    "\x0b",
    "\x0c",
    "\x85",
    "\u0301",
    "e\u0301",
    "\U0001f600",  # 😀
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # 👩‍👩‍👧
    "\U0001f1ee\U0001f1e9",  # 🇮🇩
    "\U0001f44d\U0001f3fd",  # 👍🏽
    "\U0001d400",  # MATHEMATICAL BOLD CAPITAL A
    "\ufeff",  # a byte-order mark: Qt drops it at the very start of the text only
]

_BLOCK_BREAK = re.compile("\r\n|[\r\n\u2029]")

QT_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def shown(text: str, i: int) -> bool:
    """Whether a Qt position maps back to code point ``i``: not between the CR and LF of a
    line break, nor before a byte-order mark that opens the text (Qt shows neither)."""
    if i == 0:
        return not text.startswith("\ufeff")
    return not (i < len(text) and text[i - 1] == "\r" and text[i] == "\n")


@st.composite
def texts_with_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    text = draw(
        st.lists(
            st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=["Cs"])),
            max_size=40,
        ).map("".join)
    )
    boundaries = [i for i in range(len(text) + 1) if shown(text, i)]
    edges = st.sampled_from(boundaries)
    spans = draw(st.lists(st.tuples(edges, edges).map(lambda p: (min(p), max(p))), max_size=10))
    return text, spans


def as_selected_text(s: str) -> str:
    """What QTextCursor.selectedText() returns for `s`: block breaks become U+2029."""
    return _BLOCK_BREAK.sub("\u2029", s)


@pytest.fixture
def editor(qtbot: QtBot) -> QPlainTextEdit:
    widget = QPlainTextEdit()
    qtbot.addWidget(widget)
    return widget


@QT_SETTINGS
@given(case=texts_with_spans())
def test_spans_select_the_same_text_in_qt(
    editor: QPlainTextEdit, case: tuple[str, list[tuple[int, int]]]
) -> None:
    text, spans = case
    editor.setPlainText(text)
    doc = editor.document()
    offsets = OffsetMap(text)
    assert offsets.qt_length == doc.characterCount() - 1
    cursor = QTextCursor(doc)
    for start, end in spans:
        qt_start, qt_end = offsets.to_qt_range(start, end)
        cursor.setPosition(qt_start)
        cursor.setPosition(qt_end, QTextCursor.MoveMode.KeepAnchor)
        assert cursor.selectedText() == as_selected_text(text[start:end])
        assert offsets.from_qt_range(cursor.selectionStart(), cursor.selectionEnd()) == (
            start,
            end,
        )


@QT_SETTINGS
@given(case=texts_with_spans())
def test_block_positions_match_line_starts(
    editor: QPlainTextEdit, case: tuple[str, list[tuple[int, int]]]
) -> None:
    text, _ = case
    editor.setPlainText(text)
    doc = editor.document()
    offsets = OffsetMap(text)
    line_starts = [int(not shown(text, 0)), *(m.end() for m in _BLOCK_BREAK.finditer(text))]
    assert doc.blockCount() == len(line_starts)
    for number, line_start in enumerate(line_starts):
        position = doc.findBlockByNumber(number).position()
        assert offsets.to_qt(line_start) == position
        assert offsets.from_qt(position) == line_start


def test_a_text_that_opens_with_a_byte_order_mark(editor: QPlainTextEdit) -> None:
    """The cases the generated texts reach only now and then."""
    for text in ("\ufeff", "\ufeff\n", "\ufeffa\r\nb", "\ufeff\ufeff"):
        test_block_positions_match_line_starts.hypothesis.inner_test(editor, (text, []))
        spans = [(1, end) for end in range(1, len(text) + 1) if shown(text, end)]
        test_spans_select_the_same_text_in_qt.hypothesis.inner_test(editor, (text, spans))

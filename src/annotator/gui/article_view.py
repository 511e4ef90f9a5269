"""The article text: read-only, plain text only, selectable with mouse and keyboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from annotator.gui.highlighter import SpanHighlighter, tint

if TYPE_CHECKING:
    from annotator.core.models import Span
    from annotator.core.offsets import OffsetMap
    from annotator.core.span_index import SpanIndex


class ArticleView(QPlainTextEdit):
    """Shows one article; reports clicks and selections as code-point offsets."""

    clicked = Signal(int)  # code-point offset of a click without a selection

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleView")
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setUndoRedoEnabled(False)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 11.0) + 1)
        self.setFont(font)
        self.document().setDocumentMargin(12)
        self.highlighter = SpanHighlighter(self.document())
        self._offsets: OffsetMap | None = None
        self._colors: dict[str, str] = {}

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = dict(colors)
        self.highlighter.set_colors(colors)

    def show_text(self, text: str, offsets: OffsetMap, index: SpanIndex[Span]) -> None:
        """Display ``text`` (as plain text, never rich text) with its spans highlighted."""
        self.setExtraSelections([])
        self.highlighter.set_spans(index, offsets)
        self._offsets = offsets
        self.setPlainText(text)

    def clear_text(self) -> None:
        self.highlighter.set_spans(None, None)
        self._offsets = None
        self.setExtraSelections([])
        self.setPlainText("")

    def selection(self) -> tuple[int, int] | None:
        """The selected range in code points, or None when nothing is selected."""
        cursor = self.textCursor()
        if self._offsets is None or not cursor.hasSelection():
            return None
        return self._offsets.from_qt_range(cursor.selectionStart(), cursor.selectionEnd())

    def select_range(self, start: int, end: int) -> None:
        """Select code points ``[start, end)`` and scroll them into view."""
        if self._offsets is None:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._offsets.to_qt(start))
        cursor.setPosition(self._offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def collapse_selection_to(self, position: int) -> None:
        if self._offsets is None:
            return
        cursor = self.textCursor()
        cursor.setPosition(self._offsets.to_qt(position))
        self.setTextCursor(cursor)

    def mark_span(self, span: Span | None) -> None:
        """Outline the selected span: one extra selection, whatever the number of spans."""
        if span is None or self._offsets is None:
            self.setExtraSelections([])
            return
        marker = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._offsets.to_qt(span.start))
        cursor.setPosition(self._offsets.to_qt(span.end), QTextCursor.MoveMode.KeepAnchor)
        marker.cursor = cursor
        fmt = QTextCharFormat()
        color = QColor(self._colors.get(span.label, "#888888"))
        fmt.setBackground(tint(self._colors.get(span.label, "#888888"), 0.8))
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(color.darker(160))
        fmt.setFontUnderline(True)
        marker.format = fmt
        self.setExtraSelections([marker])
        self._reveal(cursor)

    def _reveal(self, cursor: QTextCursor) -> None:
        if not self.viewport().rect().intersects(self.cursorRect(cursor)):
            keep = self.textCursor()
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
            self.setTextCursor(keep)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self._offsets is None:
            return
        if not self.textCursor().hasSelection():
            position = self.cursorForPosition(event.position().toPoint()).position()
            self.clicked.emit(self._offsets.from_qt(position))

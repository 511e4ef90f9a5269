"""The article text: read-only, plain text only, selectable with mouse and keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QPaintEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from annotator.gui.highlighter import SpanFormatter, tint

if TYPE_CHECKING:
    from annotator.core.offsets import OffsetMap
    from annotator.gui.document import ArticleDocument


class Marked(Protocol):
    """Anything with a range and a label: a span or a suggestion part."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...


class ArticleView(QPlainTextEdit):
    """Shows one article; reports clicks and selections as code-point offsets."""

    clicked = Signal(int)  # code-point offset of a click without a selection
    shown = Signal(object)  # ArticleDocument: its text has been painted for the first time
    painted = Signal()  # the text has been painted

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
        self.highlighter = SpanFormatter(self)  # before the font: a font change formats
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 11.0) + 1)
        self.setFont(font)
        self.document().setDocumentMargin(12)
        self._offsets: OffsetMap | None = None
        self._colors: dict[str, str] = {}
        self._unpainted: ArticleDocument | None = None

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = dict(colors)
        self.highlighter.set_colors(colors)

    def characters_on_screen(self) -> int:
        """About the most characters one screenful of dense text shows: lines that fit times
        characters of average width per line, with a quarter more for narrow letters."""
        metrics = self.fontMetrics()
        viewport = self.viewport()
        lines = viewport.height() // max(metrics.lineSpacing(), 1) + 1
        per_line = viewport.width() // max(metrics.averageCharWidth(), 1) + 1
        return lines * per_line * 5 // 4

    def show_article(self, document: ArticleDocument) -> None:
        """Display the article text (as plain text, never rich text) with its spans."""
        self.setExtraSelections([])
        # Nothing is formatted while the text is replaced: the scroll bar moving back to the
        # top would otherwise format the emptied document's first block for the new article.
        self.highlighter.set_article(None)
        self._offsets = document.offsets
        self.setPlainText(document.text)
        self.highlighter.set_article(document)
        self.highlighter.format_visible()
        self._unpainted = document

    def clear_article(self) -> None:
        """Show nothing (the article shown is being dropped)."""
        self.setExtraSelections([])
        self.highlighter.set_article(None)
        self._offsets = None
        self._unpainted = None
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

    def mark(
        self,
        selected: Sequence[Marked] = (),
        linked: Sequence[Marked] = (),
        candidate: Marked | None = None,
    ) -> None:
        """Outline the selected span (or suggestion parts), the spans linked to it, and in
        link mode the candidate: a handful of extra selections, whatever the number of spans."""
        if self._offsets is None:
            self.setExtraSelections([])
            return
        markers = [self._marker(item, "selected") for item in selected]
        markers += [self._marker(item, "linked") for item in linked]
        if candidate is not None:
            markers.append(self._marker(candidate, "candidate"))
        self.setExtraSelections(markers)
        if markers:
            self._reveal(markers[-1 if candidate is not None else 0].cursor)

    def _marker(self, item: Marked, role: str) -> QTextEdit.ExtraSelection:
        assert self._offsets is not None
        marker = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._offsets.to_qt(item.start))
        cursor.setPosition(self._offsets.to_qt(item.end), QTextCursor.MoveMode.KeepAnchor)
        marker.cursor = cursor
        color = self._colors.get(item.label, "#888888")
        fmt = QTextCharFormat()
        if role == "selected":
            fmt.setBackground(tint(color, 0.8))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(color).darker(160))
        elif role == "linked":
            fmt.setBackground(tint(color, 0.65))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(QColor("#202020"))
        else:
            fmt.setBackground(QColor("#fff3b0"))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashDotLine)
            fmt.setUnderlineColor(QColor("#d00000"))
        fmt.setFontUnderline(True)
        marker.format = fmt
        return marker

    def _reveal(self, cursor: QTextCursor) -> None:
        if not self.viewport().rect().intersects(self.cursorRect(cursor)):
            # The cursor moves there and back only to scroll: no one is told of a selection.
            with QSignalBlocker(self):
                keep = self.textCursor()
                self.setTextCursor(cursor)
                self.ensureCursorVisible()
                self.setTextCursor(keep)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit()
        if self._unpainted is not None:
            document, self._unpainted = self._unpainted, None
            self.shown.emit(document)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # A zoom (Ctrl+wheel) or another font can bring more blocks on screen, without a
        # scroll or a resize.
        if event.type() == QEvent.Type.FontChange:
            self.highlighter.format_visible()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.highlighter.format_visible()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self._offsets is None:
            return
        if not self.textCursor().hasSelection():
            position = self.cursorForPosition(event.position().toPoint()).position()
            self.clicked.emit(self._offsets.from_qt(position))

"""Span highlighting that costs only what is on screen.

Formats are computed per text block from the document's span index and set on the block's
layout (as a QSyntaxHighlighter would), but only for the blocks in and near the viewport:
opening a 1M-character article formats a screenful (and has the document read only the
spans that start before its end), scrolling formats what comes into view, and a change
reformats only the blocks it touches. The innermost span of a character gives
its background; an enclosing span shows as an underline in its own colour, so nesting stays
visible. Open suggestions, where no span is, show as a dashed underline and coloured text.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QTextBlock, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit

if TYPE_CHECKING:
    from annotator.core.models import Span
    from annotator.core.span_index import Ranged
    from annotator.gui.document import ArticleDocument, SuggestionPart


def _length(item: Ranged) -> int:
    return item.end - item.start


def tint(color: str, strength: float = 0.45) -> QColor:
    """``color`` blended with white, readable as a background behind black text."""
    base = QColor(color)
    return QColor(
        round(255 + (base.red() - 255) * strength),
        round(255 + (base.green() - 255) * strength),
        round(255 + (base.blue() - 255) * strength),
    )


class SpanFormatter:
    def __init__(self, view: QPlainTextEdit) -> None:
        self._view = view
        self._document: ArticleDocument | None = None
        self._formatted: set[int] = set()  # block numbers whose formats are current
        self._colors: dict[str, str] = {}
        self._formats: dict[tuple[str, str | None], QTextCharFormat] = {}
        self._suggestion_formats: dict[str, QTextCharFormat] = {}
        view.verticalScrollBar().valueChanged.connect(self.format_visible)

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = dict(colors)
        self._formats.clear()
        self._suggestion_formats.clear()

    def set_article(self, document: ArticleDocument | None) -> None:
        """Highlight this article (call before its text is set; nothing is formatted yet)."""
        self._document = document
        self._formatted.clear()

    def format_visible(self) -> None:
        """Format the blocks on screen that are not formatted yet. None below: scrolling
        formats the blocks coming into view before they are painted, and a block formatted
        ahead would cost its layout when an article opens."""
        document = self._document
        if document is None:
            return
        view = self._view
        block = view.firstVisibleBlock()
        height = view.viewport().height()
        offset = view.contentOffset()
        todo = []
        while block.isValid():
            if block.blockNumber() not in self._formatted:
                todo.append(block)
            if view.blockBoundingGeometry(block).translated(offset).bottom() >= height:
                break  # the last block on screen
            block = block.next()
        if not todo:
            return
        # Spans are read in text order as far as they are shown, in one query.
        last = todo[-1]
        end = document.offsets.from_qt(last.position() + last.length() - 1, round_up=True)
        if not document.fetch_until(end):
            return  # left unformatted, so that the next call tries again
        for block in todo:
            self._format_block(block)

    def rehighlight_range(self, start: int, end: int) -> None:
        """Reformat the blocks that hold code points ``[start, end)``."""
        if self._document is None:
            return
        offsets = self._document.offsets
        text_document = self._view.document()
        block = text_document.findBlock(offsets.to_qt(start))
        last = text_document.findBlock(offsets.to_qt(max(start, end - 1)))
        while block.isValid():
            if block.blockNumber() in self._formatted:
                self._format_block(block)
            if block == last:
                break
            block = block.next()

    def rehighlight_all(self) -> None:
        """Forget every block's formats; what is on screen is formatted again at once."""
        text_document = self._view.document()
        for number in self._formatted:
            block = text_document.findBlockByNumber(number)
            if block.isValid():
                block.layout().clearFormats()
        self._formatted.clear()
        text_document.markContentsDirty(0, text_document.characterCount())
        self.format_visible()

    def _format_block(self, block: QTextBlock) -> None:
        ranges = self._ranges(block)
        layout = block.layout()
        self._formatted.add(block.blockNumber())
        if not ranges and not layout.formats():
            return
        layout.setFormats(ranges)
        self._view.document().markContentsDirty(block.position(), block.length())

    def _ranges(self, block: QTextBlock) -> list[QTextLayout.FormatRange]:
        article = self._document
        assert article is not None
        if block.length() <= 1:
            return []
        offsets = article.offsets
        block_qt = block.position()
        block_start = offsets.from_qt(block_qt)
        block_end = offsets.from_qt(block_qt + block.length() - 1, round_up=True)
        spans = article.index.overlapping(block_start, block_end)
        parts = [
            part
            for part in article.suggestion_index.overlapping(block_start, block_end)
            if article.is_open(article.suggestion(part.suggestion_id))  # type: ignore[arg-type]
        ]
        if not spans and not parts:
            return []
        # One sweep over the places where some span or suggestion starts or ends, keeping the
        # spans (and parts) that cover the piece between two such places. Both lists come
        # sorted by start.
        items: tuple[Ranged, ...] = (*spans, *parts)
        cuts = sorted(
            {block_start, block_end}
            | {max(item.start, block_start) for item in items}
            | {min(item.end, block_end) for item in items}
        )
        ranges: list[QTextLayout.FormatRange] = []
        covering: list[Span] = []
        suggested: list[SuggestionPart] = []
        next_span = next_part = 0
        last: QTextLayout.FormatRange | None = None
        last_format: QTextCharFormat | None = None
        last_end = -1
        for left, right in itertools.pairwise(cuts):
            covering = [s for s in covering if s.end > left]
            while next_span < len(spans) and spans[next_span].start <= left:
                covering.append(spans[next_span])
                next_span += 1
            suggested = [p for p in suggested if p.end > left]
            while next_part < len(parts) and parts[next_part].start <= left:
                suggested.append(parts[next_part])
                next_part += 1
            if covering:
                inner, *outer = sorted(covering, key=_length)[:2]
                fmt = self._format(inner.label, outer[0].label if outer else None)
            elif suggested:
                fmt = self._suggestion_format(min(suggested, key=_length).label)
            else:
                continue
            qt_left, qt_right = offsets.to_qt(left) - block_qt, offsets.to_qt(right) - block_qt
            if fmt is last_format and last is not None and last_end == qt_left:
                last.length = qt_right - last.start  # the same look goes on: one range
            else:
                last = QTextLayout.FormatRange()
                last.start = qt_left
                last.length = qt_right - qt_left
                last.format = last_format = fmt
                ranges.append(last)
            last_end = qt_right
        return ranges

    def _format(self, inner: str, outer: str | None) -> QTextCharFormat:
        key = (inner, outer)
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(tint(self._colors.get(inner, "#bbbbbb")))
            if outer is not None:
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                fmt.setUnderlineColor(QColor(self._colors.get(outer, "#888888")))
                fmt.setFontUnderline(True)
            self._formats[key] = fmt
        return fmt

    def _suggestion_format(self, label: str) -> QTextCharFormat:
        fmt = self._suggestion_formats.get(label)
        if fmt is None:
            color = QColor(self._colors.get(label, "#888888"))
            fmt = QTextCharFormat()
            fmt.setForeground(color.darker(150))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
            fmt.setUnderlineColor(color)
            fmt.setFontUnderline(True)
            self._suggestion_formats[label] = fmt
        return fmt

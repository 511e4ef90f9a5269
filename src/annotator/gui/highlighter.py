"""Span highlighting through a QSyntaxHighlighter fed by the document's span index.

Each block is formatted from the spans that touch it; a change rehighlights only the blocks
the changed span covers. The innermost span of a character gives its background; an
enclosing span shows as an underline in its own colour, so nesting stays visible.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

if TYPE_CHECKING:
    from annotator.core.models import Span
    from annotator.core.offsets import OffsetMap
    from annotator.core.span_index import SpanIndex


def tint(color: str, strength: float = 0.45) -> QColor:
    """``color`` blended with white, readable as a background behind black text."""
    base = QColor(color)
    return QColor(
        round(255 + (base.red() - 255) * strength),
        round(255 + (base.green() - 255) * strength),
        round(255 + (base.blue() - 255) * strength),
    )


class SpanHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._index: SpanIndex[Span] | None = None
        self._offsets: OffsetMap | None = None
        self._colors: dict[str, str] = {}
        self._formats: dict[tuple[str, str | None], QTextCharFormat] = {}

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = dict(colors)
        self._formats.clear()

    def set_spans(self, index: SpanIndex[Span] | None, offsets: OffsetMap | None) -> None:
        """Use a new span index; call before the text is set so each block is formatted once."""
        self._index = index
        self._offsets = offsets

    def rehighlight_range(self, start: int, end: int) -> None:
        """Reformat the blocks that hold code points ``[start, end)``."""
        if self._offsets is None:
            return
        document = self.document()
        block = document.findBlock(self._offsets.to_qt(start))
        last = document.findBlock(self._offsets.to_qt(max(start, end - 1)))
        while block.isValid():
            self.rehighlightBlock(block)
            if block == last:
                break
            block = block.next()

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

    def highlightBlock(self, text: str) -> None:
        if self._index is None or self._offsets is None or not text:
            return
        block = self.currentBlock()
        block_qt = block.position()
        offsets = self._offsets
        block_start = offsets.from_qt(block_qt)
        block_end = offsets.from_qt(block_qt + block.length() - 1, round_up=True)
        spans = self._index.overlapping(block_start, block_end)
        if not spans:
            return
        cuts = {block_start, block_end}
        for span in spans:
            cuts.add(max(span.start, block_start))
            cuts.add(min(span.end, block_end))
        points = sorted(cuts)
        for left, right in itertools.pairwise(points):
            covering = [s for s in spans if s.start <= left and s.end >= right]
            if not covering:
                continue
            covering.sort(key=lambda s: s.end - s.start)
            inner = covering[0].label
            outer = covering[1].label if len(covering) > 1 else None
            qt_left = offsets.to_qt(left) - block_qt
            self.setFormat(
                qt_left, offsets.to_qt(right) - block_qt - qt_left, self._format(inner, outer)
            )

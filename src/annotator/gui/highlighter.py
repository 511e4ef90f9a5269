"""Span highlighting through a QSyntaxHighlighter fed by the document's span index.

Each block is formatted from the spans that touch it; a change rehighlights only the blocks
the changed span covers. The innermost span of a character gives its background; an
enclosing span shows as an underline in its own colour, so nesting stays visible. Open
suggestions, where no span is, show as a dashed underline and coloured text, no background.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

if TYPE_CHECKING:
    from annotator.gui.document import ArticleDocument


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
        self._document: ArticleDocument | None = None
        self._colors: dict[str, str] = {}
        self._formats: dict[tuple[str, str | None], QTextCharFormat] = {}
        self._suggestion_formats: dict[str, QTextCharFormat] = {}

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = dict(colors)
        self._formats.clear()
        self._suggestion_formats.clear()

    def set_article(self, document: ArticleDocument | None) -> None:
        """Highlight this article's spans; call before its text is set, so each block is
        formatted once."""
        self._document = document

    def rehighlight_range(self, start: int, end: int) -> None:
        """Reformat the blocks that hold code points ``[start, end)``."""
        if self._document is None:
            return
        offsets = self._document.offsets
        document = self.document()
        block = document.findBlock(offsets.to_qt(start))
        last = document.findBlock(offsets.to_qt(max(start, end - 1)))
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

    def highlightBlock(self, text: str) -> None:
        article = self._document
        if article is None or not text:
            return
        block = self.currentBlock()
        block_qt = block.position()
        offsets = article.offsets
        block_start = offsets.from_qt(block_qt)
        block_end = offsets.from_qt(block_qt + block.length() - 1, round_up=True)
        spans = article.index.overlapping(block_start, block_end)
        parts = [
            part
            for part in article.suggestion_index.overlapping(block_start, block_end)
            if article.is_open(article.suggestion(part.suggestion_id))  # type: ignore[arg-type]
        ]
        if not spans and not parts:
            return
        cuts = {block_start, block_end}
        for item in (*spans, *parts):
            cuts.add(max(item.start, block_start))
            cuts.add(min(item.end, block_end))
        for left, right in itertools.pairwise(sorted(cuts)):
            covering = [s for s in spans if s.start <= left and s.end >= right]
            if covering:
                covering.sort(key=lambda s: s.end - s.start)
                outer = covering[1].label if len(covering) > 1 else None
                fmt = self._format(covering[0].label, outer)
            else:
                suggested = [p for p in parts if p.start <= left and p.end >= right]
                if not suggested:
                    continue
                fmt = self._suggestion_format(min(suggested, key=lambda p: p.end - p.start).label)
            qt_left = offsets.to_qt(left) - block_qt
            self.setFormat(qt_left, offsets.to_qt(right) - block_qt - qt_left, fmt)

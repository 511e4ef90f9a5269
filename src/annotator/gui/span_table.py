"""The spans of the open article as a table: label, text, start, end (code points)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import (
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    Qt,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from annotator.gui.highlighter import tint
from annotator.gui.table_model import ColumnsModel, Index

if TYPE_CHECKING:
    from annotator.core.models import Span
    from annotator.gui.document import ArticleDocument

LINKS = 4
_BLACK = QColor("#000000")
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
    }
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class SpanTableModel(ColumnsModel):
    """Adapts an ``ArticleDocument``'s sorted span list; follows its row-level signals."""

    HEADERS = ("Label", "Text", "Start", "End", "Links")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document: ArticleDocument | None = None
        self._colors: dict[str, str] = {}
        self._tints: dict[str, QColor] = {}
        self._kinds: dict[str, str] = {}
        self._links_cache: dict[str, str] = {}
        self._text_cache: dict[str, str] = {}
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_colors(self, colors: dict[str, str]) -> None:
        self._colors = dict(colors)
        self._tints.clear()

    def set_document(self, document: ArticleDocument | None) -> None:
        self.beginResetModel()
        self._links_cache.clear()
        self._text_cache.clear()
        self._kinds = (
            {label.name: label.kind for label in document.schema.labels} if document else {}
        )
        if self._document is not None:
            self._follow(self._document, connect=False)
        self._document = document
        if document is not None:
            self._follow(document, connect=True)
        self.endResetModel()

    def _follow(self, document: ArticleDocument, *, connect: bool) -> None:
        for signal, slot in (
            (document.spanAboutToBeAdded, self._adding),
            (document.spanAdded, self._added),
            (document.spanAboutToBeRemoved, self._removing),
            (document.spanRemoved, self._removed),
            (document.spanChanged, self._changed),
            (document.relationsChanged, self._links_changed),
            (document.spansAboutToBeAppended, self._appending),
            (document.spansAppended, self._appended),
            (document.completed, self._links_changed),
        ):
            if connect:
                signal.connect(slot)
            else:
                signal.disconnect(slot)

    @property
    def document(self) -> ArticleDocument | None:
        return self._document

    def span_at(self, row: int) -> Span | None:
        if self._document is None or not 0 <= row < len(self._document.spans):
            return None
        return self._document.spans[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._document is None:
            return 0
        return len(self._document.spans)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES:
            return None
        span = self.span_at(index.row()) if index.isValid() else None
        return None if span is None else self._value(span, index.column(), role)

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """Every role a delegate asks for to draw one cell, in one call: Qt's default asks
        ``data`` once per role, each a call from C++ into Python (seven per cell)."""
        span = self.span_at(index.row()) if index.isValid() else None
        column = index.column()
        roles = (
            [roleDataSpan]
            if isinstance(roleDataSpan, QModelRoleData)
            else cast("Iterable[QModelRoleData]", roleDataSpan)  # iterable, though not typed so
        )
        for role_data in roles:
            role = role_data.role()
            value = None if span is None or role not in _ROLES else self._value(span, column, role)
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def _value(self, span: Span, column: int, role: int) -> Any:
        # Asked for every visible cell and role on each repaint: answers come from caches.
        if role == Qt.ItemDataRole.DisplayRole:
            if column == LINKS:
                links = self._links_cache.get(span.id)
                if links is None:
                    links = self._links_cache[span.id] = self._links(span)
                return links
            if column == 1:
                text = self._text_cache.get(span.id)
                if text is None:
                    text = self._text_cache[span.id] = " ".join(span.text[:200].split())
                return text
            return (span.label, None, span.start, span.end)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return span.text
        if role == Qt.ItemDataRole.FontRole and column == 1 and span.origin == "suggested":
            return self._italic
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            brush = self._tints.get(span.label)
            if brush is None:
                brush = self._tints[span.label] = tint(self._colors.get(span.label, "#bbbbbb"))
            return brush
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return _BLACK
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3):
            return _RIGHT
        return None

    def _adding(self, row: int) -> None:
        self.beginInsertRows(QModelIndex(), row, row)

    def _added(self, _row: int, span: Span) -> None:
        self.endInsertRows()
        self._forget_links_if_attributing(span)

    def _appending(self, first: int, last: int) -> None:
        self.beginInsertRows(QModelIndex(), first, last)

    def _appended(self, _first: int, _last: int) -> None:
        self.endInsertRows()

    def _removing(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)

    def _removed(self, _row: int, span: Span) -> None:
        self.endRemoveRows()
        self._text_cache.pop(span.id, None)
        self._forget_links_if_attributing(span)

    def _changed(self, row: int, old: Span, new: Span) -> None:
        self._links_cache.pop(new.id, None)
        self.row_changed(row)
        if old.label != new.label:
            self._links_changed()

    def _forget_links_if_attributing(self, span: Span) -> None:
        """A quote or claim coming or going can change derived claimants of other rows."""
        assert self._document is not None
        if self._kinds.get(span.label) in ("quote", "claim"):
            self._links_changed()

    def _links(self, span: Span) -> str:
        assert self._document is not None
        parts = []
        for link in self._document.links(span.id):
            words = link.other.text.split()
            name = " ".join(words[:3]) + ("…" if len(words) > 3 else "")
            arrow = "→" if link.outgoing else "←"
            parts.append(f"{link.relation.label}{arrow}{name}")
        return "; ".join(parts)

    def _links_changed(self, _span_ids: object = None) -> None:
        """Links (derived ones included) can change for any row: refresh that column only."""
        self._links_cache.clear()
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, LINKS),
                self.index(self.rowCount() - 1, LINKS),
                [Qt.ItemDataRole.DisplayRole],
            )


class SpanTableView(QTableView):
    def __init__(self, model: SpanTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spanTable")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        # Equal, fixed row heights: inserting a row into a table of 20,000 then costs no
        # per-row size bookkeeping.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # One line per row, elided: laying out each cell's text for wrapping costs about two
        # milliseconds per repaint of the table, for nothing.
        self.setWordWrap(False)
        header = self.horizontalHeader()
        # Fixed widths from the font: sizing to contents would read every row of a long table.
        digits = self.fontMetrics().horizontalAdvance("000000") + 8
        for column, width in (
            (0, self.fontMetrics().horizontalAdvance("WWWWW") + 12),
            (1, 150),
            (2, digits),
            (3, digits),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setStretchLastSection(True)

"""The article list: title, status and number of spans, with a filter box."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.table_model import ColumnsModel, Index

if TYPE_CHECKING:
    from annotator.core.models import ArticleSummary

_STATUS_TEXT = {"todo": "to do", "in_progress": "in progress", "done": "done", "skipped": "skipped"}


class ArticleListModel(ColumnsModel):
    HEADERS = ("Title", "Status", "Spans")
    ArticleIdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ArticleSummary] = []
        self._row_of: dict[int, int] = {}

    def set_articles(self, rows: list[ArticleSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._row_of = {summary.id: row for row, summary in enumerate(self._rows)}
        self.endResetModel()

    def update_article(self, article_id: int, **changes: Any) -> None:
        """Replace some fields (``status``, ``span_count``) of one article's row."""
        row = self._row_of.get(article_id)
        if row is None:
            return
        self._rows[row] = self._rows[row].model_copy(update=changes)
        self.row_changed(row)

    def summaries(self) -> list[ArticleSummary]:
        return list(self._rows)

    def row_of(self, article_id: int) -> int | None:
        return self._row_of.get(article_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return summary.title
            if column == 1:
                return _STATUS_TEXT.get(summary.status.value, summary.status.value)
            if column == 2:
                return summary.span_count
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{summary.title}\n{summary.external_id}"
        if role == self.ArticleIdRole:
            return summary.id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ArticleListPanel(QWidget):
    """Filter box above the list; selecting a row asks to open that article."""

    articleActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ArticleListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("articleFilter")
        self.filter.setPlaceholderText("Filter articles (title, status)…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = QTableView(self)
        self.view.setObjectName("articleList")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.setWordWrap(False)  # one line per row, elided: no text layout per cell
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Fixed widths from the font: sizing to contents would read up to a thousand rows of
        # a large project after every change of a row (each tag changes its span count).
        metrics = self.view.fontMetrics()
        widest_status = max(metrics.horizontalAdvance(text) for text in _STATUS_TEXT.values())
        for column, width in (
            (1, widest_status + 16),
            (2, metrics.horizontalAdvance("00000") + 16),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.view)

    def select_article(self, article_id: int) -> None:
        row = self.model.row_of(article_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectRow(index.row())
            self.view.scrollTo(index)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.articleActivated.emit(current.data(ArticleListModel.ArticleIdRole))

"""The article list: title, status and number of spans, with a filter box.

The list follows the open article but never chooses it: filtering keeps the open article's row
(so it stays visible and selected), and only the user's choice of a row asks to open another.
"""

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
    OpenRole = Qt.ItemDataRole.UserRole + 2  # whether the row is the open article

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ArticleSummary] = []
        self._row_of: dict[int, int] = {}
        self._open: int | None = None  # article id
        # Articles open since views were last told which one is (the one shown then too).
        self._unshown: set[int] = set()

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

    def mark_open(self, article_id: int) -> None:
        """Note the open article, without telling views yet (``show_open`` does): a change
        of its row, its status say, already keeps it listed."""
        self._open = article_id
        self._unshown.add(article_id)

    def show_open(self) -> None:
        """Tell views that the rows of the articles open since they were last told, and of
        the one open now, may be listed differently."""
        for changed in self._unshown:
            row = self._row_of.get(changed)
            if row is not None:
                self.row_changed(row)
        self._unshown = {self._open} if self._open is not None else set()

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
        if role == self.OpenRole:
            return summary.id == self._open
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ArticleFilter(QSortFilterProxyModel):
    """The rows that match the filter text, and the open article's row whatever its text: were
    it filtered out, the list's current row would move to another article."""

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if super().filterAcceptsRow(source_row, source_parent):
            return True
        index = self.sourceModel().index(source_row, 0, source_parent)
        return bool(index.data(ArticleListModel.OpenRole))


class ArticleListPanel(QWidget):
    """Filter box above the list; choosing a row asks to open that article."""

    articleActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ArticleListModel(self)
        self.proxy = ArticleFilter(self)
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
        self._following = False  # the list is being moved to the article opened

    def mark_open(self, article_id: int) -> None:
        """Keep the article just opened listed, whatever the filter, until it is selected
        (``select_article``, once its text is on screen)."""
        self.model.mark_open(article_id)

    def select_article(self, article_id: int) -> None:
        """Show the article just opened as the list's current row."""
        row = self.model.row_of(article_id)
        if row is None:
            return
        self._following = True
        try:
            # The previous article's row leaves the list if it does not match the filter,
            # which moves the current row: that move is not the user's choice.
            self.model.mark_open(article_id)
            self.model.show_open()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.view.selectRow(index.row())
            self.view.scrollTo(index)
        finally:
            self._following = False

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._following:
            self.articleActivated.emit(current.data(ArticleListModel.ArticleIdRole))

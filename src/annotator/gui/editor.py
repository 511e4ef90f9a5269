"""Annotation behaviour: open articles, tag, relabel, delete, select spans, mark done.

The editor turns user intent into undo commands on the open ``ArticleDocument`` and keeps the
article view, span table and article list in step with it.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from annotator.core.models import Span, Status
from annotator.core.selection import snap_to_words, trim_whitespace
from annotator.gui.article_list import ArticleListPanel
from annotator.gui.article_view import ArticleView
from annotator.gui.commands import (
    AddSpanCommand,
    DeleteSpanCommand,
    RelabelSpanCommand,
    SetStatusCommand,
)
from annotator.gui.document import ArticleDocument
from annotator.gui.span_table import SpanTableModel, SpanTableView
from annotator.gui.workspace import Workspace
from annotator.storage.store import DatabaseError, StoreError


class Editor(QObject):
    message = Signal(str)  # a short note for the status bar
    failed = Signal(str)  # an error the user must see
    documentOpened = Signal(object)  # ArticleDocument
    progressChanged = Signal(int, int)  # done, total

    def __init__(
        self,
        workspace: Workspace,
        view: ArticleView,
        spans: SpanTableView,
        articles: ArticleListPanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.undo_group = QUndoGroup(self)
        self.snap_to_words = True
        self.document: ArticleDocument | None = None
        self._view = view
        self._table = spans
        self._table_model: SpanTableModel = spans.model()  # type: ignore[assignment]
        self._articles = articles
        self._stacks: dict[int, tuple[ArticleDocument, QUndoStack]] = {}
        self._selected: str | None = None
        self._click_cycle: tuple[int, int] = (-1, 0)
        colors = {label.name: label.color for label in workspace.schema.labels}
        view.set_colors(colors)
        self._table_model.set_colors(colors)
        view.clicked.connect(self._clicked)
        view.selectionChanged.connect(self._text_selection_changed)
        spans.selectionModel().currentRowChanged.connect(self._table_row_changed)
        articles.articleActivated.connect(self.open_article)

    # ------------------------------------------------------------- articles

    def load_articles(self) -> None:
        summaries = self.workspace.store.list_articles(self.workspace.user)
        self._articles.model.set_articles(summaries)
        self._emit_progress()

    def open_article(self, article_id: int) -> None:
        if self.document is not None and self.document.article.id == article_id:
            return
        try:
            if article_id in self._stacks:
                document, stack = self._stacks[article_id]
            else:
                document = ArticleDocument.load(
                    self.workspace.store, article_id, self.workspace.user
                )
                stack = QUndoStack(self.undo_group)
                self._stacks[article_id] = (document, stack)
                document.spanAdded.connect(lambda _r, s, d=document: self._span_added(d, s))
                document.spanRemoved.connect(lambda _r, s, d=document: self._span_removed(d, s))
                document.spanChanged.connect(
                    lambda _r, o, n, d=document: self._span_changed(d, o, n)
                )
                document.statusChanged.connect(lambda _s, d=document: self._status_changed(d))
        except (DatabaseError, StoreError) as error:
            self.failed.emit(str(error))
            return
        self.document = document
        self._selected = None
        self.undo_group.setActiveStack(stack)
        self._table_model.set_document(document)
        self._view.show_text(document.text, document.offsets, document.index)
        self._articles.select_article(article_id)
        self.documentOpened.emit(document)

    def open_next(self) -> None:
        """Open the next article (in list order, wrapping) that is neither done nor skipped."""
        summaries = self._articles.model.summaries()
        if not summaries:
            return
        current = self.document.article.id if self.document else None
        ids = [s.id for s in summaries]
        start = ids.index(current) + 1 if current in ids else 0
        for offset in range(len(ids)):
            summary = summaries[(start + offset) % len(ids)]
            if summary.id != current and summary.status not in (Status.DONE, Status.SKIPPED):
                self.open_article(summary.id)
                return
        self.message.emit("Every article is done or skipped.")

    # -------------------------------------------------------------- editing

    def apply_label(self, label: str) -> None:
        """Tag the selected text with ``label``, or relabel the selected span."""
        document = self.document
        if document is None:
            return
        selection = self._view.selection()
        if selection is not None:
            snap = snap_to_words if self.snap_to_words else trim_whitespace
            snapped = snap(document.text, *selection)
            if snapped is None:
                self.message.emit("The selection holds only white space.")
                return
            span = Span.of(document.text, snapped[0], snapped[1], label)
            if self._push(AddSpanCommand(document, span)):
                self._view.collapse_selection_to(span.end)
                self.select_span(span.id)
            return
        selected = document.span(self._selected) if self._selected else None
        if selected is None:
            self.message.emit("Select some text (mouse or Shift+arrows), then press a label key.")
        elif selected.label != label:
            self._push(RelabelSpanCommand(document, selected.id, label))

    def delete_selected(self) -> None:
        if self.document is None or self._selected is None:
            self.message.emit("Click a highlighted span (or pick it in the table) to delete it.")
            return
        self._push(DeleteSpanCommand(self.document, self._selected))

    def set_status(self, status: Status, *, open_next: bool = True) -> None:
        if self.document is None:
            return
        if self.document.status != status:
            self._push(SetStatusCommand(self.document, status))
        if open_next:
            self.open_next()

    def _push(self, command: QUndoCommand) -> bool:
        stack = self.undo_group.activeStack()
        try:
            stack.push(command)
        except (DatabaseError, StoreError) as error:
            self.failed.emit(f"Not saved: {error}")
            self._reload()
            return False
        return True

    def _reload(self) -> None:
        """After a failed save, show exactly what the database holds."""
        if self.document is None:
            return
        article_id = self.document.article.id
        _document, stack = self._stacks.pop(article_id)
        stack.setParent(None)
        self.document = None
        self.open_article(article_id)

    # ------------------------------------------------------------ selection

    @property
    def selected_span(self) -> Span | None:
        return self.document.span(self._selected) if self.document and self._selected else None

    def select_span(self, span_id: str | None) -> None:
        if self.document is None:
            return
        span = self.document.span(span_id) if span_id else None
        self._selected = span.id if span else None
        self._view.mark_span(span)
        selection = self._table.selectionModel()
        if span is None:
            selection.clear()
            return
        row = self.document.row_of(span.id)
        index = self._table_model.index(row, 0)
        if selection.currentIndex().row() != row:
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._table.scrollTo(index)
        self.message.emit(f"{span.label}: {span.text[:80]}  [{span.start}, {span.end})")

    def step_span(self, step: int) -> None:
        """Select the next (+1) or previous (-1) span in text order."""
        if self.document is None or not self.document.spans:
            return
        spans = self.document.spans
        if self._selected is None:
            row = 0 if step > 0 else len(spans) - 1
        else:
            row = (self.document.row_of(self._selected) + step) % len(spans)
        self.select_span(spans[row].id)

    def _clicked(self, position: int) -> None:
        if self.document is None:
            return
        here = self.document.index.at(position)
        if not here:
            self.select_span(None)
            return
        # Repeated clicks on the same spot walk outwards through nested spans.
        last_position, depth = self._click_cycle
        depth = depth + 1 if last_position == position else 0
        self._click_cycle = (position, depth)
        self.select_span(here[depth % len(here)].id)

    def _text_selection_changed(self) -> None:
        if self._view.textCursor().hasSelection() and self._selected is not None:
            self._selected = None
            self._view.mark_span(None)
            self._table.selectionModel().clear()

    def _table_row_changed(self, current: object, _previous: object) -> None:
        row = current.row() if hasattr(current, "row") else -1  # QModelIndex
        span = self._table_model.span_at(row)
        if span is not None and span.id != self._selected:
            self._view.collapse_selection_to(span.start)
            self.select_span(span.id)

    # ------------------------------------------------------ document signals

    def _span_added(self, document: ArticleDocument, span: Span) -> None:
        self._after_change(document, span.start, span.end)

    def _span_removed(self, document: ArticleDocument, span: Span) -> None:
        if span.id == self._selected:
            self._selected = None
            self._view.mark_span(None)
        self._after_change(document, span.start, span.end)

    def _span_changed(self, document: ArticleDocument, old: Span, new: Span) -> None:
        self._after_change(document, min(old.start, new.start), max(old.end, new.end))
        if new.id == self._selected:
            self._view.mark_span(new)

    def _after_change(self, document: ArticleDocument, start: int, end: int) -> None:
        if document is self.document:
            self._view.highlighter.rehighlight_range(start, end)
        self._articles.model.update_article(
            document.article.id, span_count=len(document.spans), status=document.status
        )

    def _status_changed(self, document: ArticleDocument) -> None:
        self._articles.model.update_article(document.article.id, status=document.status)
        self._emit_progress()

    def _emit_progress(self) -> None:
        summaries = self._articles.model.summaries()
        self.progressChanged.emit(
            sum(1 for s in summaries if s.status == Status.DONE), len(summaries)
        )

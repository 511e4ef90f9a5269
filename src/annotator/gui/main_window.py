"""The main window: composes docks, actions and signals. Behaviour lives in the editor,
the document model, the commands and the panels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QWidget

from annotator.gui.article_list import ArticleListPanel
from annotator.gui.article_view import ArticleView
from annotator.gui.attribute_panel import AttributePanel
from annotator.gui.label_palette import LabelPalette
from annotator.gui.span_table import SpanTableModel, SpanTableView

if TYPE_CHECKING:
    from annotator.gui.document import ArticleDocument
    from annotator.gui.editor import Editor
    from annotator.gui.exchange import Exchange
    from annotator.gui.workspace import Workspace


class MainWindow(QMainWindow):
    """Built empty and cheap (so it shows at once); ``attach`` connects it to a workspace."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("annotator")
        self.resize(1280, 800)
        self.editor: Editor | None = None
        self.exchange: Exchange | None = None
        # One settings object for the window's life: constructing one reads the file again.
        self._settings = QSettings(self)
        self.article_view = ArticleView(self)
        self.setCentralWidget(self.article_view)
        self.articles = ArticleListPanel(self)
        self.label_palette = LabelPalette(self)
        self.span_model = SpanTableModel(self)
        self.span_table = SpanTableView(self.span_model, self)
        self.details = AttributePanel(self)
        self._dock("articlesDock", "Articles", self.articles, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock(
            "labelsDock", "Labels", self.label_palette, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self._dock("spansDock", "Spans", self.span_table, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("detailsDock", "Span", self.details, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.user_label = QLabel(self)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progressLabel")
        # Shown while edits wait for a database another program writes to.
        self.waiting_label = QLabel("Edits wait: the database is busy", self)
        self.waiting_label.setObjectName("waitingLabel")
        self.waiting_label.setStyleSheet("color: #a04000; font-weight: bold")
        self.waiting_label.hide()
        self.statusBar().addPermanentWidget(self.waiting_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().showMessage("Opening the database…")
        self._restore_layout()

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)

    def attach(self, workspace: Workspace) -> None:
        """Connect the window to a store, schema and annotator, and open the last article."""
        from annotator.gui.editor import Editor

        editor = Editor(
            workspace, self.article_view, self.span_table, self.articles, self.details, self
        )
        self.editor = editor
        label_actions = self.label_palette.set_schema(workspace.schema)
        self.label_palette.labelChosen.connect(editor.apply_label)
        self.addActions(label_actions)
        self._build_menus(editor, label_actions)
        editor.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        editor.failed.connect(self._show_error)
        editor.progressChanged.connect(
            lambda done, total: self.progress_label.setText(f"{done} / {total} done")
        )
        editor.documentOpened.connect(self._document_opened)
        workspace.edits.busyChanged.connect(self.waiting_label.setVisible)
        self.waiting_label.setVisible(workspace.edits.waiting > 0)  # a journal's, at start
        self.user_label.setText(f"Annotator: {workspace.user}")
        editor.snap_to_words = bool(self._settings.value("snapToWords", True, type=bool))
        self._snap_action.setChecked(editor.snap_to_words)
        editor.load_articles()
        self.statusBar().showMessage("Select text, then press a label key.", 6000)
        written, unsaved = workspace.restored
        if written:
            self.statusBar().showMessage(
                f"Saved {written} edits that the last run left waiting for the database.", 10000
            )
        if unsaved:
            self._show_error(
                "Edits that the last run left waiting could not be saved: "
                + "; ".join(sorted(set(unsaved.values())))
            )
        last = str(self._settings.value("lastArticle", "", type=str))
        last_id = workspace.store.find_article(last) if last else None
        summaries = self.articles.model.summaries()
        if last_id is not None:
            editor.open_article(last_id)
        elif summaries:
            editor.open_article(summaries[0].id)
        self.article_view.setFocus()

    def _build_menus(self, editor: Editor, label_actions: list[QAction]) -> None:
        from annotator.core.models import Status
        from annotator.gui.exchange import Exchange

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.exchange = Exchange(editor.workspace, self)
        self.exchange.imported.connect(editor.reload)
        import_action = self._action("&Import…", self.exchange.import_, "Ctrl+I")
        export_action = self._action("&Export…", self.exchange.export, "Ctrl+E")
        file_menu.addActions([import_action, export_action])
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        edit = menu.addMenu("&Edit")
        # Qt's actions name what they undo and follow the group's state; they go through the
        # editor, which reports a change the store refuses. (No Python code may run on the
        # group's signals while a command runs: an error of the command would surface there.)
        undo = editor.undo_group.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = editor.undo_group.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action, slot in ((undo, editor.undo), (redo, editor.redo)):
            action.triggered.disconnect()
            action.triggered.connect(slot)
        edit.addActions([undo, redo])
        edit.addSeparator()
        delete = self._action(
            "&Delete span / reject suggestion", editor.delete_selected, "Delete", "Backspace"
        )
        next_span = self._action("&Next span or suggestion", lambda: editor.step(1), "]")
        previous_span = self._action("&Previous span or suggestion", lambda: editor.step(-1), "[")
        cancel = self._action("&Cancel link / clear selection", editor.cancel, "Esc")
        edit.addActions([delete, next_span, previous_span, cancel])
        edit.addSeparator()
        cycles = [
            self._action(
                f"Next value of attribute &{n}",
                # triggered(checked) would fill the first parameter: n is bound by keyword
                lambda _checked=False, n=n: editor.cycle_attribute(n - 1),
                f"Alt+{n}",
            )
            for n in (1, 2, 3)
        ]
        edit.addActions(cycles)
        edit.addSeparator()
        self._snap_action = QAction("&Snap selections to whole words", self, checkable=True)
        self._snap_action.toggled.connect(self._set_snap)
        edit.addAction(self._snap_action)

        labels = menu.addMenu("&Labels")
        labels.addActions(label_actions)

        links = menu.addMenu("Lin&ks")
        link_actions = [
            self._action(
                f"Link as {relation.name}…",
                lambda _=False, name=relation.name: editor.start_link(name),
                relation.key,
            )
            for relation in editor.schema.relations
        ]
        links.addActions(link_actions)

        suggestions = menu.addMenu("S&uggestions")
        confirm = self._action(
            "&Accept suggestion / complete link", editor.confirm, "Return", "Enter"
        )
        # Return belongs to the text and the span table only (not the filter box or forms).
        confirm.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.article_view.addAction(confirm)
        self.span_table.addAction(confirm)
        reject = self._action("&Reject suggestion", editor.reject_suggestion, "X")
        accept_all = self._action(
            "Accept a&ll suggestions in the article", editor.accept_all_suggestions, "Ctrl+Shift+A"
        )
        suggestions.addActions([confirm, reject, accept_all])

        article = menu.addMenu("&Article")
        done = self._action(
            "Mark &done and open next", lambda: editor.set_status(Status.DONE), "Ctrl+Return"
        )
        skip = self._action(
            "Mark &skipped and open next",
            lambda: editor.set_status(Status.SKIPPED),
            "Ctrl+Shift+Return",
        )
        reopen = self._action(
            "Mark in &progress",
            lambda: editor.set_status(Status.IN_PROGRESS, open_next=False),
        )
        following = self._action("Open &next unfinished article", editor.open_next, "Ctrl+N")
        article.addActions([done, skip, reopen, following])

        view = menu.addMenu("&View")
        for dock in self.findChildren(QDockWidget):
            view.addAction(dock.toggleViewAction())
        self.addActions(
            [
                undo,
                redo,
                delete,
                next_span,
                previous_span,
                cancel,
                done,
                skip,
                following,
                *cycles,
                *link_actions,
                reject,
                accept_all,
            ]
        )

    def _action(self, text: str, slot: object, *keys: str) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcuts([QKeySequence(key) for key in keys])
        action.triggered.connect(slot)
        return action

    def _set_snap(self, enabled: bool) -> None:
        if self.editor is not None:
            self.editor.snap_to_words = enabled
        self._settings.setValue("snapToWords", enabled)

    def _document_opened(self, document: ArticleDocument) -> None:
        self.setWindowTitle(f"{document.article.title} — annotator")

    def _lose_edits(self, waiting: int) -> bool:
        answer = QMessageBox.question(
            self,
            "annotator",
            f"{waiting} edits are not saved yet: another program is still writing to the "
            "database. Close anyway and lose them?",
            QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Close

    def _show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        QMessageBox.warning(self, "annotator", message)

    def _restore_layout(self) -> None:
        settings = self._settings
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if state is None or not self.restoreState(state):
            docks = {dock.objectName(): dock for dock in self.findChildren(QDockWidget)}
            horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
            self.resizeDocks([docks["articlesDock"], docks["spansDock"]], [320, 460], horizontal)
            self.resizeDocks([docks["labelsDock"], docks["spansDock"]], [310, 490], vertical)
            self.resizeDocks([docks["articlesDock"], docks["detailsDock"]], [420, 380], vertical)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.exchange is not None and not self.exchange.stop_before_closing():
            self.statusBar().showMessage("Cancelling the import or export, then closing…")
            event.ignore()
            return
        waiting = self.editor.save_waiting_edits() if self.editor is not None else 0
        if waiting and not self._lose_edits(waiting):
            event.ignore()
            return
        # Saved here rather than on every open: writing the settings file costs a
        # millisecond or so in the event-loop turn that shows the article.
        settings = self._settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        document = self.editor.document if self.editor is not None else None
        if document is not None:
            settings.setValue("lastArticle", document.article.external_id)
        super().closeEvent(event)

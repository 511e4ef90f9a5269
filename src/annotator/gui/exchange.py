"""File ▸ Import and File ▸ Export: choose a format and a file, then the work runs on a worker
thread behind a progress dialog that can cancel it. A cancelled export leaves no file (writers
are atomic); a cancelled import commits nothing of the file it was reading (one transaction
per file).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from annotator.core.models import Status
from annotator.core.units import Unit
from annotator.formats.articles import ImportFileError, iter_article_files, read_articles
from annotator.formats.base import ExportReport, ImportOptions, InvalidAnnotation, UnknownUnit
from annotator.formats.registry import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    reader_for,
    writer_for,
    written_paths,
)
from annotator.gui.workspace import Workspace
from annotator.storage.store import DatabaseError

T = TypeVar("T")
ARTICLES = "articles"  # File ▸ Import's choice of plain article files, beside annotated formats


class Cancelled(Exception):
    """The user pressed Cancel; raised inside the work so that nothing is committed. The
    message, if any, says what was committed before."""


class Failed(Exception):
    """Work that ended with errors; the message says which, and what was done."""


class Job(QObject):
    """Work that reports progress (a count) and finishes with a message or an error."""

    progressed = Signal(int)
    succeeded = Signal(str)
    failed = Signal(str)

    def __init__(self, work: Callable[[Job], str]) -> None:
        super().__init__()
        self._work = work
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def counted(self, items: Iterable[T], before: int = 0) -> Iterator[T]:
        """Pass items through, reporting each (counting on from ``before``) and stopping when
        cancelled."""
        for count, item in enumerate(items, before + 1):
            if self._cancel.is_set():
                raise Cancelled
            yield item
            self.progressed.emit(count)
        if self._cancel.is_set():
            raise Cancelled

    def run(self) -> None:
        try:
            message = self._work(self)
        except Cancelled as cancelled:
            self.failed.emit(str(cancelled) or "Cancelled: nothing was written.")
        except Exception as error:  # shown to the user instead of a traceback
            self.failed.emit(str(error) or type(error).__name__)
        else:
            self.succeeded.emit(message)


class JobRunner(QObject):
    """Runs a job on its own thread behind a cancellable progress dialog."""

    finished = Signal(bool, str)  # succeeded, message

    def __init__(self, parent: QWidget, title: str, job: Job, unit: str) -> None:
        super().__init__(parent)
        self.job = job
        self._unit = unit
        self._thread = QThread(self)
        job.moveToThread(self._thread)
        self._thread.started.connect(job.run)
        self.dialog = QProgressDialog(f"{title}…", "Cancel", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setMinimumDuration(300)
        # Cancel is handled here, on the GUI thread: the job's own thread is busy with the work
        # and would only see a queued call once the work is done. Job.cancel is thread-safe.
        self.dialog.canceled.connect(self.cancel)
        # Bound methods of this object (which lives on the GUI thread), so that Qt queues the
        # calls from the worker thread instead of making them there.
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)

    def start(self) -> None:
        self._thread.start()
        # The dialog's minimum duration counts from the first value; without one it shows only
        # after Qt's own four seconds.
        self.dialog.setValue(0)

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def cancel(self) -> None:
        self.dialog.setLabelText("Cancelling…")
        self.job.cancel()

    def _progressed(self, count: int) -> None:
        self.dialog.setLabelText(f"{count} {self._unit}…")

    def _succeeded(self, message: str) -> None:
        self._done(True, message)

    def _failed(self, message: str) -> None:
        self._done(False, message)

    def _done(self, ok: bool, message: str) -> None:
        self._thread.quit()
        self._thread.wait()
        self.dialog.reset()
        self.finished.emit(ok, message)


def export_job(workspace: Workspace, name: str, target: Path, filters: dict[str, Any]) -> Job:
    def work(job: Job) -> str:
        writer = writer_for(name)
        workspace.store.check_output(*written_paths(name, target))  # the database: refused
        workspace.store.check_filters(
            filters.get("annotator"), filters.get("labels"), filters.get("article_ids")
        )
        report = ExportReport()
        items = workspace.store.iter_export(**filters)
        try:
            writer.write(job.counted(items), target, workspace.schema, report)
        except OSError as error:  # worded as the command line words it
            raise Failed(f"cannot write {target}: {error.strerror or error}") from None
        return report.summary()

    return Job(work)


def import_job(
    workspace: Workspace, name: str, path: Path, options: ImportOptions, changed: set[int]
) -> Job:
    """Import annotated documents; ``changed`` receives the articles on which the import
    changed the annotations of the window's annotator."""

    def work(job: Job) -> str:
        reader = reader_for(name)
        documents = job.counted(reader.read(path, options))
        try:
            report = workspace.store.import_documents(
                documents, default_annotator=options.annotator
            )
        except UnknownUnit as error:  # the hints name the dialog's options
            raise Failed(
                f"{error}: choose what they count under “Offsets count”. Nothing was imported."
            ) from None
        except InvalidAnnotation as error:
            raise Failed(
                f"{error}\n\nNothing was imported; “Skip invalid spans” imports the rest and "
                "lists what it leaves out."
            ) from None
        changed.update(
            article for article, annotator in report.changed if annotator == workspace.user
        )
        skipped = getattr(reader, "skipped", [])
        lines = [f"{path.name}: {report}"]
        if skipped:
            lines.append(f"{len(skipped)} skipped:")
            lines += [f"  {message}" for message in skipped[:50]]
        return "\n".join(lines)

    return Job(work)


def articles_job(workspace: Workspace, path: Path) -> Job:
    """Import article files as ``annotator import PATH`` does: a ``.txt`` file, a ``.jsonl``
    file of articles, or a folder of them; each file in one transaction."""

    def work(job: Job) -> str:
        lines: list[str] = []
        failed = False
        count = 0
        for file in iter_article_files([path]):
            name = file.relative_to(path) if path.is_dir() else file.name
            try:
                report = workspace.store.import_articles(job.counted(read_articles(file), count))
            except Cancelled:
                if not lines:
                    raise
                done = "\n".join(lines)
                raise Cancelled(
                    f"Cancelled: nothing was imported from {name} on. Before it:\n{done}"
                ) from None
            except ImportFileError as error:
                failed = True
                lines.append(f"{error} (nothing imported from this file)")
                continue
            except DatabaseError as error:
                failed = True
                lines.append(f"{name}: {error} (nothing imported from this file)")
                continue
            count += report.added + report.duplicates
            lines.append(f"{name}: {report.added} added, {report.duplicates} already present")
        if failed:
            raise Failed("\n".join(lines))
        return "\n".join(lines) or f"No .txt or .jsonl file in {path}."

    return Job(work)


def _path_row(parent: QWidget, edit: QLineEdit, *buttons: tuple[str, Callable[[], str]]) -> QWidget:
    """``edit`` with buttons, each of which chooses a path for it."""
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    for text, choose in buttons:
        button = QPushButton(text, row)
        button.clicked.connect(lambda _=False, choose=choose: _chosen(edit, choose()))
        layout.addWidget(button)
    return row


def _chosen(edit: QLineEdit, path: str) -> None:
    if path:  # empty when the file dialog was cancelled
        edit.setText(path)


def _add_buttons(dialog: QDialog, form: QFormLayout) -> None:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)


class ExportDialog(QDialog):
    def __init__(self, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export annotations")
        self.setObjectName("exportDialog")
        self.format_box = QComboBox(self)
        self.format_box.addItems(list(EXPORT_FORMATS))
        self.path_edit = QLineEdit(self)
        self.mine_only = QCheckBox(f"Only {user}'s annotations", self)
        self.status_box = QComboBox(self)
        self.status_box.addItems(["any status", *(status.value for status in Status)])
        self._user = user
        form = QFormLayout(self)
        form.addRow("Format", self.format_box)
        form.addRow("File", _path_row(self, self.path_edit, ("Browse…", self._choose)))
        form.addRow("", self.mine_only)
        form.addRow("Status", self.status_box)
        _add_buttons(self, form)

    def _choose(self) -> str:
        return QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text())[0]

    def filters(self) -> dict[str, Any]:
        status = self.status_box.currentText()
        return {
            "annotator": self._user if self.mine_only.isChecked() else None,
            "status": None if status == "any status" else Status(status),
        }


class ImportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import articles or annotations")
        self.setObjectName("importDialog")
        self.format_box = QComboBox(self)
        self.format_box.addItem("articles (.txt, .jsonl of one article a line, folders)", ARTICLES)
        for name in IMPORT_FORMATS:
            self.format_box.addItem(f"annotations: {name}", name)
        self.path_edit = QLineEdit(self)
        self.unit_box = QComboBox(self)
        self.unit_box.addItems(["auto", *(unit.value for unit in Unit)])
        self.skip_invalid = QCheckBox(
            "Skip invalid spans (and list them) instead of stopping", self
        )
        form = QFormLayout(self)
        form.addRow("Format", self.format_box)
        choosers = (("File…", self._choose_file), ("Folder…", self._choose_folder))
        form.addRow("File or folder", _path_row(self, self.path_edit, *choosers))
        form.addRow("Offsets count", self.unit_box)
        form.addRow("", self.skip_invalid)
        _add_buttons(self, form)
        self.format_box.currentIndexChanged.connect(self._format_chosen)
        self._format_chosen()

    def _format_chosen(self) -> None:
        annotated = self.format_box.currentData() != ARTICLES
        self.unit_box.setEnabled(annotated)
        self.skip_invalid.setEnabled(annotated)

    def _choose_file(self) -> str:
        return QFileDialog.getOpenFileName(self, "Import from", self.path_edit.text())[0]

    def _choose_folder(self) -> str:
        return QFileDialog.getExistingDirectory(self, "Import from", self.path_edit.text())

    def options(self, user: str) -> ImportOptions:
        unit = self.unit_box.currentText()
        return ImportOptions(
            offset_unit=None if unit == "auto" else Unit(unit),
            annotator=user,
            skip_invalid=self.skip_invalid.isChecked(),
        )


class Exchange(QObject):
    """The File menu's import and export, for one window."""

    imported = Signal(object)  # after an import: the ids of articles to read again

    def __init__(self, workspace: Workspace, parent: QWidget) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._parent = parent
        self.runner: JobRunner | None = None  # the last started
        self.result_box: QMessageBox | None = None
        self._running: set[JobRunner] = set()
        self._closing = False

    def stop_before_closing(self) -> bool:
        """Whether the window may close now. Running jobs are cancelled instead, and the
        window closed once they have stopped. Cancelling is cooperative (a job stops at its
        next record or document), so the window keeps its event loop meanwhile rather than
        block."""
        if not self._running:
            return True
        self._closing = True
        for runner in self._running:
            runner.cancel()
        return False

    def export(self) -> None:
        waiting = self._workspace.edits.waiting
        if waiting:  # an export now would leave them out
            QMessageBox.information(
                self._parent,
                "annotator",
                f"{waiting} edits are not saved yet (an import is running, or another program "
                "is writing to the database), and an export now would leave them out. Export "
                "once they are saved.",
            )
            return
        dialog = ExportDialog(self._workspace.user, self._parent)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.path_edit.text():
            self.start_export(
                dialog.format_box.currentText(), Path(dialog.path_edit.text()), dialog.filters()
            )

    def import_(self) -> None:
        dialog = ImportDialog(self._parent)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.path_edit.text():
            self.start_import(
                dialog.format_box.currentData(),
                Path(dialog.path_edit.text()),
                dialog.options(self._workspace.user),
            )

    def start_export(self, name: str, target: Path, filters: dict[str, Any]) -> JobRunner:
        job = export_job(self._workspace, name, target, filters)
        return self._run("Exporting", job, "records", None)

    def start_import(self, name: str, path: Path, options: ImportOptions) -> JobRunner:
        """Import ``path``: article files if ``name`` is ``ARTICLES``, else annotated
        documents in that format."""
        changed: set[int] = set()  # filled on the worker thread, read once it is done
        if name == ARTICLES:
            job, unit = articles_job(self._workspace, path), "articles"
        else:
            job, unit = import_job(self._workspace, name, path, options, changed), "documents"
        # The import holds the database's write lock until it ends: edits wait in the queue.
        self._workspace.edits.hold()
        return self._run("Importing", job, unit, changed)

    def _run(self, title: str, job: Job, unit: str, changed: set[int] | None) -> JobRunner:
        """Run ``job``; for an import, ``changed`` is where it puts the articles it changed."""
        runner = JobRunner(self._parent, title, job, unit)
        runner.finished.connect(lambda ok, message: self._finished(runner, ok, message, changed))
        self.runner = runner
        self._running.add(runner)
        runner.start()
        return runner

    def _finished(
        self, runner: JobRunner, ok: bool, message: str, changed: set[int] | None
    ) -> None:
        self._running.discard(runner)
        unsaved = self._workspace.edits.release() if changed is not None else {}
        if unsaved:
            ok = False
            message += "\n\nNot saved: edits made while the import ran:\n" + "\n".join(
                sorted(set(unsaved.values()))
            )
        if self._closing:
            if unsaved:
                QMessageBox.warning(self._parent, "annotator", message)
            if not self._running:
                self._parent.close()
            return
        if changed is not None:
            self.imported.emit(changed | unsaved.keys())
        icon = QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning
        self.result_box = QMessageBox(icon, "annotator", message, parent=self._parent)
        self.result_box.open()  # not exec(): the window stays usable

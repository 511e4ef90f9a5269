"""Writing the annotator's edits to the store: at once, or as soon as the database lets us.

An import writes a whole file in one transaction, so that a cancelled or refused file adds
nothing; SQLite lets one connection write at a time. An edit made meanwhile would wait for the
lock, freezing the window, and fail once the database's busy timeout ran out. So while an
import runs in the window the documents apply their edits in memory at once, and this queue
keeps the writes, in order, for when the import has ended.

Another program (an import from the command line) can hold the lock too, and the window cannot
know for how long. An edit then waits briefly (``EDIT_WAIT_MS``); if the lock is still held it
is kept like the others and tried again every ``RETRY_MS``, with every later edit behind it,
until the database is free.

Every edit that has to wait is also written to an ``EditJournal`` on disk, emptied once the
queue is: a crash meanwhile loses nothing, and the next start writes what it holds.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from annotator.storage.edit_journal import EditJournal, PendingEdit
from annotator.storage.store import DatabaseBusy, DatabaseError, Store, StoreError

EDIT_WAIT_MS = 250  # how long an edit waits for a lock held elsewhere: a few frames
RETRY_MS = 1_000


class EditQueue(QObject):
    busyChanged = Signal(bool)  # whether edits wait for a database another program writes
    unsaved = Signal(object)  # {article id: error} of kept edits that could not be saved
    emptied = Signal()  # every kept edit has been written (or reported as unsaved)

    def __init__(self, store: Store, journal: EditJournal, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._journal = journal
        store.wait_for_edits(EDIT_WAIT_MS)
        self._holds = 0
        self._held: list[PendingEdit] = []
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._write_when_free)

    def write(self, edit: PendingEdit) -> None:
        """Apply ``edit`` to the store now, raising its error; or keep it, while the queue is
        held, edits wait, or the database is busy."""
        if not (self._holds or self._held):
            try:
                edit.apply(self._store)
                return
            except DatabaseBusy:
                self._wait_for_the_database()
        self._journal.add(edit)
        self._held.append(edit)

    def restore(self) -> tuple[int, dict[int, str]]:
        """Write the edits a journal left by an earlier run holds (it ended while they
        waited), waiting for the database as long as any write would; those it is still too
        busy for stay kept. Returns how many were written, and by article the first error of
        those that could not be."""
        self._held = self._journal.read()
        self._store.wait_for_edits(None)
        try:
            written, unsaved = self._write_kept()
        finally:
            self._store.wait_for_edits(EDIT_WAIT_MS)
        if not self._held:
            self._journal.clear()  # also a journal whose lines could not be read
        return written, unsaved

    @property
    def waiting(self) -> int:
        """How many edits wait to be written."""
        return len(self._held)

    def keeps_edits_of(self, article_id: int) -> bool:
        """Whether edits of article ``article_id`` wait to be written."""
        return any(edit.article_id == article_id for edit in self._held)

    def hold(self) -> None:
        """Keep edits from now on, until as many ``release`` calls as ``hold`` calls."""
        self._holds += 1

    def release(self) -> dict[int, str]:
        """End one hold; after the last, write the kept edits in order (those the database
        is still too busy for stay kept). Returns, by article, the first error of the edits
        that could not be saved."""
        self._holds -= 1
        return {} if self._holds else self._write_kept()[1]

    def write_now(self) -> dict[int, str]:
        """Write the kept edits, waiting for the database as long as any write would (when
        the window closes). Returns what ``release`` returns."""
        self._store.wait_for_edits(None)
        try:
            return self._write_kept()[1]
        finally:
            self._store.wait_for_edits(EDIT_WAIT_MS)

    def _write_when_free(self) -> None:
        if self._holds:
            return  # an import of the window's own is running: its end writes them
        _written, unsaved = self._write_kept()
        if unsaved:
            self.unsaved.emit(unsaved)

    def _write_kept(self) -> tuple[int, dict[int, str]]:
        """Write the kept edits in order until the database is busy; returns how many were
        written, and by article the first error of those that could not be."""
        written, unsaved = 0, dict[int, str]()
        kept = len(self._held)
        while self._held:
            edit = self._held[0]
            try:
                edit.apply(self._store)
                written += 1
            except DatabaseBusy:
                self._wait_for_the_database()
                break
            except (DatabaseError, StoreError) as error:
                unsaved.setdefault(edit.article_id, str(error))
            del self._held[0]
        if len(self._held) != kept:
            # Once for the lot: a crash in between would only offer the written ones again.
            self._journal.keep_only(self._held)
        if self._held:
            return written, unsaved
        if self._retry.isActive():
            self._retry.stop()
            self.busyChanged.emit(False)
        self.emptied.emit()
        return written, unsaved

    def _wait_for_the_database(self) -> None:
        if not self._retry.isActive():
            self._retry.start()
            self.busyChanged.emit(True)

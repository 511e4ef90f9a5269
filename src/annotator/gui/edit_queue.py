"""Writing the annotator's edits to the store: at once, or after an import that holds the
database's write lock.

An import writes a whole file in one transaction, so that a cancelled or refused file adds
nothing; SQLite lets one connection write at a time. An edit made meanwhile would wait for the
lock, freezing the window, and fail once the database's busy timeout ran out. So while an
import runs the documents apply their edits in memory at once, and this queue keeps the writes,
in order, for when the import has ended.
"""

from __future__ import annotations

from collections.abc import Callable

from annotator.storage.store import DatabaseError, Store, StoreError

Edit = Callable[[Store], object]


class EditQueue:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._holds = 0
        self._held: list[tuple[int, Edit]] = []

    def write(self, article_id: int, edit: Edit) -> None:
        """Run ``edit`` (an edit of article ``article_id``) on the store now, raising its
        error, or keep it while the queue is held."""
        if self._holds:
            self._held.append((article_id, edit))
        else:
            edit(self._store)

    def keeps_edits_of(self, article_id: int) -> bool:
        """Whether edits of article ``article_id`` wait to be written."""
        return any(held_id == article_id for held_id, _edit in self._held)

    def hold(self) -> None:
        """Keep edits from now on, until as many ``release`` calls as ``hold`` calls."""
        self._holds += 1

    def release(self) -> dict[int, str]:
        """End one hold; after the last, write the kept edits in order. Returns, by article,
        the first error of the edits that could not be saved."""
        self._holds -= 1
        if self._holds:
            return {}
        held, self._held = self._held, []
        unsaved: dict[int, str] = {}
        for article_id, edit in held:
            try:
                edit(self._store)
            except (DatabaseError, StoreError) as error:
                unsaved.setdefault(article_id, str(error))
        return unsaved

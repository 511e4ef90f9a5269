"""What the window works on: the store facade, the label schema, the annotator's name, and the
queue through which edits reach the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotator.core.schema import LabelSchema, load_schema
from annotator.formats.articles import iter_article_files, read_articles
from annotator.gui.edit_queue import EditQueue
from annotator.resources import default_schema_path, sample_articles_path
from annotator.storage.edit_journal import EditJournal, journal_path
from annotator.storage.store import Store


@dataclass(frozen=True)
class Workspace:
    store: Store
    schema: LabelSchema
    user: str
    edits: EditQueue
    # Edits an earlier run left waiting (it ended before it could write them): how many were
    # written now, and by article the first error of those that could not be.
    restored: tuple[int, dict[int, str]] = (0, {})

    @classmethod
    def open(cls, db_url: str, user: str, schema_path: str | Path | None = None) -> Workspace:
        """Open the database (importing the sample articles into an empty one) and the schema.

        Raises ``SchemaError``, ``DatabaseError`` or ``ImportFileError`` with a user message.
        """
        schema = load_schema(Path(schema_path) if schema_path else default_schema_path())
        store = Store.open(db_url)
        store.prepare_edits()  # now, rather than in the first tag's frame
        if store.article_count() == 0:
            for path in iter_article_files([sample_articles_path()]):
                store.import_articles(read_articles(path))
        edits = EditQueue(store, EditJournal(journal_path(db_url)))
        restored = edits.restore()
        return cls(store=store, schema=schema, user=user, edits=edits, restored=restored)

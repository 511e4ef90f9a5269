"""The journal of edits that wait: what goes in comes back as the store's methods take it."""

from datetime import UTC, datetime
from pathlib import Path

from storage_helpers import add_article, span_on

from annotator.core.models import Relation, Status
from annotator.storage.edit_journal import EditJournal, PendingEdit, journal_path
from annotator.storage.store import Store

TEXT = "Presiden Joko Widodo bertemu Volodymyr Zelensky di Kyiv pada hari Rabu."


def test_every_edit_comes_back_as_it_was_written(tmp_path: Path) -> None:
    span = span_on(TEXT, "Joko Widodo").model_copy(
        update={"attrs": {"n": [1, 2]}, "created_at": datetime(2026, 1, 2, tzinfo=UTC)}
    )
    relation = Relation(head=span.id, child=span.id, label="speaker")
    edits = [
        PendingEdit(1, "add_span", {"article_id": 1, "annotator": "ana", "span": span,
                                    "relations": (relation,)}),
        PendingEdit(1, "update_span", {"span_id": span.id, "label": None,
                                       "attrs": {"type": "direct"},
                                       "updated_at": datetime(2026, 1, 3, tzinfo=UTC)}),
        PendingEdit(1, "set_status", {"article_id": 1, "annotator": "ana",
                                      "status": Status.DONE}),
        PendingEdit(2, "set_rejected", {"article_id": 2, "annotator": "ana",
                                        "suggestion_id": "s", "rejected": True}),
        PendingEdit(1, "delete_span", {"span_id": span.id}),
    ]  # fmt: skip
    journal = EditJournal(tmp_path / "edits")
    for edit in edits:
        journal.add(edit)
    assert journal.read() == edits
    # A crash while a line was written leaves it cut short: the edits before it count.
    journal.path.write_bytes(journal.path.read_bytes() + b'{"article_id": 3, "oper')
    assert journal.read() == edits
    journal.keep_only(edits[3:])  # the first three were written
    assert journal.read() == edits[3:]
    journal.keep_only([])
    assert journal.read() == [] and not journal.path.exists()


def test_the_journal_lives_beside_a_sqlite_file_else_in_the_user_data_folder(
    tmp_path: Path,
) -> None:
    assert journal_path(f"sqlite:///{tmp_path / 'a.db'}") == tmp_path / "a.db.unsaved-edits"
    elsewhere = journal_path("postgresql://team@db.example/annotations")
    assert elsewhere.name.startswith("unsaved-edits-")
    assert elsewhere != journal_path("postgresql://team@db.example/other")


def test_replaying_the_journal_writes_its_edits_to_the_store(store: Store, tmp_path: Path) -> None:
    article_id = add_article(store, "a1", TEXT)
    span = span_on(TEXT, "Kyiv", "GPE")
    journal = EditJournal(tmp_path / "edits")
    arguments = {"article_id": article_id, "annotator": "ana", "span": span}
    journal.add(PendingEdit(article_id, "add_span", arguments))
    (edit,) = journal.read()
    edit.apply(store)
    assert store.annotations(article_id, "ana").spans[0].id == span.id

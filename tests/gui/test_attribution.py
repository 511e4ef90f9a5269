"""Who said what, in the real window: quotes linked to speakers and cues by keyboard,
attributes, suggestions accepted and rejected, all undoable and exported."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from annotator.__main__ import main
from annotator.core.models import Span
from annotator.gui.main_window import MainWindow
from annotator.storage.store import DatabaseError, Store
from conftest import CursorAt, WindowFactory

QUOTE = "“Kami tidak dapat sepenuhnya memahami detailnya karena keputusan tersebut dibuat"
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def quote_range(text: str) -> tuple[int, int]:
    start = text.index(QUOTE)
    end = text.index("tersedia,”", start) + len("tersedia,”")
    return start, end


def tag(qtbot: QtBot, window: MainWindow, start: int, end: int, key: Qt.Key) -> Span:
    window.article_view.select_range(start, end)
    qtbot.keyClick(window.article_view, key)
    span = window.editor.selected_span
    assert span is not None and (span.start, span.end) == (start, end)
    return span


def tag_quote_cue_speaker(qtbot: QtBot, window: MainWindow) -> tuple[Span, Span, Span]:
    text = window.editor.document.text
    start, end = quote_range(text)
    quote = tag(qtbot, window, start, end, Qt.Key.Key_Q)
    cue_start = text.index("kata", end)
    cue = tag(qtbot, window, cue_start, cue_start + 4, Qt.Key.Key_C)
    speaker_start = text.index("Zagorodnyuk", cue_start)
    speaker = tag(qtbot, window, speaker_start, speaker_start + 11, Qt.Key.Key_P)
    return quote, cue, speaker


def click(qtbot: QtBot, window: MainWindow, cursor_at: CursorAt, position: int) -> None:
    view = window.article_view
    point = view.cursorRect(cursor_at(window, position)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def stored_relations(db_url: str, window: MainWindow) -> set[tuple[str, str, str]]:
    store = Store.open(db_url)
    try:
        document = window.editor.document
        annotations = store.annotations(document.article.id, "ana")
        return {(r.label, r.head, r.child) for r in annotations.relations}
    finally:
        store.close()


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.article_view, key, modifier)


def test_link_speaker_by_keyboard_and_cue_by_click_with_undo_redo(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, cursor_at: CursorAt
) -> None:
    window = make_window()
    quote, cue, speaker = tag_quote_cue_speaker(qtbot, window)
    window.editor.select_span(quote.id)
    press(qtbot, window, Qt.Key.Key_S)  # start a speaker link
    press(qtbot, window, Qt.Key.Key_BracketRight)  # nearest allowed span after the quote
    assert window.editor._candidate == speaker.id
    press(qtbot, window, Qt.Key.Key_Return)
    assert stored_relations(db_url, window) == {("speaker", quote.id, speaker.id)}
    press(qtbot, window, Qt.Key.Key_V)  # cue link, completed by a click on the cue
    click(qtbot, window, cursor_at, cue.start + 1)
    expected = {("speaker", quote.id, speaker.id), ("cue", quote.id, cue.id)}
    assert stored_relations(db_url, window) == expected
    # Links of the selected span are shown in the view, the table and the details panel.
    assert window.editor.selected_span.id == quote.id
    marked = {m.cursor.selectedText() for m in window.article_view.extraSelections()}
    assert {"kata", "Zagorodnyuk"} <= marked
    row = window.editor.document.row_of(quote.id)
    links = window.span_model.index(row, 4).data()
    assert "speaker→Zagorodnyuk" in links and "cue→kata" in links
    assert window.details.links.count() == 2
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert stored_relations(db_url, window) == {("speaker", quote.id, speaker.id)}
    press(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    assert stored_relations(db_url, window) == expected


def test_forbidden_link_is_refused_with_a_message(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, cursor_at: CursorAt
) -> None:
    window = make_window()
    quote, _cue, speaker = tag_quote_cue_speaker(qtbot, window)
    window.editor.select_span(quote.id)
    press(qtbot, window, Qt.Key.Key_V)  # a cue link ...
    click(qtbot, window, cursor_at, speaker.start + 1)  # ... to a person
    assert stored_relations(db_url, window) == set()
    assert "Not linked" in window.statusBar().currentMessage()


def test_a_span_cannot_be_linked_to_itself(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, cursor_at: CursorAt
) -> None:
    window = make_window()
    quote = tag(qtbot, window, *quote_range(window.editor.document.text), Qt.Key.Key_Q)
    press(qtbot, window, Qt.Key.Key_T)  # a quote "continues" a quote ...
    click(qtbot, window, cursor_at, quote.start + 3)  # ... but not itself
    assert stored_relations(db_url, window) == set()
    assert "cannot be linked to itself" in window.statusBar().currentMessage()
    assert window.editor._link is not None  # still linking: another span can be chosen
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.statusBar().currentMessage() == "Link cancelled."


def test_a_click_inside_the_span_being_linked_links_the_span_around_it(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, cursor_at: CursorAt
) -> None:
    window = make_window()
    text = window.editor.document.text
    quote = tag(qtbot, window, *quote_range(text), Qt.Key.Key_Q)
    claim_start = text.index("keputusan tersebut dibuat", quote.start)
    claim = tag(qtbot, window, claim_start, claim_start + 25, Qt.Key.Key_K)
    press(qtbot, window, Qt.Key.Key_I)  # in_quote, from the claim
    click(qtbot, window, cursor_at, claim.start + 3)
    assert stored_relations(db_url, window) == {("in_quote", claim.id, quote.id)}


def test_linking_from_the_entity_end_and_deleting_a_span_removes_and_restores_links(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, cursor_at: CursorAt
) -> None:
    window = make_window()
    quote, _cue, speaker = tag_quote_cue_speaker(qtbot, window)
    window.editor.select_span(speaker.id)
    press(qtbot, window, Qt.Key.Key_S)  # from the person: the link still points quote -> person
    click(qtbot, window, cursor_at, quote.start + 3)
    assert stored_relations(db_url, window) == {("speaker", quote.id, speaker.id)}
    window.editor.select_span(speaker.id)
    press(qtbot, window, Qt.Key.Key_Delete)
    assert stored_relations(db_url, window) == set()
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert stored_relations(db_url, window) == {("speaker", quote.id, speaker.id)}
    assert window.editor.document.span(speaker.id) is not None


def test_relabelling_removes_the_links_the_new_label_refuses_and_undo_restores_them(
    qtbot: QtBot, make_window: WindowFactory, db_url: str
) -> None:
    window = make_window()
    quote, cue, speaker = tag_quote_cue_speaker(qtbot, window)
    window.editor.select_span(quote.id)
    press(qtbot, window, Qt.Key.Key_S)
    window.editor.complete_link(speaker.id)
    press(qtbot, window, Qt.Key.Key_V)
    window.editor.complete_link(cue.id)
    both = {("speaker", quote.id, speaker.id), ("cue", quote.id, cue.id)}
    window.editor.select_span(speaker.id)
    press(qtbot, window, Qt.Key.Key_O)  # PER -> ORG: an ORG can be a speaker
    assert stored_relations(db_url, window) == both
    press(qtbot, window, Qt.Key.Key_L)  # ORG -> LOC: a LOC cannot
    assert stored_relations(db_url, window) == {("cue", quote.id, cue.id)}
    assert window.editor.document.span(speaker.id).label == "LOC"
    message = window.statusBar().currentMessage()
    assert "removing its speaker link with ““Kami tidak dapat" in message
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # one step: label and link come back together
    assert stored_relations(db_url, window) == both
    assert window.editor.document.span(speaker.id).label == "ORG"
    assert window.details.links.count() == 1
    press(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    assert stored_relations(db_url, window) == {("cue", quote.id, cue.id)}
    assert window.details.links.count() == 0
    window.close()
    again = make_window()
    assert {(r.label, r.head, r.child) for r in again.editor.document.relations()} == {
        ("cue", quote.id, cue.id)
    }
    assert again.editor.document.span(speaker.id).label == "LOC"


def test_attributes_are_set_from_the_panel_and_keys_and_undone(
    qtbot: QtBot, make_window: WindowFactory, db_url: str
) -> None:
    window = make_window()
    text = window.editor.document.text
    quote = tag(qtbot, window, *quote_range(text), Qt.Key.Key_Q)
    assert quote.attrs == {"type": "direct"}
    window.details.combos["type"].setCurrentText("mixed")
    assert window.editor.document.span(quote.id).attrs == {"type": "mixed"}
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # mixed -> direct
    assert window.editor.document.span(quote.id).attrs == {"type": "direct"}
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    store = Store.open(db_url)
    (stored,) = store.annotations(window.editor.document.article.id, "ana").spans
    store.close()
    assert stored.attrs == {"type": "direct"}
    press(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    assert window.editor.document.span(quote.id).attrs == {"type": "mixed"}
    assert window.details.combos["type"].currentText() == "mixed"
    # A claim gets its own attributes with their defaults.
    claim_start = text.index("Ini bukan keputusan politik")
    claim = tag(qtbot, window, claim_start, claim_start + 27, Qt.Key.Key_K)
    assert claim.attrs == {"checkworthy": "checkworthy", "verdict": "none"}
    press(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert window.editor.document.span(claim.id).attrs["verdict"] == "supports"
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # the first attribute
    assert window.editor.document.span(claim.id).attrs == {
        "checkworthy": "unimportant_factual",
        "verdict": "supports",
    }


def test_an_attribute_is_chosen_in_its_combo_with_down_and_return(
    qtbot: QtBot, make_window: WindowFactory, db_url: str
) -> None:
    window = make_window()
    quote = tag(qtbot, window, *quote_range(window.editor.document.text), Qt.Key.Key_Q)
    combo = window.details.combos["type"]
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Return)  # the combo that saved the value is still there
    assert window.details.combos["type"] is combo and combo.currentText() == "indirect"
    store = Store.open(db_url)
    (stored,) = store.annotations(window.editor.document.article.id, "ana").spans
    store.close()
    assert stored.id == quote.id and stored.attrs == {"type": "indirect"}
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert combo.currentText() == "direct"


def test_claim_in_a_quote_takes_the_quote_speaker_as_claimant(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, tmp_path: Path
) -> None:
    window = make_window()
    quote, _cue, speaker = tag_quote_cue_speaker(qtbot, window)
    window.editor.select_span(quote.id)
    press(qtbot, window, Qt.Key.Key_S)
    window.editor.complete_link(speaker.id)
    text = window.editor.document.text
    claim_start = text.index("keputusan tersebut dibuat", quote.start)
    claim = tag(qtbot, window, claim_start, claim_start + 25, Qt.Key.Key_K)
    links = window.span_model.index(window.editor.document.row_of(claim.id), 4).data()
    assert links == "claimant→Zagorodnyuk"
    out = tmp_path / "out.jsonl"
    assert main(["export", "--db", db_url, "--out", str(out)]) == 0
    (line,) = [orjson.loads(raw) for raw in out.read_bytes().split(b"\n") if raw]
    relations = {(r["label"], r["head"], r["child"], r["origin"]) for r in line["relations"]}
    assert relations == {
        ("speaker", quote.id, speaker.id, "manual"),
        ("claimant", claim.id, speaker.id, "derived"),
    }


def wait_for_suggestions(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: bool(window.editor.document.open_suggestions()))


def test_quote_suggestions_accept_reject_accept_all_with_undo(
    qtbot: QtBot, make_window: WindowFactory, db_url: str, tmp_path: Path
) -> None:
    window = make_window()
    wait_for_suggestions(qtbot, window)
    document = window.editor.document
    quotes = [s for s in document.open_suggestions() if s.source == "quotes"]
    assert len(quotes) == 6
    assert document.spans == []  # suggestions are not annotations
    # ] walks to the first suggestion; Return accepts it with its cue and speaker.
    press(qtbot, window, Qt.Key.Key_BracketRight)
    first = window.editor.selected_suggestion
    assert first is not None and first.main.text.startswith('"Ini bukan keputusan politik')
    press(qtbot, window, Qt.Key.Key_Return)
    accepted = {(s.label, s.text, s.origin) for s in document.spans}
    assert accepted == {
        ("QUOTE", first.main.text, "suggested"),
        ("CUE", "mengatakan", "suggested"),
        ("PER", "Andriy Zagorodnyuk", "suggested"),
    }
    assert {r.label for r in document.relations()} == {"speaker", "cue"}
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert document.spans == [] and document.relations() == []
    assert first in document.open_suggestions()
    # Reject one: it disappears, for good.
    window.editor.select_suggestion(first.id)
    press(qtbot, window, Qt.Key.Key_X)
    assert first not in document.open_suggestions()
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # a rejection is undoable too
    assert first in document.open_suggestions()
    press(qtbot, window, Qt.Key.Key_Z, CTRL_SHIFT)
    assert first not in document.open_suggestions()
    # Accept all the rest.
    press(qtbot, window, Qt.Key.Key_A, CTRL_SHIFT)
    labels = sorted(s.label for s in document.spans if s.label in ("QUOTE", "CUE"))
    assert labels.count("QUOTE") == 5
    assert document.open_suggestions() == []
    out = tmp_path / "out.jsonl"
    assert main(["export", "--db", db_url, "--out", str(out)]) == 0
    (line,) = [orjson.loads(raw) for raw in out.read_bytes().split(b"\n") if raw]
    assert {s["origin"] for s in line["spans"]} == {"suggested"}
    by_id = {s["id"]: s for s in line["spans"]}
    who_said = {
        by_id[r["head"]]["text"][:12]: by_id[r["child"]]["text"]
        for r in line["relations"]
        if r["label"] == "speaker"
    }
    assert who_said == {
        "“Kami tidak ": "Zagorodnyuk",
        "“Namun, jela": "Zagorodnyuk",
        '"musuh terus': "Oleksandr Syrskyi",
        '"melawan tek': "Syrskyi",
        '"Tindakan te': "Syrskyi",
    }
    window.close()
    again = make_window()
    wait_for_suggestions_or_none = again.editor.document
    qtbot.waitUntil(lambda: wait_for_suggestions_or_none.suggestion(first.id) is not None)
    assert first not in again.editor.document.open_suggestions()  # the rejection persisted


def test_a_new_entity_is_suggested_at_its_other_mentions(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    document = window.editor.document
    text = document.text
    first = text.index("Bakhmut")
    tag(qtbot, window, first, first + 7, Qt.Key.Key_L)
    others = {i for i in range(len(text)) if text.startswith("Bakhmut", i)} - {first}

    def offered() -> set[int]:
        return {
            s.main.start
            for s in document.open_suggestions()
            if s.source == "gazetteer" and s.main.label == "LOC"
        }

    qtbot.waitUntil(lambda: offered() == others)
    assert len(others) == 6


def stored_quote(window: MainWindow, start: int, end: int, **attrs: str) -> Span:
    """A QUOTE stored directly (as an import would), with attribute values of its own."""
    document = window.editor.document
    span = Span.of(document.text, start, end, "QUOTE", attrs=attrs)
    window.editor.workspace.store.add_span(document.article.id, "ana", span)
    return span


def test_a_value_the_schema_does_not_list_is_shown_for_its_span_only(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    text = window.editor.document.text
    start, end = quote_range(text)
    mixed = stored_quote(window, start, end, type="mixed")
    verbatim = stored_quote(window, 0, 8, type="verbatim")  # not among the schema's values
    window.editor.reload({window.editor.document.article.id})
    window.editor.select_span(mixed.id)
    combo = window.details.combos["type"]
    assert combo.currentText() == "mixed"
    window.editor.select_span(verbatim.id)
    assert window.details.combos["type"] is combo and combo.currentText() == "verbatim"
    window.editor.select_span(mixed.id)
    assert combo.currentText() == "mixed"
    assert [combo.itemText(i) for i in range(combo.count())] == ["direct", "indirect", "mixed"]


def test_selecting_a_span_longer_than_the_screen_keeps_it_selected(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    text = window.editor.document.text
    whole = stored_quote(window, 0, len(text) - 1)
    window.editor.reload({window.editor.document.article.id})
    qtbot.waitUntil(lambda: window.span_model.rowCount() == 1)
    window.editor.select_span(whole.id)
    assert window.editor.selected_span == window.editor.document.span(whole.id)
    assert window.span_table.selectionModel().currentIndex().row() == 0


def quote_the_store_refuses_to_change(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, method: str
) -> tuple[Span, list[str]]:
    """Tag a quote, then make the store's ``method`` fail as a broken disk would; returns
    the quote and the list of errors the window shows."""
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: errors.append(args[2]))
    quote = tag(qtbot, window, *quote_range(window.editor.document.text), Qt.Key.Key_Q)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise DatabaseError("database error: disk I/O error")

    monkeypatch.setattr(window.editor.workspace.store, method, refuse)
    return quote, errors


def test_a_failed_save_says_what_the_store_said(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    _quote, errors = quote_the_store_refuses_to_change(qtbot, window, monkeypatch, "update_span")
    window.editor.set_attribute("type", "indirect")
    assert errors == ["Not saved: database error: disk I/O error"]


def test_an_undo_the_store_refuses_is_reported_and_the_article_read_again(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    quote, errors = quote_the_store_refuses_to_change(qtbot, window, monkeypatch, "delete_span")
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert errors == ["Not saved: database error: disk I/O error"]
    document = window.editor.document
    assert [s.id for s in document.spans] == [quote.id]  # as the database still holds it
    assert not window.editor.undo_group.canUndo()

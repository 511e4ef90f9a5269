"""Annotation behaviour: open articles, tag, relabel, link, set attributes, take or refuse
suggestions, select spans, mark done.

The editor turns user intent into undo commands on the open ``ArticleDocument`` and keeps the
article view, span table, attribute panel and article list in step with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from annotator.core.memory import freeze_long_lived
from annotator.core.models import Annotations, Relation, Span, Status, Suggestion
from annotator.core.schema import LabelKind, RelationType
from annotator.core.selection import snap_to_words, trim_whitespace
from annotator.core.suggestions import gazetteer_suggestions, quote_suggestions
from annotator.gui.article_list import ArticleListPanel
from annotator.gui.article_view import ArticleView
from annotator.gui.attribute_panel import AttributePanel
from annotator.gui.background import run_in_background
from annotator.gui.commands import (
    AcceptSuggestionsCommand,
    AddRelationCommand,
    AddSpanCommand,
    DeleteSpanCommand,
    RejectSuggestionCommand,
    RemoveRelationCommand,
    SetStatusCommand,
    UpdateSpanCommand,
)
from annotator.gui.document import ArticleDocument, SuggestionPart, SuggestionSet
from annotator.gui.span_table import SpanTableModel, SpanTableView
from annotator.gui.text_first import TextFirst
from annotator.gui.workspace import Workspace
from annotator.storage.store import DatabaseError, StoreError

MENTION_SEARCH_DELAY_MS = 400  # after the last tag, look for the new strings' other mentions
KEPT_ARTICLES = 20  # articles whose undo history stays available
_FULL_REHIGHLIGHT = 300  # above this many changed suggestions, rehighlight everything


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
        details: AttributePanel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.schema = workspace.schema
        self.undo_group = QUndoGroup(self)
        self.snap_to_words = True
        self.document: ArticleDocument | None = None
        self._view = view
        self._table = spans
        self._table_model: SpanTableModel = spans.model()  # type: ignore[assignment]
        self._articles = articles
        self._text_first = TextFirst(view, (spans, articles.view), self)
        view.painted.connect(self._text_first.text_painted)
        self._details = details
        self._stacks: dict[int, tuple[ArticleDocument, QUndoStack]] = {}
        self._selected: str | None = None  # span id
        self._suggestion: str | None = None  # suggestion id
        self._link: tuple[RelationType, str] | None = None  # relation type, head span id
        self._candidate: str | None = None  # span id offered as the other end of a link
        self._click_cycle: tuple[int, int] = (-1, 0)
        self._new_mentions: dict[ArticleDocument, dict[str, str]] = {}
        self._mention_timer = QTimer(self)
        self._mention_timer.setSingleShot(True)
        self._mention_timer.setInterval(MENTION_SEARCH_DELAY_MS)
        self._mention_timer.timeout.connect(self._search_mentions)
        self._entity_labels = [
            label.name for label in self.schema.labels if label.kind == LabelKind.ENTITY
        ]
        colors = {label.name: label.color for label in self.schema.labels}
        view.set_colors(colors)
        self._table_model.set_colors(colors)
        view.clicked.connect(self._clicked)
        # The view has read the spans it shows; the rest is read once the article is on
        # screen, so that reading never delays the first paint. Suggestions follow.
        view.shown.connect(lambda document: QTimer.singleShot(0, lambda: self._shown(document)))
        view.selectionChanged.connect(self._text_selection_changed)
        spans.selectionModel().currentRowChanged.connect(self._table_row_changed)
        articles.articleActivated.connect(self.open_article)
        details.attributeChosen.connect(self.set_attribute)
        details.unlinkRequested.connect(self.unlink)
        workspace.edits.busyChanged.connect(self._database_busy)
        workspace.edits.unsaved.connect(self._edits_unsaved)
        workspace.edits.emptied.connect(self._reload_deferred)
        # Articles an import changed while edits of them waited to be written: read again once
        # they are (read before, they would lack those edits).
        self._reload_later: set[int] = set()

    # ------------------------------------------------------------- articles

    def load_articles(self) -> None:
        summaries = self.workspace.store.list_articles(self.workspace.user)
        self._articles.model.set_articles(summaries)
        self._emit_progress()

    def save_waiting_edits(self) -> int:
        """Write the edits that wait for a busy database, waiting as long as any write
        would; returns how many still could not be written."""
        unsaved = self.workspace.edits.write_now()
        if unsaved:
            self._edits_unsaved(unsaved)
        return self.workspace.edits.waiting

    def _database_busy(self, busy: bool) -> None:
        self.message.emit(
            "The database is busy: another program is writing to it. Your edits are kept "
            "and saved as soon as it is free."
            if busy
            else "The database is free again: every edit is saved."
        )

    def _edits_unsaved(self, unsaved: dict[int, str]) -> None:
        """Kept edits that could not be written: their articles are read again, so that the
        screen shows what the database holds."""
        self.reload(set(unsaved))
        self.failed.emit("Not saved: " + "; ".join(sorted(set(unsaved.values()))))

    def reload(self, changed: set[int]) -> None:
        """After an import: read the article list again, and the articles in ``changed``, on
        which the import changed this annotator's work: their undo history no longer matches
        what the database holds, and goes. The other articles keep theirs."""
        edits = self.workspace.edits
        waiting = {article_id for article_id in changed if edits.keeps_edits_of(article_id)}
        self._reload_later |= waiting
        changed = changed - waiting
        current = self.document.article.id if self.document else None
        if current in changed:
            self._show_nothing(reopening=True)
        for article_id in changed & self._stacks.keys():
            self._drop(*self._stacks.pop(article_id))
        self.load_articles()
        if current is None:
            return
        if current in changed:
            self.open_article(current)
            self.message.emit(
                "The import changed this article: it was read again, and its undo history cleared."
            )
        else:
            self._articles.select_article(current)

    def _reload_deferred(self) -> None:
        if self._reload_later:
            changed, self._reload_later = self._reload_later, set()
            self.reload(changed)

    def open_article(self, article_id: int) -> None:
        if self.document is not None and self.document.article.id == article_id:
            return
        fresh = article_id not in self._stacks
        try:
            if fresh:
                document = ArticleDocument.open(
                    self.workspace.store,
                    self.schema,
                    article_id,
                    self.workspace.user,
                    self._view.characters_on_screen(),
                    self.workspace.edits,
                )
                stack = QUndoStack(self.undo_group)
                self._connect(document)
            else:
                document, stack = self._stacks.pop(article_id)
            self._stacks[article_id] = (document, stack)  # most recently used last
            self._forget_old_articles()
        except (DatabaseError, StoreError) as error:
            self._text_first.release()  # held for this article, which will not be painted
            self.failed.emit(str(error))
            return
        self.document = document
        self._selected = self._suggestion = self._candidate = None
        self._link = None
        self.undo_group.setActiveStack(stack)
        self._articles.mark_open(article_id)
        if self._view.isVisible():
            # The span table and the article list follow once the text is on screen (see
            # ``_shown``): drawing them first would delay the text by half as much again.
            # Until then the table keeps its last picture: drawing it empty in between would
            # cost a third of the open.
            self._text_first.hold(until_released=True)  # released by _shown
            self._table_model.set_document(None)
        else:
            self._show_in_panels(document)
        self._view.show_article(document)
        self._refresh_selection()
        self.documentOpened.emit(document)
        if fresh and document.complete:
            freeze_long_lived()
            # Suggestions are computed after the article is on screen (for a long article,
            # once it is complete).
            QTimer.singleShot(0, lambda: self._load_suggestions(document))

    def _connect(self, document: ArticleDocument) -> None:
        # Bound methods, not lambdas holding the document: a closure over the document kept
        # alive by the document's own signal would never be freed.
        document.spanAdded.connect(self._span_added)
        document.spanRemoved.connect(self._span_removed)
        document.spanChanged.connect(self._span_changed)
        document.relationsChanged.connect(self._relations_changed)
        document.statusChanged.connect(self._status_changed)
        document.suggestionsChanged.connect(self._suggestions_changed)
        document.completed.connect(self._completed)
        document.readFailed.connect(self._read_failed)

    def _source(self) -> ArticleDocument:
        document = self.sender()
        assert isinstance(document, ArticleDocument)
        return document

    def _forget_old_articles(self) -> None:
        """Keep the documents and undo histories of the last few articles only. A document
        whose edits wait for an import to end stays: read again, it would lack them."""
        edits = self.workspace.edits
        for article_id in list(self._stacks)[:-1]:  # the oldest first; the one opened stays
            if len(self._stacks) <= KEPT_ARTICLES:
                return
            if not edits.keeps_edits_of(article_id):
                self._drop(*self._stacks.pop(article_id))

    def _drop(self, document: ArticleDocument, stack: QUndoStack) -> None:
        self.undo_group.removeStack(stack)
        stack.deleteLater()
        document.deleteLater()

    def _show_nothing(self, *, reopening: bool = False) -> None:
        """No article open: nothing may keep showing a document about to be dropped. When
        it is opened again at once, the panels stay held (released, the table would be
        marked for a repaint while empty, and Qt paints it even once held again)."""
        self.document = None
        self._selected = self._suggestion = self._candidate = None
        self._link = None
        if reopening:
            self._text_first.hold(until_released=True)
        self._table_model.set_document(None)
        if not reopening:
            self._text_first.release()
        self._view.clear_article()
        self._refresh_selection()

    def _shown(self, document: ArticleDocument) -> None:
        """The article's text has been painted: the panels follow, then the rest is read."""
        if document is self.document:
            self._show_in_panels(document)
        self._text_first.release()
        self._complete_in_background(document)

    def _show_in_panels(self, document: ArticleDocument) -> None:
        """Select the article in the list and show its spans in the table."""
        self._articles.select_article(document.article.id)
        if self._table_model.document is not document:
            self._table_model.set_document(document)
            self._refresh_selection()

    def _complete_in_background(self, document: ArticleDocument) -> None:
        """Read the spans the view has not asked for, and every relation, on a pool thread."""
        starts_from = document.loaded_until
        if starts_from is None or not self._is_kept(document):
            return
        store, article_id, annotator = self.workspace.store, document.article.id, document.annotator
        run_in_background(
            lambda: store.annotations(article_id, annotator, starts_from=starts_from),
            lambda rest: self._rest_read(document, rest, starts_from),
            lambda error: self.failed.emit(f"Could not read the article's spans: {error}"),
        )

    def _rest_read(self, document: ArticleDocument, rest: Annotations, starts_from: int) -> None:
        if self._is_kept(document):
            document.complete_with(rest, starts_from)

    def _read_failed(self, error: str) -> None:
        # Shown in the status bar: it comes while drawing, and scrolling may repeat it.
        self.message.emit(f"Could not read the article's spans (highlights missing): {error}")

    def _completed(self) -> None:
        freeze_long_lived()  # the article's spans live as long as it stays open
        self._load_suggestions(self._source())

    def _complete(self) -> bool:
        """Make the open document complete (reading the database now if it must); False
        when that fails, after telling the user."""
        if self.document is None:
            return False
        try:
            self.document.ensure_complete()
        except (DatabaseError, StoreError) as error:
            self.failed.emit(f"Could not read the article's spans: {error}")
            return False
        return True

    def _load_suggestions(self, document: ArticleDocument) -> None:
        """Find suggestions on a pool thread; the article stays responsive meanwhile."""
        store, schema, article = self.workspace.store, self.schema, document.article
        annotator, labels = document.annotator, self._entity_labels
        taken = [(span.start, span.end) for span in document.spans]

        def find() -> tuple[SuggestionSet, set[str]]:
            known = store.labelled_strings(labels)
            offered = SuggestionSet(store.suggestions(article.id))
            offered.add(quote_suggestions(article.text, schema, known, article.language))
            offered.add(gazetteer_suggestions(article.text, known, taken))
            return offered, store.rejected(article.id, annotator)

        run_in_background(
            find,
            lambda found: self._suggestions_found(document, *found),
            lambda error: self.failed.emit(f"Suggestions unavailable: {error}"),
        )

    def _suggestions_found(
        self, document: ArticleDocument, offered: SuggestionSet, rejected: set[str]
    ) -> None:
        if self._is_kept(document):
            document.set_suggestions(offered, rejected)

    def _is_kept(self, document: ArticleDocument) -> bool:
        """Whether the document is still open here (results may arrive after it is dropped)."""
        return any(document is kept for kept, _stack in self._stacks.values())

    def open_next(self) -> None:
        """Open the next article (in list order, wrapping) that is neither done nor skipped.

        The order is the whole list's, whatever the filter shows: the article opened is listed.
        """
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
        if self.document is not None and self.document.status not in (Status.DONE, Status.SKIPPED):
            self.message.emit("This is the last unfinished article.")
        else:
            self.message.emit("Every article is done or skipped.")

    # -------------------------------------------------------------- editing

    def apply_label(self, label: str) -> None:
        """Tag the selected text with ``label``, or relabel the selected span."""
        document = self.document
        if document is None:
            return
        self._link = self._candidate = None
        selection = self._view.selection()
        if selection is not None:
            snap = snap_to_words if self.snap_to_words else trim_whitespace
            snapped = snap(document.text, *selection)
            if snapped is None:
                self.message.emit("The selection holds only white space.")
                return
            attrs = self.schema.label(label).defaults()
            span = Span.of(document.text, snapped[0], snapped[1], label, attrs=attrs)
            if self._push(AddSpanCommand(document, span)):
                self._view.collapse_selection_to(span.end)
                self.select_span(span.id)
            return
        selected = self.selected_span
        if selected is None:
            self.message.emit("Select some text (mouse or Shift+arrows), then press a label key.")
        elif selected.label != label:
            attributes = self.schema.label(label).attributes
            attrs = {
                a.name: selected.attrs[a.name]
                if selected.attrs.get(a.name) in a.values
                else a.default
                for a in attributes
            }
            command = UpdateSpanCommand(document, selected.id, label=label, attrs=attrs)
            if self._push(command) and command.unlinked:
                self.message.emit(f"{command.text()}, which a {label} cannot have.")

    def set_attribute(self, name: str, value: str) -> None:
        span = self.selected_span
        if self.document is None or span is None or span.attrs.get(name) == value:
            return
        self._push(UpdateSpanCommand(self.document, span.id, attrs={**span.attrs, name: value}))

    def cycle_attribute(self, index: int) -> None:
        """Give the selected span's ``index``-th attribute its next value."""
        span = self.selected_span
        if span is None:
            return
        attributes = self.schema.label(span.label).attributes
        if index >= len(attributes):
            self.message.emit(f"{span.label} has no attribute {index + 1}.")
            return
        attribute = attributes[index]
        current = span.attrs.get(attribute.name, attribute.default)
        position = attribute.values.index(current) if current in attribute.values else -1
        value = attribute.values[(position + 1) % len(attribute.values)]
        self.set_attribute(attribute.name, value)
        self.message.emit(f"{attribute.name} = {value}")

    def delete_selected(self) -> None:
        if self.document is None:
            return
        if self._suggestion is not None:
            self.reject_suggestion()
        elif self._selected is not None:
            self._push(DeleteSpanCommand(self.document, self._selected))
        else:
            self.message.emit("Click a highlighted span (or pick it in the table) to delete it.")

    def unlink(self, relation_id: str) -> None:
        if self.document is not None and self.document.relation(relation_id) is not None:
            self._push(RemoveRelationCommand(self.document, relation_id))

    def set_status(self, status: Status, *, open_next: bool = True) -> None:
        if self.document is None:
            return
        if self.document.status != status:
            self._push(SetStatusCommand(self.document, status))
        if open_next:
            self.open_next()

    def _push(self, command: QUndoCommand) -> bool:
        return self._saved(lambda: self.undo_group.activeStack().push(command))

    def undo(self) -> None:
        self._saved(self.undo_group.undo)

    def redo(self) -> None:
        self._saved(self.undo_group.redo)

    def _saved(self, change: Callable[[], object]) -> bool:
        """Run a change of the undo stack; if the store refuses it, say so and show what the
        database holds (the article is read again, its undo history cleared). The panels
        showing the change are drawn after the text's highlights."""
        self._text_first.hold()
        try:
            change()
        except (DatabaseError, StoreError) as error:
            # Qt's binding puts its own words before the message of an error that a command
            # raised ("Error calling Python override of QUndoCommand::redo(): ..."): the user
            # is shown the store's.
            message = re.sub(r"^Error calling Python override of \w+::\w+\(\): ", "", str(error))
            self.failed.emit(f"Not saved: {message}")
            self._reload()
            return False
        return True

    def _reload(self) -> None:
        """After a failed save, show exactly what the database holds."""
        if self.document is None:
            return
        article_id = self.document.article.id
        self._show_nothing(reopening=True)
        self._drop(*self._stacks.pop(article_id))
        self.open_article(article_id)

    # --------------------------------------------------------------- linking

    def start_link(self, relation_name: str) -> None:
        """Begin a link of this type from the selected span; a click or Return completes it."""
        span = self.selected_span
        relation = self.schema.relation(relation_name)
        if span is None:
            self.message.emit(f"Select a span first, then press {relation.key} to link it.")
            return
        if span.label not in relation.heads and span.label not in relation.children:
            self.message.emit(
                f"A {relation.name} link goes from {'/'.join(relation.heads)} to "
                f"{'/'.join(relation.children)}, not from {span.label}."
            )
            return
        self._link = (relation, span.id)
        self._candidate = None
        self.message.emit(
            f"{relation.name}: click the other span, or press ] / [ to choose and Return to "
            f"link; Esc cancels."
        )
        self._refresh_selection()

    def complete_link(self, other_id: str) -> None:
        if self.document is None or self._link is None:
            return
        relation_type, span_id = self._link
        span, other = self.document.span(span_id), self.document.span(other_id)
        if span is None or other is None:
            return
        if other_id == span_id:
            self.message.emit("A span cannot be linked to itself: choose another; Esc cancels.")
            return
        if relation_type.allows(span.label, other.label):
            head, child = span, other
        elif relation_type.allows(other.label, span.label):
            head, child = other, span
        else:
            self.message.emit(
                f"Not linked: a {relation_type.name} link goes from "
                f"{'/'.join(relation_type.heads)} to {'/'.join(relation_type.children)}, "
                f"not between {span.label} and {other.label}."
            )
            return
        self._link = self._candidate = None
        if self.document.has_relation(head.id, child.id, relation_type.name):
            self.message.emit("That link exists already.")
        else:
            relation = Relation(head=head.id, child=child.id, label=relation_type.name)
            if self._push(AddRelationCommand(self.document, relation)):
                self.message.emit(f"Linked: {relation_type.name} → {child.text[:60]}")
        self._selected = span.id
        self._refresh_selection()

    def cancel(self) -> None:
        """Esc: leave link mode, else clear the selection."""
        if self._link is not None:
            self._link = self._candidate = None
            self.message.emit("Link cancelled.")
            self._refresh_selection()
        else:
            self.select_span(None)

    def confirm(self) -> None:
        """Return: complete a link with the candidate, or accept the selected suggestion."""
        if self._link is not None:
            if self._candidate is None:
                self.message.emit("Press ] or [ to choose the other span, or click it.")
            else:
                self.complete_link(self._candidate)
        elif self._suggestion is not None:
            self.accept_suggestion()
        else:
            self.message.emit("Return accepts a selected suggestion or completes a link.")

    def _link_candidates(self) -> list[Span]:
        assert self.document is not None and self._link is not None
        relation_type, span_id = self._link
        span = self.document.span(span_id)
        assert span is not None
        return [
            other
            for other in self.document.spans
            if other.id != span_id
            and (
                relation_type.allows(span.label, other.label)
                or relation_type.allows(other.label, span.label)
            )
        ]

    # ----------------------------------------------------------- suggestions

    def accept_suggestion(self) -> None:
        suggestion = self.selected_suggestion
        if self.document is None or suggestion is None:
            self.message.emit("Select a suggestion (dashed underline) to accept it.")
            return
        command = AcceptSuggestionsCommand(self.document, [suggestion])
        if self._push(command):
            main = self.document.find_span(
                suggestion.main.start, suggestion.main.end, suggestion.main.label
            )
            self.select_span(main.id if main else None)

    def accept_all_suggestions(self) -> None:
        if self.document is None:
            return
        suggestions = self.document.open_suggestions()
        if not suggestions:
            self.message.emit("No open suggestions in this article.")
            return
        if self._push(AcceptSuggestionsCommand(self.document, suggestions)):
            self.message.emit(f"Accepted {len(suggestions)} suggestions.")

    def reject_suggestion(self) -> None:
        suggestion = self.selected_suggestion
        if self.document is None or suggestion is None:
            return
        following = self._neighbour(+1)
        if self._push(RejectSuggestionCommand(self.document, suggestion)):
            self._select_item(following)

    # ------------------------------------------------------------ selection

    @property
    def selected_span(self) -> Span | None:
        return self.document.span(self._selected) if self.document and self._selected else None

    @property
    def selected_suggestion(self) -> Suggestion | None:
        if self.document is None or self._suggestion is None:
            return None
        suggestion = self.document.suggestion(self._suggestion)
        return suggestion if suggestion and self.document.is_open(suggestion) else None

    def select_span(self, span_id: str | None) -> None:
        if self.document is None or (span_id is not None and not self._complete()):
            return
        span = self.document.span(span_id) if span_id else None
        self._selected = span.id if span else None
        self._suggestion = None
        self._refresh_selection()
        if span is not None:
            self.message.emit(f"{span.label}: {span.text[:80]}  [{span.start}, {span.end})")

    def select_suggestion(self, suggestion_id: str | None) -> None:
        if not self._complete():
            return
        assert self.document is not None
        self._selected = None
        self._suggestion = suggestion_id
        self._refresh_selection()
        suggestion = self.selected_suggestion
        if suggestion is not None:
            parts = ", ".join(f"{p.role} {p.label} “{p.text[:40]}”" for p in suggestion.spans)
            self.message.emit(f"Suggested: {parts}. Return accepts, Delete rejects.")

    def step(self, step: int) -> None:
        """Select the next (+1) or previous (-1) span or suggestion, or link candidate."""
        if not self._complete():
            return
        assert self.document is not None
        if self._link is not None:
            candidates = self._link_candidates()
            if not candidates:
                self.message.emit("No span can be linked that way.")
                return
            ids = [c.id for c in candidates]
            if self._candidate in ids:
                index = (ids.index(self._candidate) + step) % len(ids)
            else:
                head = self.document.span(self._link[1])
                assert head is not None
                after = [i for i, c in enumerate(candidates) if c.start >= head.end]
                index = after[0] if step > 0 and after else (after[0] - 1 if after else -1)
            self._candidate = ids[index % len(ids)]
            self._refresh_selection()
            return
        self._select_item(self._neighbour(step))

    def _items(self) -> list[tuple[int, int, str, str]]:
        """Spans and open suggestions in text order, as (start, end, kind, id)."""
        assert self.document is not None
        items = [(s.start, s.end, "span", s.id) for s in self.document.spans]
        items += [
            (s.main.start, s.main.end, "suggestion", s.id) for s in self.document.open_suggestions()
        ]
        return sorted(items)

    def _neighbour(self, step: int) -> tuple[str, str] | None:
        items = self._items()
        if not items:
            return None
        current = ("span", self._selected) if self._selected else ("suggestion", self._suggestion)
        keys = [(kind, item_id) for _s, _e, kind, item_id in items]
        if current in keys:
            return keys[(keys.index(current) + step) % len(keys)]
        return keys[0] if step > 0 else keys[-1]

    def _select_item(self, item: tuple[str, str] | None) -> None:
        if item is None:
            self.select_span(None)
        elif item[0] == "span":
            self.select_span(item[1])
        else:
            self.select_suggestion(item[1])

    def _refresh_selection(self) -> None:
        """Show the selection everywhere: view markers, table row, attribute panel."""
        document = self.document
        span = self.selected_span
        selected: list[Any] = []
        linked: list[Span] = []
        if document is not None and span is not None:
            selected = [span]
            links = document.links(span.id)
            linked = [link.other for link in links]
            self._details.show_span(span, self.schema.label(span.label), links)
        else:
            self._details.show_span(None, None, [])
            suggestion = self.selected_suggestion
            if suggestion is not None:
                selected = [
                    SuggestionPart(p.role, p.start, p.end, p.label, suggestion.id)
                    for p in suggestion.spans
                ]
        candidate = document.span(self._candidate) if document and self._candidate else None
        self._view.mark(selected, linked, candidate)
        selection = self._table.selectionModel()
        if document is None or span is None:
            selection.clear()
            return
        row = document.row_of(span.id)
        index = self._table_model.index(row, 0)
        if selection.currentIndex().row() != row:
            selection.setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._table.scrollTo(index)

    def _clicked(self, position: int) -> None:
        document = self.document
        if document is None:
            return
        spans = document.index.at(position)
        if self._link is not None:
            if spans:
                # A click inside the span the link starts from means a span enclosing it
                # (a claim's quote, say), if there is one.
                head = self._link[1]
                self.complete_link(next((s.id for s in spans if s.id != head), spans[0].id))
            else:
                self.message.emit("Click a highlighted span to link it; Esc cancels.")
            return
        items: list[tuple[str, str]] = [("span", s.id) for s in spans]
        seen = set()
        for part in document.open_parts_at(position):
            if part.suggestion_id not in seen:
                seen.add(part.suggestion_id)
                items.append(("suggestion", part.suggestion_id))
        if not items:
            self.select_span(None)
            return
        # Repeated clicks on the same spot walk outwards through nested spans.
        last_position, depth = self._click_cycle
        depth = depth + 1 if last_position == position else 0
        self._click_cycle = (position, depth)
        self._select_item(items[depth % len(items)])

    def _text_selection_changed(self) -> None:
        has_selection = self._view.textCursor().hasSelection()
        if has_selection and (self._selected is not None or self._suggestion is not None):
            self._selected = self._suggestion = None
            self._link = self._candidate = None
            self._refresh_selection()

    def _table_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        span = self._table_model.span_at(current.row())
        if span is not None and span.id != self._selected:
            if self._link is not None:
                self.complete_link(span.id)
                return
            self._view.collapse_selection_to(span.start)
            self.select_span(span.id)

    # ------------------------------------------------------ document signals

    def _span_added(self, _row: int, span: Span) -> None:
        document = self._source()
        self._after_change(document, span.start, span.end)
        if document is self.document and span.origin == "manual":
            self._offer_mentions(document, span)

    def _offer_mentions(self, document: ArticleDocument, span: Span) -> None:
        """A newly labelled entity string is suggested at its other places in the article.

        The search waits until tagging pauses and runs on a pool thread, so that tagging stays
        instant even in a long article.
        """
        if span.label not in self._entity_labels or len(span.text) > 80:
            return
        self._new_mentions.setdefault(document, {})[span.text] = span.label
        self._mention_timer.start()

    def _search_mentions(self) -> None:
        pending, self._new_mentions = self._new_mentions, {}
        for document, known in pending.items():
            if self._is_kept(document):
                self._search_mentions_in(document, known)

    def _search_mentions_in(self, document: ArticleDocument, known: dict[str, str]) -> None:
        text, spans = document.text, tuple(document.spans)
        run_in_background(
            lambda: gazetteer_suggestions(text, known, [(s.start, s.end) for s in spans]),
            lambda found: self._mentions_found(document, found),
            lambda error: self.failed.emit(f"Suggestions unavailable: {error}"),
        )

    def _mentions_found(self, document: ArticleDocument, found: list[Suggestion]) -> None:
        if self._is_kept(document):
            document.add_suggestions(found)

    def _span_removed(self, _row: int, span: Span) -> None:
        document = self._source()
        if span.id in (self._selected, self._candidate) or (
            self._link is not None and self._link[1] == span.id
        ):
            if span.id == self._selected:
                self._selected = None
            self._link = self._candidate = None
        self._after_change(document, span.start, span.end)

    def _span_changed(self, _row: int, old: Span, new: Span) -> None:
        document = self._source()
        self._after_change(document, min(old.start, new.start), max(old.end, new.end))

    def _relations_changed(self, _span_ids: object) -> None:
        if self._source() is self.document:
            self._refresh_selection()

    def _suggestions_changed(self, changed: list[Suggestion]) -> None:
        if self._source() is not self.document:
            return
        highlighter = self._view.highlighter
        if len(changed) > _FULL_REHIGHLIGHT:
            highlighter.rehighlight_all()
        else:
            for suggestion in changed:
                for part in suggestion.spans:
                    highlighter.rehighlight_range(part.start, part.end)
        if self._suggestion is not None and self.selected_suggestion is None:
            self._suggestion = None
            self._refresh_selection()

    def _after_change(self, document: ArticleDocument, start: int, end: int) -> None:
        if document is self.document:
            self._view.highlighter.rehighlight_range(start, end)
            self._refresh_selection()
        self._articles.model.update_article(
            document.article.id, span_count=len(document.spans), status=document.status
        )

    def _status_changed(self, _status: Status) -> None:
        document = self._source()
        self._articles.model.update_article(document.article.id, status=document.status)
        self._emit_progress()

    def _emit_progress(self) -> None:
        summaries = self._articles.model.summaries()
        self.progressChanged.emit(
            sum(1 for s in summaries if s.status == Status.DONE), len(summaries)
        )

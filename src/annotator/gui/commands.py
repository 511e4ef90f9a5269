"""Undoable edits. Each command acts on an ``ArticleDocument``, never on a widget.

Commands keep span and relation ids, so a redone span is the same span (same id) in the
database and in any export.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from annotator.core.models import Origin, Relation, Span, Status, Suggestion
from annotator.gui.document import ArticleDocument


class AddSpanCommand(QUndoCommand):
    def __init__(self, document: ArticleDocument, span: Span) -> None:
        super().__init__(f"Tag {span.label} “{_short(span.text)}”")
        self._document = document
        self._span = span

    def redo(self) -> None:
        self._span = self._document.add_span(self._span)

    def undo(self) -> None:
        self._document.remove_span(self._span.id)


class DeleteSpanCommand(QUndoCommand):
    """Deletes a span with its relations; undo restores both, with their ids."""

    def __init__(self, document: ArticleDocument, span_id: str) -> None:
        span = document.span(span_id)
        assert span is not None
        super().__init__(f"Delete {span.label} “{_short(span.text)}”")
        self._document = document
        self._span_id = span_id
        self._removed: tuple[Span, tuple[Relation, ...]] | None = None

    def redo(self) -> None:
        self._removed = self._document.remove_span(self._span_id)

    def undo(self) -> None:
        assert self._removed is not None
        span, relations = self._removed
        self._document.add_span(span, relations)


class UpdateSpanCommand(QUndoCommand):
    """Changes a span's label and/or attributes.

    A new label also removes the span's links that the schema allows with the old label and
    refuses with the new one (``unlinked``); undo restores them, with their ids.
    """

    def __init__(
        self,
        document: ArticleDocument,
        span_id: str,
        *,
        label: str | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        span = document.span(span_id)
        assert span is not None
        self.unlinked: tuple[Relation, ...] = ()
        if label is not None and label != span.label:
            self.unlinked = tuple(document.relations_refused(span_id, label))
            text = f"Relabel “{_short(span.text)}” {span.label} → {label}"
            if self.unlinked:
                text += ", removing its " + ", ".join(
                    _describe_link(document, relation, span_id) for relation in self.unlinked
                )
        else:
            text = f"Set attributes of “{_short(span.text)}”"
        super().__init__(text)
        self._document = document
        self._span_id = span_id
        self._old = (span.label, dict(span.attrs))
        self._new = (label or span.label, dict(span.attrs if attrs is None else attrs))

    def redo(self) -> None:
        for relation in self.unlinked:
            self._document.remove_relation(relation.id)
        label, attrs = self._new
        self._document.update_span(self._span_id, label=label, attrs=attrs)

    def undo(self) -> None:
        label, attrs = self._old
        self._document.update_span(self._span_id, label=label, attrs=attrs)
        for relation in self.unlinked:
            self._document.add_relation(relation)


class AddRelationCommand(QUndoCommand):
    def __init__(self, document: ArticleDocument, relation: Relation) -> None:
        head, child = document.span(relation.head), document.span(relation.child)
        assert head is not None and child is not None
        super().__init__(f"Link “{_short(head.text)}” {relation.label} “{_short(child.text)}”")
        self._document = document
        self._relation = relation

    def redo(self) -> None:
        self._document.add_relation(self._relation)

    def undo(self) -> None:
        self._document.remove_relation(self._relation.id)


class RemoveRelationCommand(QUndoCommand):
    def __init__(self, document: ArticleDocument, relation_id: str) -> None:
        relation = document.relation(relation_id)
        assert relation is not None
        super().__init__(f"Unlink {relation.label}")
        self._document = document
        self._relation = relation

    def redo(self) -> None:
        self._document.remove_relation(self._relation.id)

    def undo(self) -> None:
        self._document.add_relation(self._relation)


class SetStatusCommand(QUndoCommand):
    def __init__(self, document: ArticleDocument, status: Status) -> None:
        super().__init__(f"Mark {status.value.replace('_', ' ')}")
        self._document = document
        self._old = document.status
        self._new = status

    def redo(self) -> None:
        self._document.set_status(self._new)

    def undo(self) -> None:
        self._document.set_status(self._old)


class RejectSuggestionCommand(QUndoCommand):
    def __init__(self, document: ArticleDocument, suggestion: Suggestion) -> None:
        super().__init__(
            f"Reject suggested {suggestion.main.label} “{_short(suggestion.main.text)}”"
        )
        self._document = document
        self._id = suggestion.id

    def redo(self) -> None:
        self._document.set_rejected(self._id, True)

    def undo(self) -> None:
        self._document.set_rejected(self._id, False)


class AcceptSuggestionsCommand(QUndoCommand):
    """Turns suggestions into spans (origin ``suggested``) and relations, as one step.

    A suggested span that matches an existing span (same offsets and label) reuses it. The plan
    is made once, so redo after undo recreates the same ids.
    """

    def __init__(self, document: ArticleDocument, suggestions: list[Suggestion]) -> None:
        if len(suggestions) == 1:
            main = suggestions[0].main
            text = f"Accept suggested {main.label} “{_short(main.text)}”"
        else:
            text = f"Accept {len(suggestions)} suggestions"
        super().__init__(text)
        self._document = document
        self._spans: list[Span] = []
        self._relations: list[Relation] = []
        planned: dict[tuple[int, int, str], str] = {}
        for suggestion in suggestions:
            ids: dict[str, str] = {}
            for part in suggestion.spans:
                key = (part.start, part.end, part.label)
                existing = document.find_span(*key)
                if existing is not None:
                    ids[part.role] = existing.id
                elif key in planned:
                    ids[part.role] = planned[key]
                else:
                    label = document.schema.label(part.label)
                    span = Span.of(
                        document.text,
                        part.start,
                        part.end,
                        part.label,
                        attrs={**label.defaults(), **part.attrs},
                        origin=Origin.SUGGESTED,
                    )
                    planned[key] = ids[part.role] = span.id
                    self._spans.append(span)
            for link in suggestion.relations:
                head, child = ids[link.head], ids[link.child]
                if not document.has_relation(head, child, link.label) and not any(
                    (r.head, r.child, r.label) == (head, child, link.label) for r in self._relations
                ):
                    self._relations.append(
                        Relation(head=head, child=child, label=link.label, origin=Origin.SUGGESTED)
                    )

    @property
    def created(self) -> list[Span]:
        return list(self._spans)

    def redo(self) -> None:
        for span in self._spans:
            self._document.add_span(span)
        for relation in self._relations:
            self._document.add_relation(relation)

    def undo(self) -> None:
        for relation in reversed(self._relations):
            if self._document.relation(relation.id) is not None:
                self._document.remove_relation(relation.id)
        for span in reversed(self._spans):
            self._document.remove_span(span.id)


def _describe_link(document: ArticleDocument, relation: Relation, span_id: str) -> str:
    other = document.span(relation.child if relation.head == span_id else relation.head)
    assert other is not None
    return f"{relation.label} link with “{_short(other.text)}”"


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

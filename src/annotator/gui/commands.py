"""Undoable edits. Each command acts on an ``ArticleDocument``, never on a widget.

Commands keep span and relation ids, so a redone span is the same span (same id) in the
database and in any export.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from annotator.core.models import Relation, Span, Status
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


class RelabelSpanCommand(QUndoCommand):
    def __init__(self, document: ArticleDocument, span_id: str, label: str) -> None:
        span = document.span(span_id)
        assert span is not None
        super().__init__(f"Relabel “{_short(span.text)}” {span.label} → {label}")
        self._document = document
        self._span_id = span_id
        self._old = span.label
        self._new = label

    def redo(self) -> None:
        self._document.relabel_span(self._span_id, self._new)

    def undo(self) -> None:
        self._document.relabel_span(self._span_id, self._old)


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


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

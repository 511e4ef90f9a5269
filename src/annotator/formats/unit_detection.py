"""Offsets between other tools' files and code points: which unit a file counts, and the spans
and relations it gives, converted and checked.

Tools count offsets in code points, UTF-16 code units or grapheme clusters (see
``annotator.core.units``). Where a text has nothing that makes these differ, every reading gives
the same offsets. Elsewhere only spans that carry their own text can tell: each reads its text
in some units and not in others. A file is written by one tool in one unit, so the first
document that tells decides for the whole file; documents that need the unit before then wait
for it. A file that never tells is refused, naming the first document that needed the unit,
rather than imported with shifted spans (:class:`UnknownUnit`): the user then says which
unit the file counts.

Readers parse a file into :class:`RawDocument` objects (offsets as in the file) and pass them
to :func:`import_documents`. A span or relation that cannot be imported raises
:class:`InvalidAnnotation`, or with ``skip_invalid`` is left out and its message recorded. Not
knowing the unit always stops the import: it concerns the whole file, not one annotation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.core.exchange import ImportedDocument
from annotator.core.models import AnnotatedArticle, ArticleIn, Origin, Relation, Span, Status
from annotator.core.units import Unit, UnitError, UnitMap, matching_units, unit_matters
from annotator.formats.base import InvalidAnnotation, UnknownUnit
from annotator.formats.native_jsonl import ExportError

_UNITS = "code points, UTF-16 code units or grapheme clusters"
_NAMES = {
    Unit.CODEPOINT: "code points",
    Unit.UTF16: "UTF-16 code units",
    Unit.GRAPHEME: "grapheme clusters",
}
_ORDER = tuple(Unit)  # the preferred unit first, when several give the same offsets


def ambiguous(where: str) -> UnknownUnit:
    return UnknownUnit(
        f"cannot tell whether offsets in {where} count {_UNITS}; the text has characters "
        "outside the BMP, combining marks or CRLF"
    )


def _no_unit(where: str) -> str:
    return f"offsets in {where} match no unit: no count of {_UNITS} makes every span read its text"


def resolve_unit(
    text: str,
    spans_with_text: Sequence[tuple[int, int, str]],
    requested: Unit | None,
    where: str,
) -> Unit:
    """The unit of one document's offsets: ``requested`` if given, else what its spans tell."""
    if requested is not None:
        return requested
    if not unit_matters(text):
        return Unit.CODEPOINT
    if not spans_with_text:
        raise ambiguous(where)
    units = matching_units(text, spans_with_text)
    if not units:
        raise InvalidAnnotation(_no_unit(where))
    if _agree(text, [(start, end) for start, end, _ in spans_with_text], units):
        return _preferred(units)
    raise ambiguous(where)


def _preferred(units: Iterable[Unit]) -> Unit:
    return min(units, key=_ORDER.index)


def _agree(text: str, offsets: Sequence[tuple[int, int]], units: Iterable[Unit]) -> bool:
    """Whether every unit turns ``offsets`` into the same code points (or fails on the same)."""
    return len({_reading(text, offsets, unit) for unit in units}) <= 1


def _reading(
    text: str, offsets: Sequence[tuple[int, int]], unit: Unit
) -> tuple[tuple[int, int] | None, ...]:
    units = UnitMap(text, unit)
    reading: list[tuple[int, int] | None] = []
    for start, end in offsets:
        try:
            reading.append((units.to_codepoint(start), units.to_codepoint(end)))
        except UnitError:
            reading.append(None)
    return tuple(reading)


@dataclass
class RawSpan:
    """A span as a file gives it: offsets in the file's unit, its text only if the file has it."""

    start: int
    end: int
    label: str
    text: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    origin: Origin = Origin.MANUAL


@dataclass(frozen=True)
class RawRelation:
    head: int  # index into RawDocument.spans
    child: int
    label: str
    origin: Origin = Origin.MANUAL


@dataclass
class RawDocument:
    """One annotator's annotations on one article, before offsets are converted."""

    article: ArticleIn
    annotator: str | None
    where: str
    status: Status | None = None
    spans: list[RawSpan] = field(default_factory=list)
    relations: list[RawRelation] = field(default_factory=list)

    @property
    def offsets(self) -> list[tuple[int, int]]:
        return [(span.start, span.end) for span in self.spans]


def report(problem: str, skipped: list[str] | None) -> None:
    """Raise :class:`InvalidAnnotation`, or record ``problem`` when invalid ones are skipped."""
    if skipped is None:
        raise InvalidAnnotation(problem)
    skipped.append(problem)


class FileUnitDecider:
    """Decides the unit of one file's offsets from the evidence of its documents.

    :meth:`add` takes the documents in file order and returns those that can be converted now,
    with their unit, still in file order; :meth:`finish` raises if some could never be. Where
    the format's spans never carry their text, nothing later can tell: the first document that
    needs the unit is refused at once instead of holding the rest of the file in memory.
    """

    def __init__(
        self,
        requested: Unit | None,
        skipped: list[str] | None = None,
        spans_carry_text: bool = True,
    ) -> None:
        self.unit = requested
        self._candidates = set(Unit)
        self._held: deque[RawDocument] = deque()
        self._skipped = skipped
        self._spans_carry_text = spans_carry_text

    def add(self, document: RawDocument) -> list[tuple[RawDocument, Unit]]:
        if self.unit is None and not self._learn(document):
            return []
        self._held.append(document)
        ready = []
        while self._held:
            unit = self.unit or self._agreed(self._held[0])
            if unit is None:
                break
            ready.append((self._held.popleft(), unit))
        if self._held and not self._spans_carry_text:
            self.finish()
        return ready

    def finish(self) -> None:
        if self._held:
            raise ambiguous(self._held[0].where)

    def _learn(self, document: RawDocument) -> bool:
        """Narrow the file's units by the spans of ``document`` that read their text.

        Returns False when the document contradicts itself or the file and is skipped.
        """
        text = document.article.text
        if not unit_matters(text):
            return True
        evidence = [
            units
            for span in document.spans
            if span.text is not None
            and (units := matching_units(text, [(span.start, span.end, span.text)]))
        ]
        if not evidence:
            return True  # spans that read their text in no unit are reported when converted
        own = set.intersection(*evidence)
        found = own & self._candidates
        if not found:
            problem = _no_unit(document.where)
            if own:
                problem = (
                    f"offsets in {document.where} count {_describe(own)}, but earlier documents "
                    f"of the file count {_describe(self._candidates)}"
                )
            report(problem, self._skipped)
            return False
        self._candidates = found
        if len(found) == 1:
            (self.unit,) = found
        return True

    def _agreed(self, document: RawDocument) -> Unit | None:
        """A unit for ``document`` if all units still possible give it the same offsets."""
        text = document.article.text
        if not unit_matters(text) or _agree(text, document.offsets, self._candidates):
            return _preferred(self._candidates)
        return None


def _describe(units: Iterable[Unit]) -> str:
    return " or ".join(_NAMES[unit] for unit in sorted(units, key=_ORDER.index))


def import_documents(
    documents: Iterable[RawDocument],
    requested: Unit | None,
    skipped: list[str] | None,
    spans_carry_text: bool = True,
) -> Iterator[ImportedDocument]:
    """Convert the documents of one file to code points, deciding the unit per file."""
    decider = FileUnitDecider(requested, skipped, spans_carry_text)
    for document in documents:
        for ready, unit in decider.add(document):
            yield to_imported(ready, unit, skipped)
    decider.finish()


def to_imported(document: RawDocument, unit: Unit, skipped: list[str] | None) -> ImportedDocument:
    """``document`` with offsets in code points, each span checked against the text."""
    text = document.article.text
    units = UnitMap(text, unit)
    spans: list[Span | None] = []
    for raw in document.spans:
        try:
            spans.append(_span(text, units, raw))
        except ValueError as error:
            report(f"{document.where}: span {raw.label} [{raw.start}, {raw.end}): {error}", skipped)
            spans.append(None)
    relations = []
    for raw_relation in document.relations:
        head, child = spans[raw_relation.head], spans[raw_relation.child]
        if head is None or child is None:
            end = "head" if head is None else "child"
            report(
                f"{document.where}: relation {raw_relation.label} left out with its {end} span",
                skipped,
            )
            continue
        relations.append(
            Relation(
                head=head.id,
                child=child.id,
                label=raw_relation.label,
                origin=raw_relation.origin,
            )
        )
    return ImportedDocument(
        article=document.article,
        annotator=document.annotator,
        spans=[span for span in spans if span is not None],
        relations=relations,
        status=document.status,
        where=document.where,
    )


def _span(text: str, units: UnitMap, raw: RawSpan) -> Span:
    """Raises ``ValueError`` (``UnitError`` included) with the reason for the user."""
    start, end = units.to_codepoint(raw.start), units.to_codepoint(raw.end)
    if start >= end:
        raise ValueError("the span is empty")
    found = text[start:end]
    if raw.text is not None and raw.text != found:
        raise ValueError(
            f"should read {raw.text!r} but the text there is {found!r} "
            f"(counting {_NAMES[units.unit]})"
        )
    return Span(
        start=start, end=end, label=raw.label, text=found, attrs=raw.attrs, origin=raw.origin
    )


def check_spans(item: AnnotatedArticle) -> None:
    """Raise ``ExportError`` unless every span reads its text in code points, the unit that
    Python consumers of the exported files count."""
    text = item.article.text
    for span in item.annotations.spans:
        found = text[span.start : span.end]
        if found != span.text:
            raise ExportError(
                f"article {item.article.external_id!r}, annotator "
                f"{item.annotations.annotator!r}: span {span.id} [{span.start}, {span.end}) "
                f"should read {span.text!r} but the text there is {found!r}; nothing was written"
            )

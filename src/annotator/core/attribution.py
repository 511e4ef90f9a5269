"""Who said what: relations that follow from others.

A claim made inside a quote takes its claimant from the quote's speaker, unless the claim has
a claimant of its own. "Inside" means linked by ``in_quote``, or else lying within a quote span
(the innermost one). Each question touches only the spans near the claim, so the window can ask
it for one span at a time, and an export for a whole article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from annotator.core.models import Origin, Relation, Span
from annotator.core.schema import LabelKind, LabelSchema
from annotator.core.span_index import SpanIndex

SPEAKER, CLAIMANT, IN_QUOTE = "speaker", "claimant", "in_quote"

RelationsOf = Callable[[str], Iterable[Relation]]


class Attribution:
    """Derives claimants for a schema that has speaker and claimant relations."""

    def __init__(self, schema: LabelSchema) -> None:
        names = {relation.name for relation in schema.relations}
        self.enabled = {SPEAKER, CLAIMANT} <= names
        self._kinds = {label.name: label.kind for label in schema.labels}

    def is_claim(self, span: Span) -> bool:
        return self._kinds.get(span.label) == LabelKind.CLAIM

    def is_quote(self, span: Span) -> bool:
        return self._kinds.get(span.label) == LabelKind.QUOTE

    def claimants(
        self, claim: Span, index: SpanIndex[Span], relations_of: RelationsOf
    ) -> list[Relation]:
        """Derived claimant relations of one claim (none when it has an explicit claimant)."""
        if not self.enabled or not self.is_claim(claim):
            return []
        own = list(relations_of(claim.id))
        if any(r.label == CLAIMANT and r.head == claim.id for r in own):
            return []
        quote_id = next((r.child for r in own if r.label == IN_QUOTE and r.head == claim.id), None)
        if quote_id is None:
            around = [
                q
                for q in index.overlapping(claim.start, claim.end)
                if self.is_quote(q) and q.start <= claim.start and claim.end <= q.end
            ]
            if not around:
                return []
            quote_id = min(around, key=lambda q: q.end - q.start).id
        return [
            Relation(
                id=f"{claim.id}.{CLAIMANT}.{r.child}",
                head=claim.id,
                child=r.child,
                label=CLAIMANT,
                origin=Origin.DERIVED,
            )
            for r in relations_of(quote_id)
            if r.label == SPEAKER and r.head == quote_id
        ]

    def claims_attributed_to(
        self,
        speaker_id: str,
        spans: Callable[[str], Span | None],
        index: SpanIndex[Span],
        relations_of: RelationsOf,
    ) -> list[Relation]:
        """Derived claimant relations whose claimant is this span (it speaks in a quote)."""
        if not self.enabled:
            return []
        found = []
        for spoken in relations_of(speaker_id):
            if spoken.label != SPEAKER or spoken.child != speaker_id:
                continue
            quote = spans(spoken.head)
            if quote is None:
                continue
            claims = {
                c.id: c for c in index.overlapping(quote.start, quote.end) if self.is_claim(c)
            }
            for linked in relations_of(quote.id):
                if linked.label == IN_QUOTE and (claim := spans(linked.head)) is not None:
                    claims[claim.id] = claim
            for claim in claims.values():
                found += [
                    r for r in self.claimants(claim, index, relations_of) if r.child == speaker_id
                ]
        return found


def derived_claimants(
    spans: Sequence[Span], relations: Iterable[Relation], schema: LabelSchema
) -> list[Relation]:
    """Every derived claimant relation of one article."""
    attribution = Attribution(schema)
    if not attribution.enabled:
        return []
    by_span: dict[str, list[Relation]] = {}
    for relation in relations:
        by_span.setdefault(relation.head, []).append(relation)
        if relation.child != relation.head:
            by_span.setdefault(relation.child, []).append(relation)
    index = SpanIndex(span for span in spans if attribution.is_quote(span))
    derived = []
    for span in spans:
        derived += attribution.claimants(span, index, lambda span_id: by_span.get(span_id, ()))
    return derived

"""Who said what: relations that follow from others.

A claim made inside a quote takes its claimant from the quote's speaker, unless the claim has
a claimant of its own. "Inside" means linked by ``in_quote``, or else lying within a quote span.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from annotator.core.models import Origin, Relation, Span
from annotator.core.schema import LabelKind, LabelSchema

SPEAKER, CLAIMANT, IN_QUOTE = "speaker", "claimant", "in_quote"


def derived_claimants(
    spans: Sequence[Span], relations: Iterable[Relation], schema: LabelSchema
) -> list[Relation]:
    """Claimant relations implied by quotes, for claims without an explicit claimant."""
    names = {relation.name for relation in schema.relations}
    if not {SPEAKER, CLAIMANT} <= names:
        return []
    kinds = {label.name: label.kind for label in schema.labels}
    relations = list(relations)
    has_claimant = {r.head for r in relations if r.label == CLAIMANT}
    speakers: dict[str, list[str]] = {}
    quote_of: dict[str, str] = {}
    for relation in relations:
        if relation.label == SPEAKER:
            speakers.setdefault(relation.head, []).append(relation.child)
        elif relation.label == IN_QUOTE:
            quote_of.setdefault(relation.head, relation.child)
    quotes = [span for span in spans if kinds.get(span.label) == LabelKind.QUOTE]
    derived = []
    for claim in spans:
        if kinds.get(claim.label) != LabelKind.CLAIM or claim.id in has_claimant:
            continue
        quote_id = quote_of.get(claim.id) or _innermost_quote(claim, quotes)
        for speaker in speakers.get(quote_id or "", []):
            derived.append(
                Relation(
                    id=f"{claim.id}.{CLAIMANT}.{speaker}",
                    head=claim.id,
                    child=speaker,
                    label=CLAIMANT,
                    origin=Origin.DERIVED,
                )
            )
    return derived


def _innermost_quote(claim: Span, quotes: Sequence[Span]) -> str | None:
    around = [q for q in quotes if q.start <= claim.start and claim.end <= q.end]
    return min(around, key=lambda q: q.end - q.start).id if around else None

"""Pre-annotation: turn the quote finder and the project gazetteer into suggestions.

Suggestions use the schema's names: a quote label (kind ``quote``), a cue label (kind ``cue``),
and the ``speaker``, ``cue`` and ``continues`` relation types when the schema declares them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from annotator.core.gazetteer import find_mentions
from annotator.core.models import SuggestedRelation, SuggestedSpan, Suggestion
from annotator.core.quotes import TextRange, find_quotes
from annotator.core.schema import LabelKind, LabelSchema

QUOTES, GAZETTEER = "quotes", "gazetteer"


def quote_suggestions(
    text: str,
    schema: LabelSchema,
    known: Mapping[str, str] | None = None,
    language: str | None = None,
) -> list[Suggestion]:
    """One suggestion per quotation: its content part(s), cue and speaker, linked."""
    quote_label = _label_of_kind(schema, LabelKind.QUOTE)
    cue_label = _label_of_kind(schema, LabelKind.CUE)
    if quote_label is None:
        return []
    relations = {relation.name: relation for relation in schema.relations}
    speaker_type = relations.get("speaker")
    suggestions = []
    for quote in find_quotes(text, language):
        spans = [
            SuggestedSpan(
                role=f"content{index}",
                start=part.start,
                end=part.end,
                label=quote_label,
                text=part.text,
                attrs={"type": "direct"} if _has_attribute(schema, quote_label, "type") else {},
            )
            for index, part in enumerate(quote.content)
        ]
        links = [
            SuggestedRelation(
                head=f"content{index}", child=f"content{index - 1}", label="continues"
            )
            for index in range(1, len(quote.content))
            if "continues" in relations
        ]
        if quote.cue is not None and cue_label is not None and "cue" in relations:
            spans.append(_part("cue", quote.cue, cue_label))
            links.append(SuggestedRelation(head="content0", child="cue", label="cue"))
        if quote.speaker is not None and speaker_type is not None:
            label = (known or {}).get(quote.speaker.text)
            if label not in speaker_type.children:
                label = speaker_type.children[0]
            spans.append(_part("speaker", quote.speaker, label))
            links.append(SuggestedRelation(head="content0", child="speaker", label="speaker"))
        suggestions.append(Suggestion.make(QUOTES, spans, links))
    return suggestions


def gazetteer_suggestions(
    text: str, known: Mapping[str, str], taken: Iterable[tuple[int, int]] = ()
) -> list[Suggestion]:
    """Every other occurrence of a string already labelled somewhere in the project."""
    return [
        Suggestion.make(
            GAZETTEER,
            [SuggestedSpan(role="entity", start=start, end=end, label=label, text=text[start:end])],
        )
        for start, end, label in find_mentions(text, known, taken)
    ]


def _part(role: str, found: TextRange, label: str) -> SuggestedSpan:
    return SuggestedSpan(role=role, start=found.start, end=found.end, label=label, text=found.text)


def _label_of_kind(schema: LabelSchema, kind: LabelKind) -> str | None:
    return next((label.name for label in schema.labels if label.kind == kind), None)


def _has_attribute(schema: LabelSchema, label: str, name: str) -> bool:
    return any(attribute.name == name for attribute in schema.label(label).attributes)

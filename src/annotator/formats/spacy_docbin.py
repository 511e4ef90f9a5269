"""spaCy's binary training format: a ``.spacy`` file holding a ``DocBin``.

One ``Doc`` per article and annotator, tokenized by ``spacy.blank`` for the article's language
(the multi-language ``xx`` when spaCy has no tokenizer for it). Every span is in
``doc.spans["sc"]`` (overlaps allowed) with its id as ``Span.id_``; entity-kind spans are also
in ``doc.ents``, which cannot overlap: there the longest (then earliest) is kept and the others
are reported. ``doc.user_data["annotator"]`` holds the article id, annotator and status, each
carried span's id, original offsets, attributes and origin (in ``doc.spans["sc"]`` order), and
the relations, including the derived claimants the native export adds. spaCy stores user data
but none of its components reads it, so it trains on the spans only.

Spans are placed with ``Doc.char_span``. In ``strict`` alignment a span that does not start and
end on token boundaries is reported and left out; in ``expand`` alignment it is widened to the
tokens it touches, and the widening is reported.

spaCy is an optional dependency, imported only when writing. A ``DocBin`` is one compressed
blob, so the documents are held in memory until the file is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from annotator.core.attribution import derived_claimants
from annotator.core.models import AnnotatedArticle, Span
from annotator.core.schema import LabelKind, LabelSchema
from annotator.formats.atomic import atomic_output
from annotator.formats.base import ExportReport
from annotator.formats.tokens import (
    blank_pipeline,
    check_span_text,
    describe_relation,
    describe_span,
    outermost,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, DocBin
    from spacy.tokens import Span as SpacySpan

Align = Literal["strict", "expand"]
SPANS_KEY = "sc"
USER_DATA_KEY = "annotator"
SPACY_MISSING = "the spacy format needs spaCy: pip install 'annotator[spacy]'"


class SpacyWriter:
    name = "spacy"
    suffix = ".spacy"

    def __init__(self, align: Align) -> None:
        if align not in get_args(Align):
            raise ValueError(f"align must be 'strict' or 'expand', not {align!r}")
        self.align = align

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None:
        docs = _docbin_class()(store_user_data=True)
        for item in items:
            docs.add(self._doc(item, schema, report))
            report.records += 1
        data = docs.to_bytes()
        with atomic_output(target) as out:
            out.write(data)

    def _doc(self, item: AnnotatedArticle, schema: LabelSchema, report: ExportReport) -> Doc:
        article, annotations = item.article, item.annotations
        doc = blank_pipeline(article.language).make_doc(article.text)
        carried: list[tuple[Span, SpacySpan]] = []
        for span in annotations.spans:
            check_span_text(item, span)
            placed = doc.char_span(
                span.start, span.end, span.label, alignment_mode=self.align, span_id=span.id
            )
            # Expanding a span that covers only a token's trailing space gives an empty span.
            if placed is None or len(placed) == 0:
                report.omit(item, describe_span(span), "not on spaCy token boundaries")
                continue
            if (placed.start_char, placed.end_char) != (span.start, span.end):
                report.omit(
                    item,
                    f"{describe_span(span)} widened to [{placed.start_char}, {placed.end_char})",
                    "widened to spaCy token boundaries",
                )
            carried.append((span, placed))
        doc.spans[SPANS_KEY] = [placed for _, placed in carried]

        kinds = {label.name: label.kind for label in schema.labels}
        entities = [pair for pair in carried if kinds.get(pair[0].label) == LabelKind.ENTITY]
        kept, dropped = outermost(entities, lambda pair: (pair[1].start, pair[1].end))
        doc.ents = [placed for _, placed in kept]
        for span, _ in dropped:
            report.omit(
                item,
                describe_span(span),
                f'overlaps a longer entity: in doc.spans["{SPANS_KEY}"] but not in doc.ents',
            )

        ids = {span.id for span, _ in carried}
        spans_by_id = {span.id: span for span in annotations.spans}
        relations: list[dict[str, Any]] = []
        for relation in (
            *annotations.relations,
            *derived_claimants(annotations.spans, annotations.relations, schema),
        ):
            if relation.head in ids and relation.child in ids:
                relations.append(relation.model_dump(mode="json"))
            else:
                report.omit(
                    item,
                    describe_relation(relation, spans_by_id),
                    "one of its spans could not be carried",
                )
        doc.user_data[USER_DATA_KEY] = {
            "article_id": article.external_id,
            "annotator": annotations.annotator,
            "status": annotations.status.value,
            "spans": [
                {
                    "id": span.id,
                    "start": span.start,
                    "end": span.end,
                    "attrs": span.attrs,
                    "origin": span.origin.value,
                }
                for span, _ in carried
            ],
            "relations": relations,
        }
        return doc


def _docbin_class() -> type[DocBin]:
    try:
        from spacy.tokens import DocBin
    except ImportError as error:
        raise RuntimeError(SPACY_MISSING) from error
    return DocBin


writer = SpacyWriter("strict")

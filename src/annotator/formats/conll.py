"""CoNLL-2003 named-entity files: BIO tags over the entity-kind spans.

Each article and annotator starts with a ``-DOCSTART- -X- -X- O`` line and a blank line; then
one token a line as ``token -X- _ TAG`` (the four columns of Label Studio's CONLL2003 export:
token, placeholder part of speech and chunk, entity tag), and a blank line after each sentence.
Tags are IOB2: ``B-X`` begins every entity and ``I-X`` continues it.

Tokens come from :mod:`annotator.formats.tokens`, without the whitespace tokens, so no token
holds whitespace. Sentences end at a line break, and after ``.``, ``!``, ``?`` or ``…`` together
with closing quotes or brackets written right after them; never inside an entity. The rule is
deliberately simple: an abbreviation such as "Jl." ends a sentence too.

CoNLL cannot nest entities nor carry anything but entity labels. Entities that overlap a longer
one (the longest, then the earliest, is kept) and entities not on token boundaries are reported
one by one; spans of other kinds, relations and span attributes are reported once per document,
as counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from annotator.core.models import AnnotatedArticle
from annotator.core.schema import LabelKind, LabelSchema
from annotator.formats.atomic import atomic_output
from annotator.formats.base import ExportReport
from annotator.formats.tokens import (
    TokenIndex,
    check_span_text,
    describe_span,
    outermost,
    tokenize,
)

DOCSTART = "-DOCSTART- -X- -X- O"
_LINE_BREAK = re.compile("[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")  # where str.splitlines splits
_SENTENCE_END = re.compile(r"[.!?…]+")
_CLOSING = re.compile("[\"'\u201d\u2019\u00bb)\\]]+")


class ConllWriter:
    name = "conll"
    suffix = ".conll"

    def write(
        self,
        items: Iterable[AnnotatedArticle],
        target: Path,
        schema: LabelSchema,
        report: ExportReport,
    ) -> None:
        with atomic_output(target) as out:
            for item in items:
                out.write(self.document(item, schema, report).encode())
                report.records += 1

    def document(self, item: AnnotatedArticle, schema: LabelSchema, report: ExportReport) -> str:
        """The lines of one article and annotator; what they cannot carry is reported."""
        article, annotations = item.article, item.annotations
        text = article.text
        tokens = [token for token in tokenize(text, article.language) if not token.is_space]
        index = TokenIndex(tokens)
        kinds = {label.name: label.kind for label in schema.labels}
        entities = []
        others: Counter[str] = Counter()
        for span in annotations.spans:
            check_span_text(item, span)
            if kinds.get(span.label) != LabelKind.ENTITY:
                others[span.label] += 1
            elif (covered := index.covering(span.start, span.end)) is None:
                report.omit(item, describe_span(span), "not on token boundaries")
            else:
                entities.append((span, covered))
        kept, dropped = outermost(entities, lambda pair: (pair[1][0], pair[1][1] + 1))
        for span, _ in dropped:
            report.omit(item, describe_span(span), "overlaps a longer entity")
        if others:
            counts = ", ".join(f"{count} {label}" for label, count in sorted(others.items()))
            report.omit(
                item,
                f"{others.total()} spans that are not entities ({counts})",
                "CoNLL carries entities only",
            )
        if relations := len(annotations.relations):
            report.omit(item, f"{relations} relations", "CoNLL carries no relations")
        if attributes := sum(len(span.attrs) for span in annotations.spans):
            report.omit(item, f"{attributes} span attributes", "CoNLL carries no attributes")

        tags = ["O"] * len(tokens)
        for span, (first, last) in kept:
            tags[first] = f"B-{span.label}"
            tags[first + 1 : last + 1] = [f"I-{span.label}"] * (last - first)

        sentences: list[list[str]] = []
        ended = False  # the previous token closed a sentence
        for number, token in enumerate(tokens):
            gap = text[tokens[number - 1].end : token.start] if number else ""
            closing = ended and not gap and _CLOSING.fullmatch(token.text) is not None
            boundary = bool(_LINE_BREAK.search(gap)) or (ended and not closing)
            if not sentences or (boundary and not tags[number].startswith("I-")):
                sentences.append([])
            sentences[-1].append(f"{token.text} -X- _ {tags[number]}")
            ended = closing or _SENTENCE_END.fullmatch(token.text) is not None
        return DOCSTART + "\n\n" + "".join("\n".join(lines) + "\n\n" for lines in sentences)


writer = ConllWriter()

"""Tokens for the formats that address text by token (Prodigy, CoNLL), and the checks those
formats share: whether a span falls on token boundaries, and which overlapping spans to keep.

Tokens come from spaCy's blank tokenizer for the article's language when spaCy is installed
(it is what Prodigy and spaCy themselves use), otherwise from :func:`simple_tokens`. Both give
tokens in spaCy's shape: offsets in code points, a single following space folded into ``ws``,
any other whitespace a token of its own, so the tokens and their spaces rebuild the text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

import regex

from annotator.core.models import AnnotatedArticle, Relation, Span
from annotator.formats.native_jsonl import ExportError

if TYPE_CHECKING:
    from spacy.language import Language

T = TypeVar("T")

_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_RUN = regex.compile(r"\s+|\S+")
_PIECE = regex.compile(r"(?:(?=\w)\X)+|\X")  # a word of grapheme clusters, or one cluster
_pipelines: dict[str, Language] = {}


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    ws: bool  # followed by one space that belongs to no token

    @property
    def is_space(self) -> bool:
        return self.text.isspace()


def blank_pipeline(language: str | None) -> Language:
    """spaCy's blank pipeline for ``language`` ("id", "en-GB", ...), or the multi-language
    ``xx`` one when spaCy has no tokenizer for it (or that tokenizer needs another package).

    Raises ``ImportError`` when spaCy is not installed.
    """
    import spacy

    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if not _LANGUAGE_CODE.fullmatch(code):
        code = "xx"
    nlp = _pipelines.get(code)
    if nlp is None:
        try:
            nlp = spacy.blank(code)
        except ImportError:
            if code == "xx":
                raise
            nlp = blank_pipeline("xx")
        # Only the tokenizer runs, so the length guard meant for parsers does not apply.
        nlp.max_length = sys.maxsize
        _pipelines[code] = nlp
    return nlp


def tokenize(text: str, language: str | None) -> list[Token]:
    """The tokens of ``text``: spaCy's when it is installed, else :func:`simple_tokens`."""
    try:
        nlp = blank_pipeline(language)
    except ImportError:
        return simple_tokens(text)
    return [
        Token(token.text, token.idx, token.idx + len(token.text), bool(token.whitespace_))
        for token in nlp.make_doc(text)
    ]


def simple_tokens(text: str) -> list[Token]:
    """Tokens without spaCy: a run of grapheme clusters that start with a letter, digit or
    underscore is a word; any other grapheme (punctuation, symbol, emoji sequence, flag) is a
    token of its own. Finer than spaCy's, so spans fall on token boundaries at least as often.
    """
    tokens: list[Token] = []
    for run in _RUN.finditer(text):
        start, end = run.span()
        if not run.group().isspace():
            # endpos keeps grapheme clusters inside the run, so no token takes in whitespace.
            pieces = _PIECE.finditer(text, start, end)
            tokens.extend(
                Token(piece.group(), piece.start(), piece.end(), False) for piece in pieces
            )
            continue
        if tokens and text[start] == " ":
            tokens[-1] = replace(tokens[-1], ws=True)
            start += 1
        if start < end:
            tokens.append(Token(text[start:end], start, end, False))
    return tokens


class TokenIndex:
    """Finds the tokens a character range covers exactly."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._starts = {token.start: index for index, token in enumerate(tokens)}
        self._ends = {token.end: index for index, token in enumerate(tokens)}

    def covering(self, start: int, end: int) -> tuple[int, int] | None:
        """First and last (inclusive) token of ``[start, end)``, or ``None`` when the range
        does not start and end on token boundaries."""
        first, last = self._starts.get(start), self._ends.get(end)
        if first is None or last is None or last < first:
            return None
        return first, last


def outermost(
    items: Iterable[T], bounds: Callable[[T], tuple[int, int]]
) -> tuple[list[T], list[T]]:
    """Split ``items`` into a non-overlapping set to keep and the rest, both in text order.

    The longest item wins, then the earliest; ``bounds`` gives ``[start, end)``.
    """
    # (start, end, input order, item): sorting these never compares the items themselves
    placed = [(*bounds(item), order, item) for order, item in enumerate(items)]
    kept: list[tuple[int, int, int, T]] = []
    dropped: list[tuple[int, int, int, T]] = []
    for entry in sorted(placed, key=lambda entry: (entry[0] - entry[1], entry[0], entry[2])):
        start, end = entry[0], entry[1]
        overlaps = any(start < other[1] and other[0] < end for other in kept)
        (dropped if overlaps else kept).append(entry)
    return [entry[3] for entry in sorted(kept)], [entry[3] for entry in sorted(dropped)]


def check_span_text(item: AnnotatedArticle, span: Span) -> None:
    """Raise :class:`ExportError` when a stored span no longer reads its text from the article."""
    found = item.article.text[span.start : span.end]
    if found != span.text:
        raise ExportError(
            f"article {item.article.external_id!r}, annotator {item.annotations.annotator!r}: "
            f"span {span.id} [{span.start}, {span.end}) should read {span.text!r} but the text "
            f"there is {found!r}; nothing was written"
        )


def describe_span(span: Span) -> str:
    return f"{span.label} [{span.start}, {span.end}) {span.text!r}"


def describe_relation(relation: Relation, spans: dict[str, Span]) -> str:
    def end(span_id: str) -> str:
        span = spans.get(span_id)
        return f"{span.label} [{span.start}, {span.end})" if span else f"missing span {span_id}"

    return f"relation {relation.label} ({end(relation.head)} -> {end(relation.child)})"

"""Reading pre-annotations: suggested spans from another tool, as JSON Lines.

Each line is one object, ``{"article_id": "a1", "spans": [{"start": 0, "end": 4, "label":
"PER", "text": "Joko"}, ...]}``; ``"id"`` is accepted instead of ``"article_id"``. Offsets are
code points into the article text as stored, end exclusive; a span's ``text`` is optional and,
when given, must equal the article text at those offsets. Other keys are ignored. Lines are split
on ``\\n`` only, as for articles.

Reading checks the structure of the file; whether a span fits its article and the label schema
is checked by :func:`entity_suggestion`, once the article is known.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from annotator.core.models import SuggestedSpan, Suggestion
from annotator.formats.articles import (
    LINE_BUFFER_BYTES,
    ImportFileError,
    _json_object,
    _json_type,
    _lines,
    _open_error,
)


class SpanIn(NamedTuple):
    """One suggested span as read, not yet checked against its article."""

    start: int
    end: int
    label: str
    text: str | None


class SuggestionLine(NamedTuple):
    """The suggested spans of one line, for the article with this external id."""

    line: int
    article_id: str
    spans: list[SpanIn]


def read_suggestions(path: Path) -> Iterator[SuggestionLine]:
    """Yield the non-blank lines of a pre-annotation file.

    Raises :class:`ImportFileError` (while iterating) at the first line that is not valid.
    """
    try:
        stream = path.open("rb", buffering=LINE_BUFFER_BYTES)
    except OSError as error:
        raise _open_error(path, error) from error
    with stream:
        for number, offset, raw in _lines(path, stream):
            if not raw.strip(b" \t\r"):
                continue
            try:
                yield _parse_line(number, raw, offset)
            except ValueError as error:
                raise ImportFileError(path, str(error), number) from error


def entity_suggestion(span: SpanIn, text: str, labels: Collection[str], source: str) -> Suggestion:
    """The one-span suggestion (role ``entity``) for ``span`` on an article with ``text``.

    Raises ``ValueError`` with a reason for the user when the label is not one of ``labels``,
    the range is empty or outside the text, or the span's ``text`` differs from the article's.
    """
    if span.label not in labels:
        raise ValueError(f"label {span.label!r} is not in the schema")
    if span.start >= span.end:
        raise ValueError(f"[{span.start}, {span.end}) is empty")
    if span.start < 0 or span.end > len(text):
        raise ValueError(
            f"[{span.start}, {span.end}) is outside the article text ({len(text)} code points)"
        )
    found = text[span.start : span.end]
    if span.text is not None and span.text != found:
        raise ValueError(
            f"text {span.text!r} does not match the article text {found!r} "
            f"at [{span.start}, {span.end})"
        )
    part = SuggestedSpan(
        role="entity", start=span.start, end=span.end, label=span.label, text=found
    )
    return Suggestion.make(source, [part])


def _parse_line(number: int, raw: bytes, offset: int) -> SuggestionLine:
    record = _json_object(raw, offset)
    spans = record.get("spans")
    if spans is None:
        raise ValueError('missing "spans"')
    if not isinstance(spans, list):
        raise ValueError(f'"spans" must be an array, got {_json_type(spans)}')
    return SuggestionLine(
        number, _article_id(record), [_span(index, value) for index, value in enumerate(spans)]
    )


def _article_id(record: dict[str, Any]) -> str:
    keys = [key for key in ("article_id", "id") if key in record]
    if not keys:
        raise ValueError('missing "article_id"')
    if len(keys) == 2:
        raise ValueError('give "article_id" or "id", not both')
    value = record[keys[0]]
    # bool is a subclass of int, but true/false are not ids.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f'"{keys[0]}" must be a string or an integer, got {_json_type(value)}')
    if not str(value).strip():
        raise ValueError(f'"{keys[0]}" is empty')
    return str(value)


def _span(index: int, value: object) -> SpanIn:
    where = f"spans[{index}]"
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be an object, got {_json_type(value)}")
    for key in ("start", "end"):
        offset = value.get(key)
        if offset is None:
            raise ValueError(f'{where}: missing "{key}"')
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise ValueError(f'{where}: "{key}" must be an integer, got {_json_type(offset)}')
    label = value.get("label")
    if label is None:
        raise ValueError(f'{where}: missing "label"')
    if not isinstance(label, str):
        raise ValueError(f'{where}: "label" must be a string, got {_json_type(label)}')
    text = value.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError(f'{where}: "text" must be a string or null, got {_json_type(text)}')
    return SpanIn(value["start"], value["end"], label, text)

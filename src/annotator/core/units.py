"""Offsets in the units other tools use, converted to and from Python code points.

doccano's web UI counts UTF-16 code units (or grapheme clusters in its grapheme mode), Java
tools count UTF-16, Python tools count code points. The units differ only where the text has
characters outside the BMP (two UTF-16 units), or grapheme clusters of several code points
(combining marks, emoji sequences, flags, CRLF).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


@cache
def _graphemes() -> regex.Pattern[str]:
    """A pattern matching one grapheme cluster, from ``regex`` (``re`` has none), which is
    loaded when first needed: most files never count in grapheme clusters."""
    import regex

    return regex.compile(r"\X")


class Unit(StrEnum):
    CODEPOINT = "codepoint"
    UTF16 = "utf16"
    GRAPHEME = "grapheme"


class UnitError(ValueError):
    """An offset that does not exist in the given unit (outside the text, or mid-character)."""


class UnitMap:
    """Converts offsets in one unit into code points of ``text`` and back."""

    def __init__(self, text: str, unit: Unit) -> None:
        self.unit = unit
        self._length = len(text)
        self._wide: list[int] = []  # UTF-16: code-point offsets of non-BMP characters
        self._wide16: list[int] = []  # ... and their UTF-16 offsets
        self._bounds: list[int] | None = None  # grapheme: code-point offset of each boundary
        if unit == Unit.UTF16:
            self._wide = [match.start() for match in _NON_BMP.finditer(text)]
            self._wide16 = [cp + index for index, cp in enumerate(self._wide)]
        elif unit == Unit.GRAPHEME:
            bounds = [match.start() for match in _graphemes().finditer(text)]
            bounds.append(self._length)
            if len(bounds) != self._length + 1:
                self._bounds = bounds

    @property
    def length(self) -> int:
        """The text's length in this unit."""
        if self._bounds is not None:
            return len(self._bounds) - 1
        return self._length + len(self._wide)

    def to_codepoint(self, offset: int) -> int:
        if not 0 <= offset <= self.length:
            raise UnitError(
                f"{self.unit} offset {offset} is outside the text (length {self.length})"
            )
        if self._bounds is not None:
            return self._bounds[offset]
        before = bisect_left(self._wide16, offset)
        if before and self._wide16[before - 1] + 1 == offset:
            raise UnitError(f"{self.unit} offset {offset} falls inside a surrogate pair")
        return offset - before

    def from_codepoint(self, codepoint: int) -> int:
        if not 0 <= codepoint <= self._length:
            raise UnitError(f"offset {codepoint} is outside the text (length {self._length})")
        if self._bounds is not None:
            index = bisect_left(self._bounds, codepoint)
            if self._bounds[index] != codepoint:
                raise UnitError(f"offset {codepoint} falls inside a grapheme cluster")
            return index
        return codepoint + bisect_left(self._wide, codepoint)


def unit_matters(text: str) -> bool:
    """Whether code points, UTF-16 units and grapheme clusters give different offsets."""
    if _NON_BMP.search(text) or "\r\n" in text:
        return True
    return sum(1 for _ in _graphemes().finditer(text)) != len(text)


def matching_units(text: str, spans: Iterable[tuple[int, int, str]]) -> set[Unit]:
    """The units in which every ``(start, end, span_text)`` reads ``span_text`` from ``text``."""
    spans = list(spans)
    found = set()
    for unit in Unit:
        units = UnitMap(text, unit)
        try:
            if all(
                text[units.to_codepoint(start) : units.to_codepoint(end)] == span_text
                for start, end, span_text in spans
            ):
                found.add(unit)
        except UnitError:
            continue
    return found

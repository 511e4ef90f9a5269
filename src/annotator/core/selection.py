"""Adjusting a raw text selection before it becomes a span.

All offsets are code-point offsets, start inclusive, end exclusive. Only characters near the
selection boundaries are inspected, so the cost does not depend on the length of the text.
"""

from __future__ import annotations

import re
import unicodedata

_NON_SPACE = re.compile(r"\S")  # \S is exactly `not str.isspace()` for str patterns

_ZWJ = "\u200d"
_INNER_PUNCTUATION = frozenset("'\u2019-\u2010\u2011")  # apostrophes and hyphens
_EMOJI_MODIFIERS = range(0x1F3FB, 0x1F400)  # skin tones, category Sk
_TAGS = range(0xE0020, 0xE0080)  # subdivision flag tags, category Cf
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)


def trim_whitespace(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop leading and trailing whitespace from [start, end); None if nothing is left."""
    _check_range(text, start, end)
    first = _NON_SPACE.search(text, start, end)
    if first is None:
        return None
    start = first.start()
    while text[end - 1].isspace():
        end -= 1
    return start, end


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim whitespace from [start, end), then widen it to whole words.

    A boundary is moved outwards while it separates two word characters or falls inside a
    character cluster (base + combining marks, emoji ZWJ sequences, flags). Trimming already
    guarantees that neither boundary is inside a CRLF pair, and widening never adds whitespace.
    """
    trimmed = trim_whitespace(text, start, end)
    if trimmed is None:
        return None
    start, end = trimmed
    while start > 0 and _joined(text, start):
        start -= 1
    while end < len(text) and _joined(text, end):
        end += 1
    return start, end


def _check_range(text: str, start: int, end: int) -> None:
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"invalid range [{start}, {end}) for a text of length {len(text)}")


def _joined(text: str, i: int) -> bool:
    """Whether the boundary between text[i - 1] and text[i] (0 < i < len) must not be cut."""
    before, after = text[i - 1], text[i]
    if before.isspace() or after.isspace():
        return False
    if _is_extender(after) or before == _ZWJ:
        return True
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        return _regional_indicators_ending_at(text, i - 1) % 2 == 1
    return _is_word(text, i - 1) and _is_word(text, i)


def _is_extender(char: str) -> bool:
    """Characters that attach to the preceding one (variation selectors are category Mn)."""
    return (
        unicodedata.category(char).startswith("M")
        or char == _ZWJ
        or ord(char) in _EMOJI_MODIFIERS
        or ord(char) in _TAGS
    )


def _is_regional_indicator(char: str) -> bool:
    return ord(char) in _REGIONAL_INDICATORS


def _regional_indicators_ending_at(text: str, i: int) -> int:
    """Length of the run of regional indicators ending at text[i]; flags pair them from the left.

    Widening crosses at most one boundary inside such a run, so a call scans it only a few times.
    """
    count = 0
    while i >= 0 and _is_regional_indicator(text[i]):
        count += 1
        i -= 1
    return count


def _is_word(text: str, i: int) -> bool:
    char = text[i]
    if char.isalnum() or char == "_" or _is_extender(char):
        return True
    return (
        char in _INNER_PUNCTUATION
        and 0 < i < len(text) - 1
        and text[i - 1].isalnum()
        and text[i + 1].isalnum()
    )

"""Checks and helpers for article text, which is stored verbatim and addressed by code point."""

from __future__ import annotations

import hashlib
import re

# Decoding UTF-8 or JSON turns a surrogate pair into one code point, so a code point in
# U+D800..U+DFFF is a lone surrogate (e.g. from an escape like "\ud800"): not encodable as UTF-8.
_FORBIDDEN = re.compile(r"[\x00\ud800-\udfff]")
_UP_TO_LAST_SPACE = re.compile(r"(.*)\s", re.DOTALL)
_ELLIPSIS = "…"


class TextError(ValueError):
    """Text an article may not contain; ``line`` and ``column`` are 1-based, ``None`` if n/a."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def text_sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 encoding of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_text(text: str) -> None:
    """Raise :class:`TextError` if ``text`` is empty, blank, or holds NUL or a lone surrogate.

    Lines are counted at ``\\n`` and columns in code points, both from 1.
    """
    if not text:
        raise TextError("text is empty")
    if text.isspace():
        raise TextError("text contains only whitespace")
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    pos = found.start()
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    code = ord(found.group())
    what = f"a lone surrogate (U+{code:04X})" if code else "a NUL character (U+0000)"
    raise TextError(
        f"text contains {what} at line {line}, column {column} of the text", line, column
    )


def checked_sha256(text: str) -> str:
    """``text_sha256(text)`` of a text that passes :func:`check_text`, which raises as it does.

    Both in one pass over the text for the common case, when a reader checks a text and its
    hash: UTF-8 cannot encode a lone surrogate, and a NUL is found in the encoded bytes.
    """
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        encoded = b"\x00"  # anything that fails the test below: check_text says where
    if b"\x00" in encoded or not text or text.isspace():
        check_text(text)
    return hashlib.sha256(encoded).hexdigest()


def normalise_newlines(text: str) -> str:
    """Turn Windows (``\\r\\n``) and old Mac (``\\r``) line endings into ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def title_from_text(text: str, limit: int = 120) -> str:
    """The first non-blank line, stripped and cut at a word boundary to at most ``limit`` chars.

    A cut title ends in "…", which counts towards ``limit``. A single word longer than the
    limit is cut inside the word. Returns "" when every line is blank.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    # splitlines is right here (unlike for parsing files): a title must not span any kind of
    # line break, including U+2028 and U+0085.
    line = next((stripped for raw in text.splitlines() if (stripped := raw.strip())), "")
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    if not line[limit - 1].isspace() and (before_space := _UP_TO_LAST_SPACE.match(head)):
        head = before_space.group(1)
    return head.rstrip() + _ELLIPSIS

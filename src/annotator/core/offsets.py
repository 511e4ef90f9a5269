"""Conversion between code-point offsets and Qt text-document positions.

Spans are stored as code-point offsets into the article text. A ``QPlainTextEdit`` filled with
``setPlainText(text)`` counts positions in UTF-16 code units and turns ``"\\r\\n"`` into a single
block break, so positions differ from code points in exactly three ways:

* every non-BMP character (above U+FFFF) takes two positions (a surrogate pair);
* every ``"\\r\\n"`` pair takes one position (its ``"\\n"`` is zero-width);
* a byte-order mark (U+FEFF) that opens the text takes none (Qt drops it).

Lone ``\\r``, ``\\n``, U+2029 and every other BMP character take one position each.

The map records the code-point offsets at which the cumulative difference changes, so a
conversion is one binary search.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_NON_BMP = re.compile("[\U00010000-\U0010ffff]")
_CRLF = re.compile("\r\n")


class OffsetMap:
    """Converts between code-point offsets into `text` and Qt document positions.

    The text is scanned lazily, a chunk at a time, as far as conversions need: opening a long
    article converts positions on its first screen only, and scanning all of it would cost
    more than everything else the open does in Python.
    """

    def __init__(self, text: str, *, chunk: int = 4096) -> None:
        self._text = text
        self._length = len(text)
        self._chunk = max(chunk, 1)
        # (first code point affected, change in Qt position). A non-BMP character at i shifts
        # everything after it by +1; a CRLF whose "\r" is at j shifts everything from j + 2 on
        # by -1, so that j + 1 (the "\n") lands on the same position as j + 2.
        self._cp_starts: list[int] = []
        # _shifts[k] applies to code points in [_cp_starts[k - 1], _cp_starts[k]).
        self._shifts = [0]
        # Qt position of each _cp_starts entry. Strictly increasing: changes never share a code
        # point, and a -1 change (at j + 2) never comes one code point after another change, as
        # text[j] is "\r" and text[j + 1] is "\n".
        self._qt_starts: list[int] = []
        # Every change at a code point <= _scanned is recorded (and no change beyond
        # _scanned + 1): code points up to _scanned convert correctly.
        self._scanned = 0
        if text.startswith("\ufeff"):
            # Qt drops a byte-order mark (U+FEFF) that opens the text: it takes no position.
            self._record([(1, -1)])

    def _record(self, changes: list[tuple[int, int]]) -> None:
        for cp, delta in changes:
            shift = self._shifts[-1] + delta
            self._cp_starts.append(cp)
            self._shifts.append(shift)
            self._qt_starts.append(cp + shift)

    def _scan_to(self, cp: int) -> None:
        """Record every change up to code point ``cp``, scanning whole chunks."""
        while self._scanned < cp:
            start = self._scanned
            end = min(self._length, max(cp, start + self._chunk))
            text = self._text
            # Non-BMP characters in [start, end); CRLFs whose "\r" is in [start, end) (the
            # "\n" may be the first code point of the next chunk).
            self._record(
                sorted(
                    [(m.end(), 1) for m in _NON_BMP.finditer(text, start, end)]
                    + [(m.end(), -1) for m in _CRLF.finditer(text, start, end + 1)]
                )
            )
            self._scanned = end

    @property
    def qt_length(self) -> int:
        """Number of Qt positions the text occupies (``document.characterCount() - 1``)."""
        self._scan_to(self._length)
        return self._length + self._shifts[-1]

    def to_qt(self, cp: int) -> int:
        """Qt position of code-point offset `cp` (0 <= cp <= len(text))."""
        if not 0 <= cp <= self._length:
            raise ValueError(f"code-point offset {cp} outside [0, {self._length}]")
        self._scan_to(cp)
        if not self._cp_starts:
            return cp
        return cp + self._shifts[bisect_right(self._cp_starts, cp)]

    def from_qt(self, pos: int, *, round_up: bool = False) -> int:
        """Code-point offset of Qt position `pos` (0 <= pos <= qt_length).

        A position between the two halves of a surrogate pair maps to the start of the
        character, or to its end with `round_up`. The position after a CRLF block break maps to
        the offset after the ``"\\n"``.
        """
        # Changes not yet scanned lie at Qt positions after that of _scanned: positions up to
        # it convert correctly.
        while self._scanned < self._length and self._scanned_qt() < pos:
            self._scan_to(min(self._length, max(pos, self._scanned + 1)))
        if not 0 <= pos <= self._scanned_qt():
            raise ValueError(f"Qt position {pos} outside [0, {self.qt_length}]")
        if not self._qt_starts:
            return pos
        k = bisect_right(self._qt_starts, pos)
        cp = pos - self._shifts[k]
        if k < len(self._cp_starts) and cp >= self._cp_starts[k]:
            # Only the second half of a surrogate pair falls in the gap before the next segment.
            next_start = self._cp_starts[k]
            return next_start if round_up else next_start - 1
        return cp

    def _scanned_qt(self) -> int:
        """Qt position of code point _scanned."""
        scanned = self._scanned
        if not self._cp_starts:
            return scanned
        return scanned + self._shifts[bisect_right(self._cp_starts, scanned)]

    def to_qt_range(self, start: int, end: int) -> tuple[int, int]:
        """Qt positions of the code-point range [start, end)."""
        if start > end:
            raise ValueError(f"range start {start} after end {end}")
        return self.to_qt(start), self.to_qt(end)

    def from_qt_range(self, start: int, end: int) -> tuple[int, int]:
        """Smallest code-point range covering the Qt range [start, end)."""
        if start > end:
            raise ValueError(f"range start {start} after end {end}")
        return self.from_qt(start), self.from_qt(end, round_up=True)

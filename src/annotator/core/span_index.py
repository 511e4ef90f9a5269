"""Find the spans that touch a range of the text, fast, for rendering and hit-testing.

Spans are bucketed by fixed-size chunks of code points, so a lookup costs the number of spans
near the range, whatever the size of the article. Works for overlapping and nested spans.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar


class Ranged(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


CHUNK = 256
S = TypeVar("S", bound=Ranged)


class SpanIndex(Generic[S]):
    def __init__(self, spans: Iterable[S] = ()) -> None:
        self._chunks: dict[int, dict[str, S]] = {}
        for span in spans:
            self.add(span)

    def add(self, span: S) -> None:
        for chunk in range(span.start // CHUNK, (span.end - 1) // CHUNK + 1):
            self._chunks.setdefault(chunk, {})[span.id] = span

    def remove(self, span: S) -> None:
        for chunk in range(span.start // CHUNK, (span.end - 1) // CHUNK + 1):
            bucket = self._chunks.get(chunk)
            if bucket is not None:
                bucket.pop(span.id, None)
                if not bucket:
                    del self._chunks[chunk]

    def overlapping(self, start: int, end: int) -> list[S]:
        """Spans sharing at least one code point with ``[start, end)``, by (start, -end)."""
        if end <= start:
            return []
        found: dict[str, S] = {}
        for chunk in range(start // CHUNK, (end - 1) // CHUNK + 1):
            for span in self._chunks.get(chunk, {}).values():
                if span.start < end and span.end > start:
                    found[span.id] = span
        return sorted(found.values(), key=lambda s: (s.start, -s.end, s.id))

    def at(self, position: int) -> list[S]:
        """Spans containing the code point at ``position``, innermost (shortest) first."""
        return sorted(
            self.overlapping(position, position + 1), key=lambda s: (s.end - s.start, s.start)
        )

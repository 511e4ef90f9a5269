"""A progress line on a terminal for long imports and exports; silent when not on a terminal.

Drawn on standard error, so that it never mixes with data written to standard output, and
redrawn at most ten times a second. With a known total it is a bar::

    export  [##########----------]  1,024 / 2,000 records   3,412/s

and without one a count::

    import  data.jsonl  1,024 documents   3,412/s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TextIO, TypeVar

T = TypeVar("T")

_WIDTH = 20
_INTERVAL = 0.1  # seconds between redraws
_CLEAR = "\r\033[K"


class ProgressBar:
    """Shows ``done`` (of ``total``, when known) ``unit`` while a task runs.

    Use as a context manager: the line is erased when the block ends, so that the messages
    printed afterwards start on a clean line.
    """

    def __init__(
        self,
        label: str,
        unit: str,
        total: int | Callable[[], int] | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``total`` may be a function, called only if the bar is drawn (counting can cost a
        database query that a command writing to a file or a pipe should not pay)."""
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        if callable(total):
            total = total() if self.enabled else None
        self.total: int | None = total
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._shown = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def update(self, done: int) -> None:
        """Record that ``done`` items are finished; redraws if the last drawing is old enough."""
        if not self.enabled:
            return
        now = self._clock()
        if self._drawn_at is not None and now - self._drawn_at < _INTERVAL:
            return
        self._drawn_at = now
        self.stream.write(_CLEAR + self.render(done, now - self._started))
        self.stream.flush()
        self._shown = True

    def render(self, done: int, elapsed: float) -> str:
        rate = f"{done / elapsed:,.0f}/s" if elapsed > 0 else ""
        if self.total:
            filled = min(_WIDTH, _WIDTH * done // self.total)
            bar = "#" * filled + "-" * (_WIDTH - filled)
            count = f"[{bar}]  {done:,} / {self.total:,} {self.unit}"
        else:
            count = f"{done:,} {self.unit}"
        return f"{self.label}  {count}   {rate}".rstrip()

    def counted(self, items: Iterable[T]) -> Iterator[T]:
        """Yield ``items``, counting each one after the consumer has handled it."""
        for done, item in enumerate(items, 1):
            yield item
            self.update(done)

    def close(self) -> None:
        if self._shown:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self._shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False

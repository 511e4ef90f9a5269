"""Keeping Python's cyclic garbage collector out of the way.

A collection of the oldest generation scans every tracked object: with a long article open
(a million characters, tens of thousands of spans) that is about a million objects and a
quarter of a second, at whatever moment the allocation counters run over. None of the
objects in question form reference cycles (they are freed by reference counting), so bulk
work pauses the collector, and data that will live long is moved out of its sight.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Building tens of thousands of small objects at once sets off the collector again and
    again, for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_long_lived() -> None:
    """Exclude every object alive now from later collections (``gc.freeze``): the loaded
    articles are not scanned again and again. They are still freed by reference counting
    when dropped; what is frozen and later ends up in a cycle stays allocated, so call this
    only for data without cycles. Garbage is collected first, so that it is freed rather
    than frozen: all of it the first time, while little is alive yet, and afterwards the
    young generations (what was allocated since then)."""
    gc.collect(1 if gc.get_freeze_count() else 2)
    gc.freeze()

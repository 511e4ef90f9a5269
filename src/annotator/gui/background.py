"""Run pure-Python work off the GUI thread and hand the result back to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as error:  # handed to the GUI thread, which reports it
            self._relay.failed.emit(error)
        else:
            self._relay.done.emit(result)


_pending: set[_Relay] = set()


def busy() -> bool:
    """Whether some work started here has not handed its result back yet."""
    return bool(_pending)


def run_in_background(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None],
) -> None:
    """Call ``work()`` on a pool thread; ``on_done`` or ``on_error`` then runs on this thread."""
    # Owned by the application object, so that it is deleted on this thread (by
    # deleteLater) even when the pool thread drops the last Python reference to it.
    relay = _Relay(QCoreApplication.instance())
    _pending.add(relay)

    def finish(callback: Callable[[Any], None], value: Any) -> None:
        # Qt holds the connected lambdas, and they hold the relay and whatever the callbacks
        # refer to: a cycle no collector can see. Disconnecting breaks it.
        _pending.discard(relay)
        relay.done.disconnect()
        relay.failed.disconnect()
        relay.deleteLater()
        callback(value)

    relay.done.connect(lambda result: finish(on_done, result))
    relay.failed.connect(lambda error: finish(on_error, error))
    QThreadPool.globalInstance().start(_Task(work, relay))

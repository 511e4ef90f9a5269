"""Entry point of ``annotator`` and ``python -m annotator``: the window, or a CLI command.

Kept light on imports so that the window appears before heavy modules load.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def main(argv: Sequence[str] | None = None) -> int:
    """Run the window or the command named in ``argv``; returns the exit status."""
    args, status = _command(argv)
    return status if status is not None else _window(args)


def entry() -> None:
    """The ``annotator`` program.

    A command ends the process as soon as it is done, without tearing down the interpreter:
    by then its output is written and flushed and its database closed, and the teardown of
    the modules it loaded would add a tenth of a second to every command. Nor does the cyclic
    collector run again before that end: turned on after the command, it would first scan
    every object the command left, for nothing (about 30 ms after an import). The window
    exits normally, so that Qt saves its settings.
    """
    gc.disable()
    args, status = _command(None)
    if status is None:
        gc.enable()
        sys.exit(_window(args))
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed
            continue
        try:
            stream.flush()
        except BrokenPipeError:  # the reader went away: what it wanted, it had
            status = status or 1
        except (OSError, ValueError) as error:  # e.g. a full disk
            status = status or 1
            with contextlib.suppress(OSError):
                os.write(2, f"annotator: error: output not written: {error}\n".encode())
    os._exit(status)


def _command(argv: Sequence[str] | None) -> tuple[argparse.Namespace, int | None]:
    """Parse ``argv`` and run the command it names, if any, with the cyclic garbage collector
    paused; returns the arguments and the command's exit status (``None``: no command).

    A command loads a few hundred modules and then works on data freed by reference counting:
    the collections that the loading sets off (a tenth of the time of a short command) find
    nothing to free. Its bulk work pauses the collector anyway.
    """
    from annotator.core.memory import collector_paused

    with collector_paused():
        from annotator.cli import build_parser, run

        args = build_parser().parse_args(argv)
        return args, (run(args) if args.command is not None else None)


def _window(args: argparse.Namespace) -> int:
    from annotator.gui.app import run_app

    return run_app(db_url=args.db, user=args.user, schema_path=args.schema)


if __name__ == "__main__":
    entry()

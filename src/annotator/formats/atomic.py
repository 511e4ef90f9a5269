"""Write output files atomically: a crash or an error never leaves a partial file behind."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_output(target: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``target`` only once the block ends without error.

    The data goes to a temporary file in the same folder, is flushed and fsynced, then renamed
    over the target. ``"-"`` writes to standard output instead.
    """
    if str(target) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(target)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = _create_temporary(path, folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _create_temporary(path: Path, folder: Path) -> tuple[int, str]:
    """Create an empty, unique temporary file next to ``path``.

    Unlike ``tempfile.mkstemp`` (always mode 0600), the file gets the permissions of the file
    it replaces, or else those of any newly created file (0666 less the umask), so that the
    result is as readable as if it had been written directly.
    """
    try:
        existing = path.stat()
    except OSError:
        existing = None
    mode = stat.S_IMODE(existing.st_mode) if existing and stat.S_ISREG(existing.st_mode) else None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = str(folder / f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(temporary, mode)
        return descriptor, temporary
    raise FileExistsError(f"no free temporary file name next to {path}")


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible on every platform."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)

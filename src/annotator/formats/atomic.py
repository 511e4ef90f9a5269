"""Write output files atomically: a crash or an error never leaves a partial file behind."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

STANDARD_OUTPUT = Path("-")
"""The target meaning standard output, told apart by identity: a file may be named ``-``
(``./-``, or a path the window was given)."""


@contextlib.contextmanager
def atomic_output(target: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``target`` only once the block ends without error.

    The data goes to a temporary file in the same folder, is flushed and fsynced, then renamed
    over the target. A symbolic link is followed: the file it points to is replaced and the
    link stays. :data:`STANDARD_OUTPUT` writes to standard output. An existing target that is
    neither a file nor a folder (a FIFO, a device, ``/dev/fd/N`` for a pipe) is written
    directly: a rename would put a file in its place instead of feeding it, and it holds no
    file that could be left half written.
    """
    if target is STANDARD_OUTPUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if is_stream(target):
        with open(target, "wb") as stream:
            yield stream
        return
    path = _replaced_file(target)
    folder = path.parent
    descriptor, temporary = _create_temporary(path, folder, target)
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


def is_stream(target: str | Path) -> bool:
    """Whether :func:`atomic_output` writes ``target`` directly: :data:`STANDARD_OUTPUT` or an
    existing target that is neither a file nor a folder (symbolic links followed)."""
    if target is STANDARD_OUTPUT:
        return True
    try:
        mode = os.stat(target).st_mode
    except OSError:  # a new file; or no usable target, which opening it reports
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _replaced_file(target: str | Path) -> Path:
    """The file that writing ``target`` replaces: ``target`` with symbolic links followed.

    Raises ``OSError`` up front for a target that cannot be a file: an empty path, a folder,
    a loop of links.
    """
    if not str(target):
        raise FileNotFoundError(errno.ENOENT, "empty path", str(target))
    path = Path(os.path.realpath(target))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:  # a new file
        return path
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    return path


def _create_temporary(path: Path, folder: Path, target: str | Path) -> tuple[int, str]:
    """Create an empty, unique temporary file next to ``path`` (``target`` with links
    followed). An error names ``target``: the temporary file means nothing to the user.

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
        except OSError as error:  # a missing or read-only folder, say
            raise type(error)(error.errno, error.strerror, str(target)) from None
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

"""Reading the files of a folder or a zip archive in memory, one at a time, refusing unsafe ones.

Nothing is extracted to disk. Opening checks every entry before any is read and refuses the
whole archive if one is unsafe: an absolute path or a ``..`` component, a symbolic link or other
special file, a name given twice, more entries than ``Limits.max_archive_members``, or a member
whose declared size exceeds ``Limits.max_file_bytes`` or whose declared compression ratio
exceeds ``Limits.max_archive_ratio``. Reading does not trust the declared sizes: it stops as
soon as a member gives more bytes than those limits allow.

Hidden entries (a path component starting with ``.``) and ``__MACOSX`` folders are left out.
Names are relative, with ``/`` between folders.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from annotator.formats.articles import ImportFileError
from annotator.formats.base import Limits

_CHUNK = 1024 * 1024
_SEPARATORS = re.compile(r"[\\/]")
_DRIVE = re.compile(r"^[A-Za-z]:")


class Archive(ABC):
    """The regular files of a folder or zip archive, by relative name in sorted order."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.names: tuple[str, ...] = ()

    @abstractmethod
    def read(self, name: str) -> bytes:
        """The content of one member; raises :class:`ImportFileError` if it breaks a limit."""

    def members(self) -> Iterator[tuple[str, bytes]]:
        """Yield ``(name, content)`` for every member, reading each only when it is reached."""
        for name in self.names:
            yield name, self.read(name)

    def _refuse(self, name: str, reason: str) -> ImportFileError:
        return ImportFileError(self.path, f"{name!r}: {reason}")

    def _unsafe(self, name: str, reason: str) -> ImportFileError:
        return self._refuse(name, f"{reason}; refused, nothing was read")


@contextlib.contextmanager
def open_archive(path: Path, limits: Limits) -> Iterator[Archive]:
    """Open a folder or a zip archive for reading; raises :class:`ImportFileError` if unsafe."""
    if path.is_dir():
        yield _Folder(path, limits)
    elif path.is_file():
        try:
            handle = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise ImportFileError(
                path, f"not a folder or a readable zip archive: {error}"
            ) from None
        with handle:
            yield _Zip(path, limits, handle)
    else:
        raise ImportFileError(path, "no such file or folder")


def _skipped(parts: list[str]) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _read_at_most(stream: IO[bytes], limit: int) -> bytes | None:
    """The whole stream, or ``None`` as soon as it gives more than ``limit`` bytes."""
    chunks = []
    total = 0
    while chunk := stream.read(min(_CHUNK, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class _Folder(Archive):
    def __init__(self, path: Path, limits: Limits) -> None:
        super().__init__(path, limits)
        names: list[str] = []
        pending = [""]
        while pending:
            prefix = pending.pop()
            try:
                with os.scandir(path / prefix) as entries:
                    found = list(entries)
            except OSError as error:
                raise self._refuse(prefix or ".", f"cannot read the folder: {error}") from None
            for entry in found:
                name = prefix + entry.name
                if _skipped([entry.name]):
                    continue
                if entry.is_symlink():
                    raise self._unsafe(name, "symbolic link")
                if entry.is_dir(follow_symlinks=False):
                    pending.append(name + "/")
                elif entry.is_file(follow_symlinks=False):
                    names.append(name)
                    if len(names) > limits.max_archive_members:
                        raise ImportFileError(
                            path,
                            f"more than {limits.max_archive_members} files; refused, "
                            "nothing was read",
                        )
                else:
                    raise self._unsafe(name, "not a regular file")
        self.names = tuple(sorted(names))

    def read(self, name: str) -> bytes:
        if name not in self.names:
            raise KeyError(name)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        limit = self.limits.max_file_bytes
        try:
            with os.fdopen(os.open(self.path / name, flags), "rb") as stream:
                if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                    raise self._refuse(name, "not a regular file")
                data = _read_at_most(stream, limit)
        except OSError as error:
            raise self._refuse(name, f"cannot read the file: {error.strerror or error}") from None
        if data is None:
            raise self._refuse(name, f"larger than {limit} bytes")
        return data


class _Zip(Archive):
    def __init__(self, path: Path, limits: Limits, handle: zipfile.ZipFile) -> None:
        super().__init__(path, limits)
        self._handle = handle
        entries = handle.infolist()
        if len(entries) > limits.max_archive_members:
            raise ImportFileError(
                path,
                f"{len(entries)} entries, more than the {limits.max_archive_members} allowed; "
                "refused, nothing was read",
            )
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in entries:
            name = self._checked_name(info)
            if name is not None:
                self._check_declared_size(name, info)
                self._infos[name] = info
        self.names = tuple(sorted(self._infos))

    def _checked_name(self, info: zipfile.ZipInfo) -> str | None:
        """The member's normalised name, or ``None`` for folders and hidden entries."""
        raw = info.filename
        if raw.startswith(("/", "\\")) or _DRIVE.match(raw):
            raise self._unsafe(raw, "absolute path")
        parts = [part for part in _SEPARATORS.split(raw) if part not in ("", ".")]
        if ".." in parts:
            raise self._unsafe(raw, "the path leaves the archive ('..')")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise self._unsafe(raw, "symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise self._unsafe(raw, "not a regular file")
        if info.is_dir() or kind == stat.S_IFDIR or not parts or _skipped(parts):
            return None
        name = "/".join(parts)
        if name in self._infos:
            raise self._unsafe(raw, "appears twice")
        return name

    def _check_declared_size(self, name: str, info: zipfile.ZipInfo) -> None:
        limits = self.limits
        if info.flag_bits & 0x1:
            raise self._unsafe(name, "encrypted")
        if info.file_size > limits.max_file_bytes:
            raise self._unsafe(
                name, f"{info.file_size} bytes uncompressed, more than {limits.max_file_bytes}"
            )
        if info.file_size > max(info.compress_size, 1) * limits.max_archive_ratio:
            raise self._unsafe(
                name,
                f"{info.compress_size} bytes expand to {info.file_size}, a compression ratio "
                f"above {limits.max_archive_ratio} (a zip bomb?)",
            )

    def read(self, name: str) -> bytes:
        info = self._infos[name]
        ratio_limit = max(info.compress_size, 1) * self.limits.max_archive_ratio
        limit = min(self.limits.max_file_bytes, ratio_limit)
        try:
            with self._handle.open(info) as stream:
                data = _read_at_most(stream, limit)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise self._refuse(name, f"damaged or unsupported member: {error}") from None
        if data is None:
            reason = (
                f"expands to more than {self.limits.max_archive_ratio} times its compressed size"
                if limit == ratio_limit
                else f"larger than {self.limits.max_file_bytes} bytes"
            )
            raise self._refuse(name, reason)
        return data

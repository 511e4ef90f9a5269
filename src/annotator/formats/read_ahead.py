"""Reading annotated files in a second process while this one opens the database.

An import of annotated files spends about as long reading and checking them (JSON, validation,
offsets) as starting the database layer and writing the rows. On a machine with more than one
core the two overlap: :func:`read_files` forks a process that reads the files one after another
and sends their documents down a pipe as plain tuples (``marshal``), which this process rebuilds
as :class:`~annotator.core.exchange.DocumentRecord` for the store; meanwhile this process imports
SQLAlchemy, opens the database and writes. The fork comes before the database layer is
imported; a process forked later (see :class:`ReadingProcess`) inherits the open database file
but never touches it. A reading process leaves with ``os._exit``, never through the caller's
code.

What a file's reader raises is raised again here, at the same point of that file's documents,
so that the store rolls the file back as it would have. Where forking is not safe or not
useful (not Linux, other Python threads running, one core, SIGCHLD ignored, no process to be
had) the files are read in this process, with the same results.
"""

from __future__ import annotations

import marshal
import os
import pickle
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from annotator.core.exchange import AnyDocument, DocumentRecord, ImportedDocument
    from annotator.core.units import Unit
    from annotator.formats.base import ImportOptions


@dataclass(frozen=True)
class ReadRequest:
    """The files to read and how, in plain values: making it imports no reader."""

    format: str  # a name from ``registry.IMPORT_FORMATS``
    paths: tuple[Path, ...]
    offset_unit: Unit | None = None  # None: decided per file
    annotator: str | None = None
    skip_invalid: bool = False

    def options(self) -> ImportOptions:
        from annotator.formats.base import ImportOptions

        return ImportOptions(
            offset_unit=self.offset_unit, annotator=self.annotator, skip_invalid=self.skip_invalid
        )


class FileRead:
    """One file's documents; once they have all been read, ``skipped`` lists what
    ``skip_invalid`` left out of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.documents: Iterator[AnyDocument] = iter(())
        self.skipped: list[str] = []


@contextmanager
def read_files(request: ReadRequest, *, fork: bool | None = None) -> Iterator[Iterable[FileRead]]:
    """The files of ``request`` in order (iterate once), read by a second process where that
    helps, or as ``fork`` says.

    Take each file's documents before the next file: the files are read one after another,
    and documents of a file left unread are passed over. Leaving the block ends the reading.
    """
    if _can_fork() if fork is None else fork:
        reading = ReadingProcess(request)
        try:
            if reading.start():
                yield reading
                return
        finally:
            reading.close()
    yield _read_here(request)


def _can_fork() -> bool:
    """Whether a forked child can safely read: on Linux (elsewhere system libraries may not
    survive a fork without exec), with no other Python thread, which could hold a lock that
    the child's Python code needs (the native threads of libraries such as Qt or jemalloc hold
    none of those), and with a core for each process."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and len(os.sched_getaffinity(0)) > 1
        # With SIGCHLD ignored, the child is reaped by the system: its end could not be told.
        and signal.getsignal(signal.SIGCHLD) != signal.SIG_IGN
    )


def _read_here(request: ReadRequest) -> Iterator[FileRead]:
    """The files read in this process; raises FormatError at once if the format's reader
    cannot be loaded."""
    from annotator.formats.registry import reader_for

    reader = reader_for(request.format)
    options = request.options()

    def files() -> Iterator[FileRead]:
        for path in request.paths:
            read = FileRead(path)
            read.documents = _documents_here(reader.read(path, options), reader, read)
            yield read

    return files()


def _documents_here(
    documents: Iterator[ImportedDocument], reader: object, read: FileRead
) -> Iterator[ImportedDocument]:
    yield from documents
    read.skipped = list(getattr(reader, "skipped", []))


# The pipe carries frames: a kind, the payload's length, the payload.
_HEADER = struct.Struct("<BQ")
_DOCUMENTS = 1  # marshal: a list of compact documents
_PICKLED_DOCUMENTS = 2  # the same, for documents whose values marshal cannot carry
_END = 3  # marshal: the file's ``skipped``; its documents are complete
_ERROR = 4  # pickle: the exception that ended the file's reading
_BATCH = 200  # documents per frame
_BUFFER = 1 << 20


class ReadingProcess:
    """The forked process that reads the files, and the end of its pipe.

    A file that the importer gives up on part-way (the store refused it) is not read to its
    end: that process is ended and a new one reads the files after it, as it does after a
    process that died. A reading process whose importer dies leaves at its next write.
    """

    def __init__(self, request: ReadRequest) -> None:
        self.request = request
        self.pid = 0
        self.pipe: IO[bytes] | None = None
        self.open: FileRead | None = None  # the file whose frames come next
        self.ended: str | None = None  # how the reading process ended, when it did early

    def start(self, first: int = 0) -> bool:
        """Fork a process that reads the files from the ``first``; whether there is one."""
        request = replace(self.request, paths=self.request.paths[first:])
        read_end, write_end = os.pipe()
        # Ctrl+C waits until each side has its handling: the child must never run the
        # caller's code, and this side must know its child's pid to end it.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
            if pid == 0:
                _child(request, read_end, write_end, mask)
            self.pid, self.ended = pid, None
            self.pipe = os.fdopen(read_end, "rb", buffering=_BUFFER)
        except OSError:  # no process to be had (a limit on processes)
            os.close(read_end)
            return False
        finally:
            os.close(write_end)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return True

    def __iter__(self) -> Iterator[FileRead]:
        paths = self.request.paths
        for index, path in enumerate(paths):
            if self.open is not None or self.ended is not None:
                self.close()
                if not self.start(index):
                    raise OSError(f"{path}: no process could be started to read it")
            read = self.open = FileRead(path)
            read.documents = self._documents(read)
            yield read

    def _documents(self, read: FileRead) -> Iterator[DocumentRecord]:
        if self.open is not read:
            raise RuntimeError(f"{read.path}: its documents were passed over for the next file")
        while True:
            kind, payload = self._frame(read.path)
            if kind == _DOCUMENTS:
                yield from _records(marshal.loads(payload))
            elif kind == _PICKLED_DOCUMENTS:
                yield from _records(pickle.loads(payload))
            else:
                self._finish(read, kind, payload)
                return

    def _finish(self, read: FileRead, kind: int, payload: bytes) -> None:
        self.open = None
        if kind == _END:
            read.skipped = marshal.loads(payload)
            return
        error = pickle.loads(payload)
        assert isinstance(error, BaseException)
        raise error

    def _frame(self, path: Path) -> tuple[int, bytes]:
        """The next frame; if the reading process ended before sending it, an ImportFileError
        for ``path``."""
        assert self.pipe is not None  # started
        header = self.pipe.read(_HEADER.size)
        if len(header) == _HEADER.size:
            kind, size = _HEADER.unpack(header)
            payload = self.pipe.read(size)
            if len(payload) == size:
                return kind, payload
        from annotator.formats.articles import ImportFileError

        self.open = None
        self.ended = self._reap()
        raise ImportFileError(
            path, f"reading stopped: the process reading the file ended ({self.ended})"
        )

    def _reap(self) -> str:
        """Wait for the reading process to end; how it ended."""
        pid, self.pid = self.pid, 0
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # reaped by the system (SIGCHLD ignored after all)
            return "how, is not known"
        if os.WIFSIGNALED(status):
            return f"killed by signal {os.WTERMSIG(status)}"
        return f"exit status {os.waitstatus_to_exitcode(status)}"

    def close(self) -> None:
        """End the reading process, wherever it is, and wait for it."""
        if self.pipe is not None:
            self.pipe.close()
            self.pipe = None
        if self.pid:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)  # it may be reading a large file
            self._reap()


def _records(documents: list[Any]) -> list[DocumentRecord]:
    from annotator.core.exchange import ArticleRecord, DocumentRecord, RelationRecord, SpanRecord
    from annotator.core.models import Origin, Status

    origins = {origin.value: origin for origin in Origin}
    return [
        DocumentRecord(
            ArticleRecord._make(article),
            annotator,
            [SpanRecord(i, s, e, label, t, a, origins[o]) for i, s, e, label, t, a, o in spans],
            [
                RelationRecord(i, head, child, label, origins[o])
                for i, head, child, label, o in relations
            ],
            None if status is None else Status(status),
            where,
        )
        for article, annotator, spans, relations, status, where in documents
    ]


def _compact(document: AnyDocument) -> tuple[Any, ...]:
    """``document`` as builtins only, in the order of the records' fields."""
    article = document.article
    return (
        (
            article.external_id,
            article.title,
            article.text,
            article.source,
            article.url,
            article.published,
            article.language,
            article.meta,
        ),
        document.annotator,
        [(s.id, s.start, s.end, s.label, s.text, s.attrs, s.origin.value) for s in document.spans],
        [(r.id, r.head, r.child, r.label, r.origin.value) for r in document.relations],
        None if document.status is None else document.status.value,
        document.where,
    )


def _child(request: ReadRequest, read_end: int, write_end: int, mask: Iterable[int]) -> NoReturn:
    """Read every file of ``request`` and send it down ``write_end``; never returns.

    Ctrl+C reaches the whole process group: the importing process handles it, and ends this
    one, which ignores it (``mask`` is the signal mask to restore once it does).
    """
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(read_end)
        with os.fdopen(write_end, "wb", buffering=_BUFFER) as pipe:
            try:
                files = _read_here(request)
            except Exception as error:  # the reader cannot be loaded: each file fails with it
                for path in request.paths:
                    _send(pipe, _ERROR, _pickled(error, path))
            else:
                for read in files:
                    _send_file(pipe, read)
        status = 0
    except BrokenPipeError:  # the importing process stopped reading: nothing more is wanted
        status = 0
    except BaseException:  # a child must never return into the caller's code
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _send_file(pipe: IO[bytes], read: FileRead) -> None:
    """Send the documents of ``read``, then how its reading ended: what it skipped, or the
    error that stopped it, after the documents read before the error."""
    batch: list[tuple[Any, ...]] = []
    try:
        for document in read.documents:
            batch.append(_compact(document))
            if len(batch) == _BATCH:
                _send_documents(pipe, batch)
                batch = []
    except Exception as error:
        _send_documents(pipe, batch)
        _send(pipe, _ERROR, _pickled(error, read.path))
        return
    _send_documents(pipe, batch)
    _send(pipe, _END, marshal.dumps(read.skipped))


def _send_documents(pipe: IO[bytes], batch: list[tuple[Any, ...]]) -> None:
    if not batch:
        return
    try:
        _send(pipe, _DOCUMENTS, marshal.dumps(batch))
    except ValueError:  # a value of a type marshal does not know, in meta or attrs
        _send(pipe, _PICKLED_DOCUMENTS, pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))


def _send(pipe: IO[bytes], kind: int, payload: bytes) -> None:
    pipe.write(_HEADER.pack(kind, len(payload)))
    pipe.write(payload)


def _pickled(error: Exception, path: Path) -> bytes:
    """``error`` as it will be raised in the importing process; an error that does not survive
    pickling (a fault of the reader, not of the file) as a RuntimeError with its traceback."""
    try:
        payload = pickle.dumps(error, pickle.HIGHEST_PROTOCOL)
        pickle.loads(payload)
    except Exception:  # any failure to pickle: send what can be sent
        described = "".join(traceback.format_exception(error))
        payload = pickle.dumps(RuntimeError(f"reading {path} failed:\n{described}"))
    return payload

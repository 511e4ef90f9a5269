"""Reading annotated files in a second process while this one opens the database.

An import of annotated files spends about as long reading and checking them (JSON, validation,
offsets) as starting the database layer and writing the rows. On a machine with more than one
core the two overlap: :func:`read_files` forks a process that reads the files one after another
and sends their documents down a pipe as plain tuples (``marshal``), which this process rebuilds
as :class:`~annotator.core.exchange.DocumentRecord` for the store; meanwhile this process imports
SQLAlchemy, opens the database and writes. The fork comes before the database layer is imported,
so the reading process holds neither it nor a connection, and it leaves with ``os._exit``.

What a file's reader raises is raised again here, at the same point of that file's documents,
so that the store rolls the file back as it would have. Where forking is not safe or not
useful (not Linux, other threads running, one core) the files are read in this process, with
the same results.
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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from annotator.core.exchange import AnyDocument, DocumentRecord, ImportedDocument
    from annotator.formats.base import ImportOptions


@dataclass(frozen=True)
class ReadRequest:
    """The files to read and how, in plain values: making it imports no reader."""

    format: str  # a name from ``registry.IMPORT_FORMATS``
    paths: tuple[Path, ...]
    offset_unit: str | None = None  # a ``Unit`` value; None: decided per file
    annotator: str | None = None
    skip_invalid: bool = False

    def options(self) -> ImportOptions:
        from annotator.core.units import Unit
        from annotator.formats.base import ImportOptions

        unit = None if self.offset_unit is None else Unit(self.offset_unit)
        return ImportOptions(
            offset_unit=unit, annotator=self.annotator, skip_invalid=self.skip_invalid
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
    reading = None
    if _can_fork() if fork is None else fork:
        with suppress(OSError):  # no process to be had (a limit on processes): read here
            reading = ReadingProcess(request)
    if reading is None:
        yield _read_here(request)
        return
    try:
        yield reading
    finally:
        reading.close()


def _can_fork() -> bool:
    """Whether a forked child can safely read: on Linux (elsewhere system libraries may not
    survive a fork without exec), with no other Python thread, which could hold a lock that
    the child's Python code needs (the native threads of libraries such as Qt or jemalloc hold
    none of those), and with a core for each process."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and len(os.sched_getaffinity(0)) > 1
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
    """The forked process that reads the files, and the end of its pipe."""

    def __init__(self, request: ReadRequest) -> None:
        self.request = request
        read_end, write_end = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if self.pid == 0:  # the reading process
            os.close(read_end)
            _child(request, write_end)
        os.close(write_end)
        self.pipe: IO[bytes] = os.fdopen(read_end, "rb", buffering=_BUFFER)
        self.open: FileRead | None = None  # the file whose frames come next
        self.done = False  # every file's frames are read
        self.ended: str | None = None  # how the reading process ended, once it did early

    def __iter__(self) -> Iterator[FileRead]:
        for path in self.request.paths:
            self._pass_over_open()
            read = self.open = FileRead(path)
            read.documents = self._documents(read)
            yield read
        self._pass_over_open()
        self.done = True

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

    def _pass_over_open(self) -> None:
        """Skip what is left of the open file's frames: the importer gave up on it."""
        read = self.open
        while read is not None and self.open is read and self.ended is None:
            kind, _ = self._frame(read.path)
            if kind in (_END, _ERROR):
                self.open = None
        self.open = None

    def _frame(self, path: Path) -> tuple[int, bytes]:
        """The next frame; if the reading process ended before sending it, an ImportFileError
        for ``path``."""
        if self.ended is None:
            header = self.pipe.read(_HEADER.size)
            if len(header) == _HEADER.size:
                kind, size = _HEADER.unpack(header)
                payload = self.pipe.read(size)
                if len(payload) == size:
                    return kind, payload
            self.ended = self._reap()
        from annotator.formats.articles import ImportFileError

        self.open = None
        raise ImportFileError(
            path, f"reading stopped: the process reading the files ended ({self.ended})"
        )

    def _reap(self) -> str:
        """Wait for the reading process to end; how it ended."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if os.WIFSIGNALED(status):
            return f"killed by signal {os.WTERMSIG(status)}"
        return f"exit status {os.waitstatus_to_exitcode(status)}"

    def close(self) -> None:
        self.pipe.close()  # a child still writing gets EPIPE and leaves
        if self.pid:
            if not self.done:
                os.kill(self.pid, signal.SIGKILL)  # it may still be reading a large file
            os.waitpid(self.pid, 0)
            self.pid = 0


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


def _child(request: ReadRequest, descriptor: int) -> NoReturn:
    """Read every file of ``request`` and send it down ``descriptor``; never returns.

    Ctrl+C reaches the whole process group: the importing process handles it, and ends this
    one.
    """
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with os.fdopen(descriptor, "wb", buffering=_BUFFER) as pipe:
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

"""Files read by a second process give the store what reading them here gives, errors
included, and the second process never outlives the reading."""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from format_helpers import annotated, make_article

from annotator.core.exchange import (
    AnyDocument,
    ArticleRecord,
    DocumentRecord,
    ImportedDocument,
    RelationRecord,
    SpanRecord,
)
from annotator.core.models import ArticleIn, Origin, Relation, Span, Status
from annotator.formats import registry
from annotator.formats.articles import ImportFileError
from annotator.formats.base import ImportOptions, InvalidAnnotation
from annotator.formats.native_jsonl import write_jsonl
from annotator.formats.native_reader import NativeReader
from annotator.formats.read_ahead import ReadingProcess, ReadRequest, read_files
from annotator.formats.registry import FormatError

TEXT = 'Peneliti 👩‍🔬 dari 🇮🇩, Rene\u0301 Siregar, berkata:\r\n"Vaksin ini aman." 😀\r\n'


def _item(number: int, annotator: str = "rina", text: str = TEXT) -> Any:
    person = Span.of(text, 24, 37, "PER", origin=Origin.SUGGESTED)
    quote = Span.of(text, 49, 67, "QUOTE", attrs={"type": "direct", "score": 0.5})
    article = make_article(
        f"a{number}",
        text,
        article_id=number,
        meta={"section": "sains", "tags": ["vaksin"]},
        language="id",
    )
    link = Relation(head=quote.id, child=person.id, label="speaker")
    return annotated(article, (person, quote), (link,), annotator, Status.IN_PROGRESS)


def _export(path: Path, count: int, text: str = TEXT) -> Path:
    with path.open("wb") as out:
        write_jsonl([_item(number, text=text) for number in range(1, count + 1)], out)
    return path


def _break_span(path: Path, line: int) -> None:
    """Make the first span of ``line`` (from 1) claim a text the article does not have there."""
    lines = path.read_bytes().split(b"\n")
    record = orjson.loads(lines[line - 1])
    record["spans"][0]["text"] = "someone else"
    lines[line - 1] = orjson.dumps(record)
    path.write_bytes(b"\n".join(lines))


def _read_all(files: Any) -> list[tuple[Path, list[AnyDocument], list[str]]]:
    out = []
    for read in files:
        out.append((read.path, list(read.documents), read.skipped))
    return out


def _here(*paths: Path, skip_invalid: bool = False) -> list[list[ImportedDocument]]:
    reader = NativeReader()
    return [list(reader.read(path, ImportOptions(skip_invalid=skip_invalid))) for path in paths]


def _same(record: AnyDocument, document: ImportedDocument) -> bool:
    """Whether ``record`` holds every value of ``document`` that the store reads."""
    assert isinstance(record, DocumentRecord)
    spans = [span.model_dump(include=set(SpanRecord._fields)) for span in document.spans]
    relations = [
        relation.model_dump(include=set(RelationRecord._fields)) for relation in document.relations
    ]
    return (
        record.article._asdict() == document.article.model_dump()
        and (record.annotator, record.status, record.where)
        == (document.annotator, document.status, document.where)
        and [span._asdict() for span in record.spans] == spans
        and [relation._asdict() for relation in record.relations] == relations
    )


def test_the_records_carry_every_field_of_an_imported_article() -> None:
    assert ArticleRecord._fields == tuple(ArticleIn.model_fields)


def test_documents_read_by_a_second_process_equal_those_read_here(tmp_path: Path) -> None:
    first = _export(tmp_path / "first.jsonl", 3)
    second = _export(tmp_path / "second.jsonl", 2)
    request = ReadRequest("jsonl", (first, second))
    with read_files(request, fork=True) as files:
        assert isinstance(files, ReadingProcess)
        read = _read_all(files)

    assert [path for path, _, _ in read] == [first, second]
    for (_, records, skipped), documents in zip(read, _here(first, second), strict=True):
        assert len(records) == len(documents) > 0
        assert all(_same(r, d) for r, d in zip(records, documents, strict=True))
        assert records[0].spans[0].origin is Origin.SUGGESTED
        assert records[0].status is Status.IN_PROGRESS
        assert records[0].article.text == TEXT  # CRLF, ZWJ sequence, flag, combining mark
        assert skipped == []


def test_with_another_thread_running_the_files_are_read_here(tmp_path: Path) -> None:
    path = _export(tmp_path / "data.jsonl", 2)
    release = threading.Event()
    waiting = threading.Thread(target=release.wait)
    waiting.start()
    try:
        with read_files(ReadRequest("jsonl", (path,))) as files:
            assert not isinstance(files, ReadingProcess)
            [(_, documents, _)] = _read_all(files)
    finally:
        release.set()
        waiting.join()
    assert documents == _here(path)[0]


def test_without_a_process_to_fork_the_files_are_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _export(tmp_path / "data.jsonl", 2)
    opened = len(os.listdir("/proc/self/fd"))

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    with read_files(ReadRequest("jsonl", (path,)), fork=True) as files:
        assert not isinstance(files, ReadingProcess)
        [(_, documents, _)] = _read_all(files)
    assert documents == _here(path)[0]
    assert len(os.listdir("/proc/self/fd")) == opened  # the pipe is closed


@pytest.mark.parametrize("fork", [True, False])
def test_a_reader_that_cannot_be_loaded_is_a_format_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    path = _export(tmp_path / "data.jsonl", 1)
    monkeypatch.setitem(registry._READERS, "jsonl", registry._Entry("annotator.no_such", "r"))
    with (
        pytest.raises(FormatError, match="the jsonl format is not available"),
        read_files(ReadRequest("jsonl", (path,)), fork=fork) as files,
    ):
        for read in files:
            list(read.documents)


def test_an_error_is_raised_where_the_file_has_it_and_the_next_file_is_read(
    tmp_path: Path,
) -> None:
    broken = _export(tmp_path / "broken.jsonl", 3)
    _break_span(broken, 2)
    good = _export(tmp_path / "good.jsonl", 2)
    with pytest.raises(InvalidAnnotation) as here:
        _here(broken)

    with read_files(ReadRequest("jsonl", (broken, good)), fork=True) as files:
        reads = iter(files)
        first = next(reads)
        assert next(first.documents).where == f"{broken}:1"
        with pytest.raises(InvalidAnnotation) as there:
            next(first.documents)
        second = next(reads)
        assert len(list(second.documents)) == 2
        assert next(reads, None) is None
    assert str(there.value) == str(here.value)
    assert f"{broken}:2" in str(there.value)


def test_an_unreadable_line_keeps_its_path_and_line(tmp_path: Path) -> None:
    path = _export(tmp_path / "data.jsonl", 2)
    path.write_bytes(path.read_bytes() + b"{not json\n")
    with read_files(ReadRequest("jsonl", (path,)), fork=True) as files:
        read = next(iter(files))
        with pytest.raises(ImportFileError) as raised:
            list(read.documents)
    assert (raised.value.path, raised.value.line) == (path, 3)
    assert pickle.loads(pickle.dumps(raised.value)).reason == raised.value.reason


def test_what_skip_invalid_left_out_comes_with_the_file(tmp_path: Path) -> None:
    path = _export(tmp_path / "data.jsonl", 3)
    _break_span(path, 2)
    reader = NativeReader()
    kept_here = list(reader.read(path, ImportOptions(skip_invalid=True)))
    with read_files(ReadRequest("jsonl", (path,), skip_invalid=True), fork=True) as files:
        [(_, records, skipped)] = _read_all(files)
    assert skipped == reader.skipped != []
    assert all(_same(r, d) for r, d in zip(records, kept_here, strict=True))
    assert len(records) == len(kept_here) == 3  # the line, without its broken span


def test_a_file_left_half_read_is_passed_over(tmp_path: Path) -> None:
    first = _export(tmp_path / "first.jsonl", 600)  # more than one frame
    second = _export(tmp_path / "second.jsonl", 2)
    with read_files(ReadRequest("jsonl", (first, second)), fork=True) as files:
        reads = iter(files)
        read = next(reads)
        next(read.documents)  # the importer gives up on the first file here
        [*documents] = next(reads).documents
    assert [d.where for d in documents] == [f"{second}:1", f"{second}:2"]


def test_documents_passed_over_cannot_be_taken_later(tmp_path: Path) -> None:
    path = _export(tmp_path / "data.jsonl", 2)
    with read_files(ReadRequest("jsonl", (path, path)), fork=True) as files:
        reads = iter(files)
        first = next(reads)
        next(reads)
        with pytest.raises(RuntimeError, match="passed over"):
            next(first.documents)


def _big(tmp_path: Path) -> Path:
    """A file whose frames fill the pipe and both its buffers many times over: its reading
    process cannot finish before this process reads."""
    path = _export(tmp_path / "big.jsonl", 1, text="x" * 1_000)
    line = path.read_bytes()
    path.write_bytes(b"".join(line.replace(b'"a1"', f'"a{n}"'.encode()) for n in range(8_000)))
    assert path.stat().st_size > 8 * 1024**2
    return path


def test_a_reading_process_that_dies_is_an_error_for_its_file_and_the_next_is_read(
    tmp_path: Path,
) -> None:
    path = _big(tmp_path)
    with read_files(ReadRequest("jsonl", (path, path)), fork=True) as files:
        assert isinstance(files, ReadingProcess)
        killed = files.pid
        os.kill(killed, signal.SIGKILL)
        reads = iter(files)
        with pytest.raises(ImportFileError, match=r"reading stopped: .*killed by signal 9"):
            list(next(reads).documents)
        assert _is_gone(killed)
        assert len(list(next(reads).documents)) == 8_000
        assert files.pid not in (0, killed)


def test_a_file_given_up_on_is_not_read_to_its_end(tmp_path: Path) -> None:
    """The process reading it is ended, and a new one reads the files after it."""
    big = _big(tmp_path)
    small = _export(tmp_path / "small.jsonl", 2)
    with read_files(ReadRequest("jsonl", (big, small, big)), fork=True) as files:
        assert isinstance(files, ReadingProcess)
        reads = iter(files)
        first = files.pid
        next(next(reads).documents)  # the store refused the file here
        assert [d.where for d in next(reads).documents] == [f"{small}:1", f"{small}:2"]
        assert _is_gone(first)
        assert files.pid not in (0, first)
        assert len(list(next(reads).documents)) == 8_000


def test_ctrl_c_right_after_the_fork_never_reaches_the_reading_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child ignores Ctrl+C from its first instruction: were it to take it, it would run
    the caller's code (here: leave with status 99)."""
    path = _export(tmp_path / "data.jsonl", 2)
    fork = os.fork

    def interrupted_fork() -> int:
        pid = fork()
        if pid == 0:
            try:
                os.kill(os.getpid(), signal.SIGINT)
                os.getpid()  # a Python-level handler would have run by now
            except KeyboardInterrupt:
                os._exit(99)
        return pid

    monkeypatch.setattr(os, "fork", interrupted_fork)
    with read_files(ReadRequest("jsonl", (path,)), fork=True) as files:
        [(_, documents, _)] = _read_all(files)
    assert len(documents) == 2


def test_with_sigchld_ignored_the_files_are_read_here(tmp_path: Path) -> None:
    """The system would reap the child, whose end could then not be told."""
    path = _export(tmp_path / "data.jsonl", 1)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        with read_files(ReadRequest("jsonl", (path,))) as files:
            assert not isinstance(files, ReadingProcess)
            [(_, documents, _)] = _read_all(files)
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert len(documents) == 1


def _is_gone(pid: int) -> bool:
    """Whether ``pid`` is no longer a child of this process: it ended and was waited for."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("taken", [0, 1, 10_000])
def test_leaving_ends_the_reading_process(tmp_path: Path, taken: int) -> None:
    """Whether nothing, part or all of the file was taken, no process is left behind."""
    path = _big(tmp_path)
    with read_files(ReadRequest("jsonl", (path,)), fork=True) as files:
        assert isinstance(files, ReadingProcess)
        pid = files.pid
        for read in files:
            for index, _ in enumerate(read.documents):
                if index + 1 == taken:
                    break
    assert _is_gone(pid)


class _Unpicklable(Exception):
    def __init__(self, what: str, handle: Any) -> None:
        super().__init__(what)
        self.handle = handle


def _failing_reader(error: Exception) -> Any:
    def read(self: NativeReader, path: Path, options: Any) -> Iterator[ImportedDocument]:
        raise error
        yield

    return read


def test_a_reader_fault_that_cannot_be_pickled_comes_back_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _export(tmp_path / "data.jsonl", 1)
    fault = _Unpicklable("the reader broke", threading.Lock())
    monkeypatch.setattr(NativeReader, "read", _failing_reader(fault))
    with read_files(ReadRequest("jsonl", (path,)), fork=True) as files:
        read = next(iter(files))
        with pytest.raises(RuntimeError) as raised:
            list(read.documents)
    message = str(raised.value)
    assert f"reading {path} failed" in message
    assert "_Unpicklable: the reader broke" in message
    assert "Traceback" in message


def test_values_marshal_cannot_carry_are_sent_pickled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _export(tmp_path / "data.jsonl", 1)
    original = NativeReader.read

    def dated(self: NativeReader, path: Path, options: Any) -> Iterator[ImportedDocument]:
        for document in original(self, path, options):
            meta = {**document.article.meta, "day": date(2026, 1, 2)}
            document.article = document.article.model_copy(update={"meta": meta})
            yield document

    monkeypatch.setattr(NativeReader, "read", dated)
    with read_files(ReadRequest("jsonl", (path,)), fork=True) as files:
        [(_, [record], _)] = _read_all(files)
    assert record.article.meta["day"] == date(2026, 1, 2)

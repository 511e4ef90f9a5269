"""Reading articles to import from plain-text (``.txt``) and JSON Lines (``.jsonl``) files.

A ``.txt`` file is one article: its stem is the id, its first non-blank line the title, and its
line endings are normalised to ``\\n``. A ``.jsonl`` file holds one JSON object per line, whose
``text`` is kept exactly as given, because span offsets refer to it code point by code point.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from annotator.core.models import ArticleIn
from annotator.core.text import TextError, check_text, normalise_newlines, title_from_text

SUFFIXES = (".txt", ".jsonl")
MAX_LINE_BYTES = 64 * 1024 * 1024
"""The longest accepted ``.jsonl`` line, without its newline."""
# Lines are read from a buffer larger than the default 8 KB: a line of an annotated article is
# often longer, and reading it through a small buffer copies it piece by piece.
LINE_BUFFER_BYTES = 1 << 16

_BOM = b"\xef\xbb\xbf"
_KNOWN_KEYS = frozenset({"id", "title", "text", "meta", "url", "source", "published", "language"})
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class ImportFileError(Exception):
    """A file that cannot be imported; the message names the file and, where known, the line."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason

    def __reduce__(self) -> tuple[type[ImportFileError], tuple[Path, str, int | None]]:
        # Pickled by the reading process of an import (``read_ahead``): rebuilt from what it
        # was made of, not from its message.
        return type(self), (self.path, self.reason, self.line)


def iter_article_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the importable files among ``paths``, expanding folders recursively.

    A folder contributes its ``.txt`` and ``.jsonl`` files in sorted path order, skipping
    hidden files and folders (such as ``.git``). A file named explicitly must have one of
    those suffixes.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(
                found
                for found in path.rglob("*")
                if found.is_file()
                and _has_supported_suffix(found)
                and not any(part.startswith(".") for part in found.relative_to(path).parts)
            )
        elif path.is_file():
            if not _has_supported_suffix(path):
                raise _unsupported(path)
            yield path
        else:
            raise ImportFileError(path, "no such file or folder")


def read_articles(path: Path) -> Iterator[ArticleIn]:
    """Yield the articles in one ``.txt`` or ``.jsonl`` file.

    Raises :class:`ImportFileError` (while iterating) at the first problem in the file.
    """
    suffix = path.suffix.lower()
    if suffix == ".txt":
        yield _read_txt(path)
    elif suffix == ".jsonl":
        yield from _read_jsonl(path)
    else:
        raise _unsupported(path)


def _has_supported_suffix(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def _unsupported(path: Path) -> ImportFileError:
    shown = f"'{path.suffix}'" if path.suffix else "without a suffix"
    return ImportFileError(path, f"unsupported file type {shown}; expected .txt or .jsonl")


def _open_error(path: Path, error: OSError) -> ImportFileError:
    return ImportFileError(path, f"cannot read the file: {error.strerror or error}")


def _invalid_utf8(data: bytes, error: UnicodeDecodeError, offset: int) -> str:
    """Describe a decoding error; ``offset`` is where ``data`` starts in the file."""
    return (
        f"invalid UTF-8: byte 0x{data[error.start]:02X} at byte offset {offset + error.start}"
        " (the file must be saved as UTF-8)"
    )


def _read_txt(path: Path) -> ArticleIn:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _open_error(path, error) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFileError(path, _invalid_utf8(data, error, 0), line) from error
    text = normalise_newlines(text.removeprefix("\ufeff"))
    try:
        check_text(text)
    except TextError as error:
        raise ImportFileError(path, str(error), error.line) from error
    return ArticleIn(external_id=path.stem, title=title_from_text(text), text=text)


def _read_jsonl(path: Path) -> Iterator[ArticleIn]:
    try:
        stream = path.open("rb", buffering=LINE_BUFFER_BYTES)
    except OSError as error:
        raise _open_error(path, error) from error
    with stream:
        first_line_of: dict[str, int] = {}
        for number, offset, raw in _lines(path, stream):
            if not raw.strip(b" \t\r"):
                continue
            try:
                article = _parse_line(raw, offset)
            except ValueError as error:
                raise ImportFileError(path, str(error), number) from error
            first = first_line_of.setdefault(article.external_id, number)
            if first != number:
                raise ImportFileError(
                    path,
                    f'duplicate id "{article.external_id}", already used on line {first}',
                    number,
                )
            yield article


def _lines(path: Path, stream: BinaryIO) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(line number, byte offset, content)`` per line split at ``\\n`` only.

    Reads with a size limit so that one huge line cannot exhaust memory. A leading BOM is
    dropped from the first line (and counted in the offset).
    """
    offset = 0
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        start = offset
        offset += len(raw)
        content = raw.removesuffix(b"\n")
        if len(content) > MAX_LINE_BYTES:
            raise ImportFileError(path, f"line too long (more than {MAX_LINE_BYTES} bytes)", number)
        if number == 1 and content.startswith(_BOM):
            content = content[len(_BOM) :]
            start += len(_BOM)
        yield number, start, content


def _json_object(raw: bytes, offset: int) -> dict[str, Any]:
    """Parse one JSONL line that must hold an object; ``offset`` is where it starts in the file.

    Raises ``ValueError`` with a reason for the user.
    """
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        # orjson refuses invalid UTF-8 too; decoding tells which problem it is, and where.
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as invalid:
            raise ValueError(_invalid_utf8(raw, invalid, offset)) from None
        raise ValueError(_json_error(decoded, error)) from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {_json_type(record)}")
    return record


def refuse_rounded_integers(raw: bytes, *parts: Any) -> None:
    """Raise ``ValueError`` if the JSON line ``raw`` holds an integer beyond 64 bits, which
    orjson reads as a float, rounding it silently. Only lines whose ``parts`` (free-form values
    parsed from ``raw``, such as meta) hold a float are read again, exactly, to tell."""
    if any(map(holds_float, parts)):
        refuse_big_integers(exact_json(raw), "")


def exact_json(data: bytes | str) -> Any:
    """Parse JSON that orjson has read, again, with Python's parser, which keeps integers
    beyond 64 bits exactly. Raises ``ValueError`` for nesting too deep for it (orjson allows
    a little deeper)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def holds_float(value: Any) -> bool:
    """Whether a value parsed from JSON holds a float anywhere."""
    # Iterative: JSON may nest deeper than Python's recursion limit.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, float):
            return True
    return False


def refuse_big_integers(value: Any, where: str) -> None:
    """Raise ``ValueError`` naming the place (``where`` and the path below it) of the first
    integer in ``value`` beyond 64 bits."""
    pending = [(value, where)]
    while pending:
        item, at = pending.pop()
        if isinstance(item, dict):
            pending += [(inner, f"{at}.{key}" if at else str(key)) for key, inner in item.items()]
        elif isinstance(item, list):
            pending += [(inner, f"{at}[{index}]") for index, inner in enumerate(item)]
        elif isinstance(item, int) and not -(2**63) <= item < 2**64:
            raise ValueError(
                f"{at}: the integer {item} is beyond 64 bits, the most JSON readers keep "
                "exactly; write it as a string"
            )


def _parse_line(raw: bytes, offset: int) -> ArticleIn:
    """Turn one JSONL line into an article; raises ``ValueError`` with a reason for the user."""
    record = _json_object(raw, offset)
    external_id = _external_id(record)
    text = record.get("text")
    if text is None:
        raise ValueError('missing "text"')
    if not isinstance(text, str):
        raise ValueError(f'"text" must be a string, got {_json_type(text)}')
    check_text(text)

    title = _optional_string(record, "title")
    meta = _meta(record)
    refuse_rounded_integers(raw, meta)
    return ArticleIn(
        external_id=external_id,
        title=(title or "").strip() or title_from_text(text),
        text=text,
        source=_optional_string(record, "source"),
        url=_optional_string(record, "url"),
        published=_optional_string(record, "published"),
        language=_optional_string(record, "language"),
        meta=meta,
    )


def _json_error(line: str, error: orjson.JSONDecodeError) -> str:
    """Explain a JSON error; orjson's own position always says line 1, so give the column."""
    if "surrogate" not in error.msg:
        return f"malformed JSON at column {error.colno}: {error.msg}"
    escape = _SURROGATE_ESCAPE.match(line, error.pos)
    shown = f" {escape.group()}" if escape else ""
    return (
        f"lone surrogate{shown} at column {error.colno}: a \\ud800-\\udfff escape must be one "
        "half of a pair encoding a single character"
    )


def _external_id(record: dict[str, Any]) -> str:
    value = record.get("id")
    if value is None:
        raise ValueError('missing "id"')
    # bool is a subclass of int, but true/false are not ids.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f'"id" must be a string or an integer, got {_json_type(value)}')
    external_id = str(value)
    if not external_id.strip():
        raise ValueError('"id" is empty')
    return external_id


def _optional_string(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f'"{key}" must be a string or null, got {_json_type(value)}')
    return value


def _meta(record: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` object plus any unknown top-level keys, which must not clash with it."""
    meta = record.get("meta")
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise ValueError(f'"meta" must be an object, got {_json_type(meta)}')
    extra = {key: value for key, value in record.items() if key not in _KNOWN_KEYS}
    if clash := sorted(extra.keys() & meta.keys()):
        raise ValueError(f'key "{clash[0]}" appears both at the top level and in "meta"')
    return meta | extra


def _json_type(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int() | float():
            return "number"
        case str():
            return "string"
        case list():
            return "array"
        case _:
            return "object"

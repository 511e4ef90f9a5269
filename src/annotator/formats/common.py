"""Reading helpers shared by the JSON Lines import formats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from annotator.core.models import Article, ArticleIn, Status
from annotator.formats.articles import (
    LINE_BUFFER_BYTES,
    ImportFileError,
    _json_type,
    _lines,
    _open_error,
)
from annotator.formats.base import Limits

ARTICLE_FIELDS = ("source", "url", "published", "language")
"""The optional article fields that the exchange formats carry by name."""


def article_fields(article: Article | ArticleIn) -> dict[str, str]:
    """The :data:`ARTICLE_FIELDS` that ``article`` has, in that order."""
    return {key: value for key in ARTICLE_FIELDS if (value := getattr(article, key)) is not None}


def optional_status(record: dict[str, Any], shown: str = "status") -> Status | None:
    """``record["status"]`` as a status, ``None`` if absent; ``shown`` names it in errors."""
    value = record.get("status")
    if value is None:
        return None
    try:
        return Status(value)
    except ValueError:
        allowed = ", ".join(status.value for status in Status)
        raise ValueError(f'"{shown}" must be one of {allowed}') from None


def _file_too_large(size: int, limit: int) -> str:
    return f"file too large ({size} bytes; the limit is {limit})"


def limited_lines(
    path: Path,
    limits: Limits,
    too_large: Callable[[int, int], str] = _file_too_large,
) -> Iterator[tuple[int, int, bytes]]:
    """Yield ``(line number, byte offset, content)`` for each non-blank line of ``path``.

    Raises :class:`ImportFileError` when the file cannot be opened, is larger than
    ``limits.max_file_bytes`` (the reason is ``too_large(size, limit)``), or has a line longer
    than ``limits.max_line_bytes``.
    """
    try:
        size = path.stat().st_size
        stream = path.open("rb", buffering=LINE_BUFFER_BYTES)
    except OSError as error:
        raise _open_error(path, error) from error
    with stream:
        if size > limits.max_file_bytes:
            raise ImportFileError(path, too_large(size, limits.max_file_bytes))
        for number, offset, raw in _lines(path, stream):
            if not raw.strip(b" \t\r"):
                continue
            if len(raw) > limits.max_line_bytes:
                raise ImportFileError(
                    path, f"line too long (more than {limits.max_line_bytes} bytes)", number
                )
            yield number, offset, raw


def array(record: dict[str, Any], key: str) -> list[Any]:
    """``record[key]`` if it is a list, ``[]`` if the key is absent."""
    value = record.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f'"{key}" must be an array, got {_json_type(value)}')
    return value

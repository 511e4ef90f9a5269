"""Reading helpers shared by the JSON Lines import formats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from annotator.formats.articles import ImportFileError, _json_type, _lines, _open_error
from annotator.formats.base import Limits


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
        stream = path.open("rb")
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

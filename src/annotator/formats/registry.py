"""Format names, as the command line takes them, mapped to their writers and readers.

A format's module is imported only when the format is asked for, so that an optional
dependency (spaCy) is needed only by the formats that use it.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from pathlib import Path

    from annotator.formats.base import Reader, Writer

Align = Literal["strict", "expand"]
ALIGNMENTS: tuple[str, ...] = get_args(Align)


class FormatError(Exception):
    """An unknown format, or one whose optional dependency is missing."""


@dataclass(frozen=True)
class _Entry:
    module: str
    attribute: str
    needs: str | None = None  # an optional package the format cannot work without


_WRITERS = {
    "jsonl": _Entry("annotator.formats.native_jsonl", "writer"),
    "spacy": _Entry("annotator.formats.spacy_docbin", "writer", needs="spacy"),
    "prodigy": _Entry("annotator.formats.prodigy", "writer"),
    "doccano": _Entry("annotator.formats.doccano", "sequence_writer"),
    "doccano-rel": _Entry("annotator.formats.doccano", "relation_writer"),
    "labelstudio": _Entry("annotator.formats.labelstudio", "writer"),
    "brat": _Entry("annotator.formats.brat", "writer"),
    "conll": _Entry("annotator.formats.conll", "writer"),
}
_READERS = {
    "jsonl": _Entry("annotator.formats.native_reader", "reader"),
    "prodigy": _Entry("annotator.formats.prodigy", "reader"),
    "doccano": _Entry("annotator.formats.doccano", "sequence_reader"),
    "doccano-rel": _Entry("annotator.formats.doccano", "relation_reader"),
    "labelstudio": _Entry("annotator.formats.labelstudio", "reader"),
    "brat": _Entry("annotator.formats.brat", "reader"),
}
_ALIGNED = "spacy"  # the one format whose writer takes an alignment
_ALIGNED_WRITER = _Entry("annotator.formats.spacy_docbin", "SpacyWriter", needs="spacy")
_INSTALL = {"spacy": "pip install 'annotator[spacy]'"}

EXPORT_FORMATS: tuple[str, ...] = tuple(_WRITERS)
IMPORT_FORMATS: tuple[str, ...] = tuple(_READERS)
SINGLE_TEXT_FILE = frozenset({"jsonl", "prodigy", "doccano", "doccano-rel", "labelstudio", "conll"})
"""The export formats written as one text file, which can therefore go to standard output."""


def written_paths(name: str, target: Path) -> list[Path]:
    """Every path an export in format ``name`` to ``target`` writes or replaces: the target
    (a file, or brat's folder), and the labeling config beside Label Studio's tasks."""
    if name == "labelstudio":
        from annotator.formats.labelstudio import config_path

        return [target, config_path(target)]
    return [target]


def writer_for(name: str, align: Align | None = None) -> Writer:
    """The writer of format ``name``; ``align`` (spaCy only) says how spans that do not fall on
    token boundaries are handled: left out (``strict``, the default) or widened (``expand``)."""
    entry = _entry(name, _WRITERS, "export")
    if align is None:
        found: Writer = _load(name, entry)
        return found
    if name != _ALIGNED:
        raise FormatError(f"alignment applies only to the {_ALIGNED} format, not to {name}")
    if align not in ALIGNMENTS:
        raise FormatError(f"alignment must be one of {', '.join(ALIGNMENTS)}, not {align!r}")
    aligned: Writer = _load(name, _ALIGNED_WRITER)(align)
    return aligned


def reader_for(name: str) -> Reader:
    """The reader of format ``name``."""
    found: Reader = _load(name, _entry(name, _READERS, "import"))
    return found


def _entry(name: str, entries: dict[str, _Entry], direction: str) -> _Entry:
    entry = entries.get(name)
    if entry is None:
        known = ", ".join(entries)
        raise FormatError(f"no {direction} format {name!r}; the formats are: {known}")
    return entry


def _load(name: str, entry: _Entry) -> Any:
    if entry.needs is not None and importlib.util.find_spec(entry.needs) is None:
        raise FormatError(_missing(name, entry.needs))
    try:
        module = importlib.import_module(entry.module)
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if missing and missing != "annotator":
            raise FormatError(_missing(name, missing)) from error
        raise FormatError(f"the {name} format is not available: {error}") from error
    return getattr(module, entry.attribute)


def _missing(name: str, package: str) -> str:
    install = _INSTALL.get(package, f"pip install {package}")
    return f"the {name} format needs {package}, which is not installed: {install}"

"""Locate files shipped with annotator (label schema, sample articles).

In a wheel they live in ``annotator/_data``; in a source checkout at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Path of ``resources`` or ``sample_articles``, wherever the project is installed."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"annotator data folder {name!r} is missing from the installation")


def default_schema_path() -> Path:
    return data_path("resources") / "schema.toml"


def sample_articles_path() -> Path:
    return data_path("sample_articles")

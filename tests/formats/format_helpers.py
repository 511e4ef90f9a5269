"""Builders shared by the format tests: articles, one annotator's work on them, FIFOs to write."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from annotator.core.models import (
    AnnotatedArticle,
    Annotations,
    Article,
    Relation,
    Span,
    Status,
)
from annotator.core.text import text_sha256


def make_article(
    external_id: str, text: str, *, article_id: int = 1, title: str | None = None, **extra: Any
) -> Article:
    return Article(
        id=article_id,
        external_id=external_id,
        title=title if title is not None else f"Title of {external_id}",
        text=text,
        text_sha256=text_sha256(text),
        **extra,
    )


def annotated(
    item: Article,
    spans: tuple[Span, ...] = (),
    relations: tuple[Relation, ...] = (),
    annotator: str = "ana",
    status: Status = Status.DONE,
) -> AnnotatedArticle:
    return AnnotatedArticle(
        article=item,
        annotations=Annotations(
            article_id=item.id,
            annotator=annotator,
            status=status,
            spans=spans,
            relations=relations,
        ),
    )


def fifo_with_reader(path: Path) -> int:
    """Make a FIFO at ``path`` and open its read end without waiting for a writer, so that a
    test can write it from its own thread; what is written must fit the pipe's buffer."""
    os.mkfifo(path)
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK)


def read_to_end(descriptor: int) -> bytes:
    """Everything written to a pipe whose writer has closed it (nothing if none ever opened it);
    closes ``descriptor``."""
    chunks = []
    try:
        while chunk := os.read(descriptor, 65536):
            chunks.append(chunk)
    finally:
        os.close(descriptor)
    return b"".join(chunks)

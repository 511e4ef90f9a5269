"""Builders shared by the format tests: articles and one annotator's work on them."""

from __future__ import annotations

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

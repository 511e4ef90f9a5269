"""The store facade: the only way the CLI and the GUI read or write the database.

Every public method is one short transaction and returns pydantic models from
``annotator.core.models``, never ORM objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    Select,
    String,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased, sessionmaker

from annotator.core.models import (
    AnnotatedArticle,
    Annotations,
    Article,
    ArticleIn,
    ArticleSummary,
    ImportReport,
    Origin,
    Progress,
    Relation,
    Span,
    Status,
    Suggestion,
)
from annotator.core.text import text_sha256
from annotator.storage.database import (
    DatabaseError,
    create_db_engine,
    default_database_url,
    migrate,
)
from annotator.storage.orm import (
    AnnotationSetRow,
    AnnotatorRow,
    ArticleRow,
    RejectionRow,
    RelationRow,
    SpanRow,
    SuggestionRow,
    utcnow,
)

_IMPORT_BATCH = 500


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building tens of thousands of small objects at once sets off the cyclic garbage
    collector again and again, for nothing: none of them form cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class StoreError(Exception):
    """A request the store refuses (unknown article, span not matching the text, ...)."""


class Store:
    """Typed access to articles and annotations in one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating or upgrading if needed) the database at ``url``."""
        engine = create_db_engine(url)
        migrate(engine)
        return cls(engine)

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as error:
            raise DatabaseError(
                f"database error: {getattr(error, 'orig', None) or error}"
            ) from error

    # ----------------------------------------------------------------- articles

    def import_articles(self, articles: Iterable[ArticleIn]) -> ImportReport:
        """Add new articles in one transaction; an article whose id or text is known is skipped.

        If ``articles`` raises part-way, nothing from it is committed.
        """
        added = duplicates = 0
        with self._transaction() as session:
            known_ids = set(session.scalars(select(ArticleRow.external_id)))
            known_hashes = set(session.scalars(select(ArticleRow.text_sha256)))
            batch: list[dict[str, Any]] = []
            for article in articles:
                digest = text_sha256(article.text)
                if article.external_id in known_ids or digest in known_hashes:
                    duplicates += 1
                    continue
                known_ids.add(article.external_id)
                known_hashes.add(digest)
                batch.append(
                    {**article.model_dump(), "text_sha256": digest, "created_at": utcnow()}
                )
                if len(batch) >= _IMPORT_BATCH:
                    session.execute(insert(ArticleRow), batch)
                    added += len(batch)
                    batch.clear()
            if batch:
                session.execute(insert(ArticleRow), batch)
                added += len(batch)
        return ImportReport(added=added, duplicates=duplicates)

    def article_count(self) -> int:
        with self._transaction() as session:
            return session.scalar(select(func.count(ArticleRow.id))) or 0

    def get_article(self, article_id: int) -> Article:
        with self._transaction() as session:
            row = session.get(ArticleRow, article_id)
            if row is None:
                raise StoreError(f"no article with id {article_id}")
            return _article(row)

    def find_article(self, external_id: str) -> int | None:
        """The internal id of the article with this external id, if any."""
        with self._transaction() as session:
            return session.scalar(
                select(ArticleRow.id).where(ArticleRow.external_id == external_id)
            )

    def list_articles(self, annotator: str) -> list[ArticleSummary]:
        """Every article with this annotator's status and span count, in import order."""
        with self._transaction() as session:
            return [_summary(row) for row in session.execute(_summary_query(annotator))]

    def article_summary(self, article_id: int, annotator: str) -> ArticleSummary:
        with self._transaction() as session:
            row = session.execute(
                _summary_query(annotator).where(ArticleRow.id == article_id)
            ).one_or_none()
            if row is None:
                raise StoreError(f"no article with id {article_id}")
            return _summary(row)

    def progress(self, annotator: str) -> Progress:
        with self._transaction() as session:
            total = session.scalar(select(func.count(ArticleRow.id))) or 0
            done = session.scalar(
                select(func.count(AnnotationSetRow.id))
                .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
                .where(AnnotatorRow.name == annotator, AnnotationSetRow.status == Status.DONE)
            )
            return Progress(done=done or 0, total=total)

    # -------------------------------------------------------------- annotations

    def annotations(self, article_id: int, annotator: str) -> Annotations:
        """This annotator's spans (sorted by offsets) and relations on one article."""
        with self._transaction() as session:
            set_row = session.scalar(_set_query(article_id, annotator))
            if set_row is None:
                return Annotations(article_id=article_id, annotator=annotator)
            # Plain column rows, not ORM entities: an article can hold tens of thousands of spans.
            spans = session.execute(
                select(*_SPAN_COLUMNS)
                .where(SpanRow.set_id == set_row.id)
                .order_by(SpanRow.start, SpanRow.end, SpanRow.id)
            )
            relations = session.execute(
                select(*_RELATION_COLUMNS).where(RelationRow.set_id == set_row.id)
            )
            with _collector_paused():
                return Annotations.model_construct(
                    article_id=article_id,
                    annotator=annotator,
                    status=Status(set_row.status),
                    spans=tuple(_span(row) for row in spans),
                    relations=tuple(_relation(row) for row in relations),
                )

    def add_span(
        self,
        article_id: int,
        annotator: str,
        span: Span,
        relations: Iterable[Relation] = (),
    ) -> Span:
        """Save a span (keeping its id) and, for an undone delete, its relations."""
        with self._transaction() as session:
            stored_text = session.scalar(
                select(func.substr(ArticleRow.text, span.start + 1, span.end - span.start)).where(
                    ArticleRow.id == article_id
                )
            )
            if stored_text is None:
                raise StoreError(f"no article with id {article_id}")
            if stored_text != span.text:
                raise StoreError(
                    f"span [{span.start}, {span.end}) text {span.text!r} does not match the "
                    f"article text {stored_text!r}"
                )
            set_row = self._ensure_set(session, article_id, annotator)
            if set_row.status == Status.TODO:
                set_row.status = Status.IN_PROGRESS
            now = utcnow()
            row = SpanRow(
                id=span.id,
                set_id=set_row.id,
                start=span.start,
                end=span.end,
                label=span.label,
                text=span.text,
                attrs=dict(span.attrs),
                origin=span.origin.value,
                created_at=span.created_at or now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            for relation in relations:
                session.add(_relation_row(relation, set_row.id))
            return _span(row)

    def delete_span(self, span_id: str) -> tuple[Span, tuple[Relation, ...]]:
        """Remove a span and every relation that involves it; returns what was removed."""
        with self._transaction() as session:
            row = session.get(SpanRow, span_id)
            if row is None:
                raise StoreError(f"no span with id {span_id}")
            links = session.scalars(
                select(RelationRow).where(
                    or_(RelationRow.head_id == span_id, RelationRow.child_id == span_id)
                )
            ).all()
            removed = tuple(_relation(link) for link in links)
            span = _span(row)
            session.execute(delete(RelationRow).where(RelationRow.id.in_([r.id for r in links])))
            session.delete(row)
            return span, removed

    def update_span(
        self, span_id: str, *, label: str | None = None, attrs: dict[str, Any] | None = None
    ) -> Span:
        with self._transaction() as session:
            row = session.get(SpanRow, span_id)
            if row is None:
                raise StoreError(f"no span with id {span_id}")
            if label is not None:
                row.label = label
            if attrs is not None:
                row.attrs = dict(attrs)
            row.updated_at = utcnow()
            return _span(row)

    def add_relation(self, article_id: int, annotator: str, relation: Relation) -> Relation:
        with self._transaction() as session:
            set_row = self._ensure_set(session, article_id, annotator)
            session.add(_relation_row(relation, set_row.id))
            return relation

    def delete_relation(self, relation_id: str) -> Relation:
        with self._transaction() as session:
            row = session.get(RelationRow, relation_id)
            if row is None:
                raise StoreError(f"no relation with id {relation_id}")
            relation = _relation(row)
            session.delete(row)
            return relation

    # -------------------------------------------------------------- suggestions

    def add_suggestions(self, article_id: int, suggestions: Iterable[Suggestion]) -> int:
        """Store pre-annotations for an article; ones already stored are skipped."""
        with self._transaction() as session:
            if session.get(ArticleRow, article_id) is None:
                raise StoreError(f"no article with id {article_id}")
            known = set(
                session.scalars(
                    select(SuggestionRow.id).where(SuggestionRow.article_id == article_id)
                )
            )
            added = 0
            for suggestion in suggestions:
                if suggestion.id in known:
                    continue
                known.add(suggestion.id)
                session.add(
                    SuggestionRow(
                        id=suggestion.id,
                        article_id=article_id,
                        source=suggestion.source,
                        payload=suggestion.model_dump(mode="json"),
                    )
                )
                added += 1
            return added

    def suggestions(self, article_id: int) -> list[Suggestion]:
        with self._transaction() as session:
            rows = session.scalars(
                select(SuggestionRow.payload)
                .where(SuggestionRow.article_id == article_id)
                .order_by(SuggestionRow.created_at, SuggestionRow.id)
            )
            return [Suggestion.model_validate(payload) for payload in rows]

    def rejected(self, article_id: int, annotator: str) -> set[str]:
        """Ids of the suggestions this annotator rejected on this article."""
        with self._transaction() as session:
            return set(
                session.scalars(
                    select(RejectionRow.suggestion_id)
                    .join(AnnotationSetRow, AnnotationSetRow.id == RejectionRow.set_id)
                    .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
                    .where(
                        AnnotationSetRow.article_id == article_id,
                        AnnotatorRow.name == annotator,
                    )
                )
            )

    def set_rejected(
        self, article_id: int, annotator: str, suggestion_id: str, rejected: bool
    ) -> None:
        with self._transaction() as session:
            set_id = self._ensure_set(session, article_id, annotator).id
            row = session.get(RejectionRow, (set_id, suggestion_id))
            if rejected and row is None:
                session.add(RejectionRow(set_id=set_id, suggestion_id=suggestion_id))
            elif not rejected and row is not None:
                session.delete(row)

    def labelled_strings(self, labels: Iterable[str], max_length: int = 80) -> dict[str, str]:
        """Every distinct span text with one of ``labels`` in the project, with its most
        frequent label: the project gazetteer."""
        with self._transaction() as session:
            rows = session.execute(
                select(SpanRow.text, SpanRow.label, func.count())
                .where(SpanRow.label.in_(list(labels)), func.length(SpanRow.text) <= max_length)
                .group_by(SpanRow.text, SpanRow.label)
                .order_by(func.count().desc(), SpanRow.label)
            )
            known: dict[str, str] = {}
            for text, label, _count in rows:
                known.setdefault(text, label)
            return known

    def set_status(self, article_id: int, annotator: str, status: Status) -> None:
        with self._transaction() as session:
            self._ensure_set(session, article_id, annotator).status = status.value

    def _ensure_set(self, session: Session, article_id: int, annotator: str) -> AnnotationSetRow:
        set_row = session.scalar(_set_query(article_id, annotator))
        if set_row is not None:
            return set_row
        if session.get(ArticleRow, article_id) is None:
            raise StoreError(f"no article with id {article_id}")
        annotator_id = session.scalar(select(AnnotatorRow.id).where(AnnotatorRow.name == annotator))
        if annotator_id is None:
            annotator_row = AnnotatorRow(name=annotator)
            session.add(annotator_row)
            session.flush()
            annotator_id = annotator_row.id
        set_row = AnnotationSetRow(
            article_id=article_id, annotator_id=annotator_id, status=Status.TODO.value
        )
        session.add(set_row)
        session.flush()
        return set_row

    # ------------------------------------------------------------------- export

    def iter_annotated(
        self, *, annotator: str | None = None, status: Status | None = None
    ) -> Iterator[AnnotatedArticle]:
        """Stream every (article, annotator) pair with at least one span, in constant memory.

        Three ordered streams (sets, spans, relations) are merged by annotation set, so memory
        holds one article at a time whatever the size of the database.
        """
        any_span = aliased(SpanRow)
        conditions = [exists().where(any_span.set_id == AnnotationSetRow.id)]
        if annotator is not None:
            conditions.append(AnnotatorRow.name == annotator)
        if status is not None:
            conditions.append(AnnotationSetRow.status == status.value)
        chosen = and_(*conditions)
        sets = (
            select(AnnotationSetRow.id, AnnotationSetRow.status, AnnotatorRow.name, ArticleRow)
            .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
            .join(ArticleRow, ArticleRow.id == AnnotationSetRow.article_id)
            .where(chosen)
            .order_by(AnnotationSetRow.id)
        )
        spans = (
            select(SpanRow)
            .join(AnnotationSetRow, AnnotationSetRow.id == SpanRow.set_id)
            .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
            .where(chosen)
            .order_by(SpanRow.set_id, SpanRow.start, SpanRow.end, SpanRow.id)
        )
        relations = (
            select(RelationRow)
            .join(AnnotationSetRow, AnnotationSetRow.id == RelationRow.set_id)
            .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
            .where(chosen)
            .order_by(RelationRow.set_id, RelationRow.id)
        )
        with self._transaction() as session:
            span_rows = _Grouped(session.scalars(spans.execution_options(yield_per=2000)))
            relation_rows = _Grouped(session.scalars(relations.execution_options(yield_per=2000)))
            for set_id, set_status, name, article_row in session.execute(
                sets.execution_options(yield_per=200)
            ):
                yield AnnotatedArticle(
                    article=_article(article_row),
                    annotations=Annotations(
                        article_id=article_row.id,
                        annotator=name,
                        status=Status(set_status),
                        spans=tuple(_span(row) for row in span_rows.take(set_id)),
                        relations=tuple(_relation(row) for row in relation_rows.take(set_id)),
                    ),
                )
                session.expunge_all()


class _Grouped:
    """Walks rows ordered by ``set_id``, handing out one set's rows at a time."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = iter(rows)
        self._next: Any = next(self._rows, None)

    def take(self, set_id: int) -> list[Any]:
        taken = []
        while self._next is not None and self._next.set_id <= set_id:
            if self._next.set_id == set_id:
                taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def _summary_query(annotator: str) -> Select[Any]:
    own_set = and_(
        AnnotationSetRow.article_id == ArticleRow.id,
        AnnotationSetRow.annotator_id
        == select(AnnotatorRow.id).where(AnnotatorRow.name == annotator).scalar_subquery(),
    )
    return (
        select(
            ArticleRow.id,
            ArticleRow.external_id,
            ArticleRow.title,
            AnnotationSetRow.status,
            func.count(SpanRow.id),
        )
        .select_from(ArticleRow)
        .outerjoin(AnnotationSetRow, own_set)
        .outerjoin(SpanRow, SpanRow.set_id == AnnotationSetRow.id)
        .group_by(ArticleRow.id, ArticleRow.external_id, ArticleRow.title, AnnotationSetRow.status)
        .order_by(ArticleRow.id)
    )


def _set_query(article_id: int, annotator: str) -> Select[tuple[AnnotationSetRow]]:
    return (
        select(AnnotationSetRow)
        .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
        .where(AnnotationSetRow.article_id == article_id, AnnotatorRow.name == annotator)
    )


def _summary(row: Any) -> ArticleSummary:
    article_id, external_id, title, status, span_count = row
    return ArticleSummary(
        id=article_id,
        external_id=external_id,
        title=title,
        status=Status(status or Status.TODO),
        span_count=span_count,
    )


def _article(row: ArticleRow) -> Article:
    return Article(
        id=row.id,
        external_id=row.external_id,
        title=row.title,
        text=row.text,
        text_sha256=row.text_sha256,
        source=row.source,
        url=row.url,
        published=row.published,
        language=row.language,
        meta=row.meta or {},
    )


_ORIGINS = {origin.value: origin for origin in Origin}
_SPAN_COLUMNS = (
    SpanRow.id,
    SpanRow.start,
    SpanRow.end,
    SpanRow.label,
    SpanRow.text,
    SpanRow.attrs,
    SpanRow.origin,
    # SQLAlchemy's SQLite date parsing costs more than the rest of a span; the driver's value
    # is parsed by ``_aware`` instead (a string on SQLite, a datetime elsewhere).
    type_coerce(SpanRow.created_at, String).label("created_at"),
    type_coerce(SpanRow.updated_at, String).label("updated_at"),
)
_RELATION_COLUMNS = (
    RelationRow.id,
    RelationRow.head_id,
    RelationRow.child_id,
    RelationRow.label,
    RelationRow.origin,
)


def _span(row: Any) -> Span:
    """A span from an ORM row or a row of ``_SPAN_COLUMNS`` (rows are trusted: no validation)."""
    return Span.trusted(
        row.id,
        row.start,
        row.end,
        row.label,
        row.text,
        row.attrs or {},
        _ORIGINS[row.origin],
        _aware(row.created_at),
        _aware(row.updated_at),
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """Stored times are UTC; SQLite hands them back naive, or as text when read raw."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _relation(row: Any) -> Relation:
    return Relation.model_construct(
        id=row.id,
        head=row.head_id,
        child=row.child_id,
        label=row.label,
        origin=Origin(row.origin),
    )


def _relation_row(relation: Relation, set_id: int) -> RelationRow:
    return RelationRow(
        id=relation.id,
        set_id=set_id,
        head_id=relation.head,
        child_id=relation.child,
        label=relation.label,
        origin=relation.origin.value,
    )


__all__ = ["DatabaseError", "Store", "StoreError", "default_database_url"]

"""The store facade: the only way the CLI and the GUI read or write the database.

Every public method is one short transaction and returns pydantic models from
``annotator.core.models``, never ORM objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    Table,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    table,
    type_coerce,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType

from annotator.core.exchange import ImportedDocument
from annotator.core.memory import collector_paused
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
    new_id,
    trusted_model,
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


AnySelect = Select[*tuple[Any, ...]]  # a SELECT of any columns


def _database_error(error: SQLAlchemyError) -> DatabaseError:
    """The one error the store's callers handle, naming the driver's own error if any."""
    return DatabaseError(f"database error: {getattr(error, 'orig', None) or error}")


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
            raise _database_error(error) from error

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A Core connection for a read of plain rows: cheaper than a session, for the reads
        an article's opening waits for."""
        try:
            with self._engine.connect() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise _database_error(error) from error

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
        with self._reading() as connection:
            row = connection.execute(
                select(*_ARTICLE_COLUMNS).where(ArticleRow.id == article_id)
            ).one_or_none()
            if row is None:
                raise StoreError(f"no article with id {article_id}")
            return _trusted_article(row)

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

    def open_article(
        self, article_id: int, annotator: str, *, whole_up_to: int = 0, head: int = 0
    ) -> OpenedArticle:
        """The article and this annotator's annotations on it, read on one connection: all of
        them if the text has at most ``whole_up_to`` code points, else only the spans that
        start before ``head``, which is what a window needs to show the beginning of a long
        article (it reads the rest as it shows it, see ``spans`` and ``annotations``)."""
        with self._reading() as connection:
            row = connection.execute(
                _OPEN_ARTICLE, {"article_id": article_id, "annotator": annotator}
            ).one_or_none()
            if row is None:
                raise StoreError(f"no article with id {article_id}")
            article = _trusted_article(row)
            if len(article.text) <= whole_up_to:
                annotations = self._read_annotations(connection, article_id, annotator, 0)
                return OpenedArticle(article, annotations, None)
            spans = self._spans_starting(connection, article_id, annotator, 0, head) if head else []
            status = row[-1]
            return OpenedArticle(
                article,
                Annotations.model_construct(
                    article_id=article_id,
                    annotator=annotator,
                    status=Status(status) if status else Status.TODO,
                    spans=tuple(spans),
                    relations=(),
                ),
                head,
            )

    def spans(
        self, article_id: int, annotator: str, starts_from: int, starts_before: int
    ) -> list[Span]:
        """This annotator's spans on the article that start in ``[starts_from, starts_before)``,
        sorted by offsets: a long article is read piece by piece, in text order."""
        with self._reading() as connection:
            return self._spans_starting(
                connection, article_id, annotator, starts_from, starts_before
            )

    @staticmethod
    def _spans_starting(
        connection: Connection,
        article_id: int,
        annotator: str,
        starts_from: int,
        starts_before: int,
    ) -> list[Span]:
        parameters = {
            "article_id": article_id,
            "annotator": annotator,
            "starts_from": starts_from,
            "starts_before": starts_before,
        }
        rows = connection.execute(_SPANS_STARTING, parameters)
        return [_span_of_columns(*row) for row in rows]

    def annotations(self, article_id: int, annotator: str, *, starts_from: int = 0) -> Annotations:
        """This annotator's status, spans (sorted by offsets) and relations on one article;
        with ``starts_from``, only the spans that start there or later."""
        with self._reading() as connection:
            return self._read_annotations(connection, article_id, annotator, starts_from)

    @staticmethod
    def _read_annotations(
        connection: Connection, article_id: int, annotator: str, starts_from: int
    ) -> Annotations:
        found = connection.execute(
            _SET_OF, {"article_id": article_id, "annotator": annotator}
        ).one_or_none()
        if found is None:
            return Annotations(article_id=article_id, annotator=annotator)
        set_id, status = found
        # Plain column rows, not ORM entities: an article can hold tens of thousands of spans.
        spans = connection.execute(_SET_SPANS_FROM, {"set_id": set_id, "starts_from": starts_from})
        relations = connection.execute(_SET_RELATIONS, {"set_id": set_id})
        with collector_paused():
            return Annotations.model_construct(
                article_id=article_id,
                annotator=annotator,
                status=Status(status),
                spans=tuple(_span_of_columns(*row) for row in spans),
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
            # One round trip finds the article's text at the span and the annotator's set.
            found = session.execute(
                select(
                    func.substr(ArticleRow.text, span.start + 1, span.end - span.start),
                    AnnotationSetRow.id,
                    AnnotationSetRow.status,
                )
                .select_from(ArticleRow)
                .outerjoin(AnnotationSetRow, _own_set(annotator))
                .where(ArticleRow.id == article_id)
            ).one_or_none()
            if found is None:
                raise StoreError(f"no article with id {article_id}")
            stored_text, set_id, status = found
            if stored_text != span.text:
                raise StoreError(
                    f"span [{span.start}, {span.end}) text {span.text!r} does not match the "
                    f"article text {stored_text!r}"
                )
            if set_id is None:
                set_row = self._ensure_set(session, article_id, annotator)
                set_id, status = set_row.id, set_row.status
            if status == Status.TODO:
                session.execute(
                    update(AnnotationSetRow)
                    .where(AnnotationSetRow.id == set_id)
                    .values(status=Status.IN_PROGRESS.value, updated_at=utcnow())
                )
            now = utcnow()
            values = {
                "id": span.id,
                "set_id": set_id,
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "text": span.text,
                "attrs": dict(span.attrs),
                "origin": span.origin.value,
                "created_at": span.created_at or now,
                "updated_at": now,
            }
            # A Core insert: this runs on every keystroke that tags, and the unit of work
            # costs more than the insert itself.
            session.execute(insert(SpanRow), [values])
            for relation in relations:
                session.add(_relation_row(relation, set_id))
            return Span.trusted(
                span.id,
                span.start,
                span.end,
                span.label,
                span.text,
                values["attrs"],
                span.origin,
                values["created_at"],
                now,
            )

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

    def iter_export(
        self,
        *,
        annotator: str | None = None,
        status: Status | None = None,
        labels: Iterable[str] | None = None,
        article_ids: Iterable[str] | None = None,
    ) -> Iterator[AnnotatedArticle]:
        """Stream every (article, annotator) pair with at least one span, in constant memory.

        Three ordered streams of plain rows (sets, spans, relations) are merged by annotation
        set, so memory holds one article at a time whatever the size of the database. The rows
        were checked when they were stored, so the models are built without validation.

        ``labels`` keeps only the spans with those labels, the relations whose two spans are
        both kept, and the pairs left with a span; ``article_ids`` (external ids) keeps only
        those articles. The streams run on one connection at once, so SQLite reads them all in
        one transaction: one state of the database.
        """
        wanted = None if labels is None else sorted(set(labels))
        conditions = _export_conditions(annotator, status, wanted, article_ids)
        sets = _chosen_sets(conditions, *_EXPORT_SET_COLUMNS).order_by(AnnotationSetRow.id)
        # By set and start only, which the (set, start) index gives without sorting; each
        # set's few spans are put in (start, end, id) order in Python.
        spans = select(SpanRow.set_id, *_EXPORT_SPAN_COLUMNS).order_by(
            SpanRow.set_id, SpanRow.start
        )
        relations = select(RelationRow.set_id, *_RELATION_COLUMNS).order_by(
            RelationRow.set_id, RelationRow.id
        )
        if len(conditions) > 1:  # otherwise every set with a span is chosen
            chosen_ids = _chosen_sets(conditions, AnnotationSetRow.id)
            spans = spans.where(SpanRow.set_id.in_(chosen_ids))
            relations = relations.where(RelationRow.set_id.in_(chosen_ids))
        if wanted is not None:
            spans = spans.where(SpanRow.label.in_(wanted))
        try:
            build_spans = _exported_spans
            with self._engine.connect() as connection:
                span_rows = _Grouped(_streamed(connection, spans, 2000))
                relation_rows = _Grouped(_streamed(connection, relations, 2000))
                for row in _streamed(connection, sets, 200):
                    item_spans = build_spans(span_rows.take(row.set_id))
                    item_relations = [_relation(link) for link in relation_rows.take(row.set_id)]
                    if wanted is not None:
                        kept = {span.id for span in item_spans}
                        item_relations = [
                            r for r in item_relations if r.head in kept and r.child in kept
                        ]
                    annotations = trusted_model(
                        Annotations,
                        {
                            "article_id": row.article_id,
                            "annotator": row.name,
                            "status": _STATUSES[row.status],
                            "spans": item_spans,
                            "relations": tuple(item_relations),
                        },
                    )
                    yield trusted_model(
                        AnnotatedArticle,
                        {"article": _trusted_article(row), "annotations": annotations},
                    )
        except SQLAlchemyError as error:
            raise _database_error(error) from error

    # The window and earlier callers know the export stream by this name.
    iter_annotated = iter_export

    def export_count(
        self,
        *,
        annotator: str | None = None,
        status: Status | None = None,
        labels: Iterable[str] | None = None,
        article_ids: Iterable[str] | None = None,
    ) -> int:
        """How many items :meth:`iter_export` yields with the same filters."""
        wanted = None if labels is None else sorted(set(labels))
        conditions = _export_conditions(annotator, status, wanted, article_ids)
        with self._transaction() as session:
            count = session.scalar(_chosen_sets(conditions, func.count(AnnotationSetRow.id)))
            return count or 0

    def stats(self) -> Stats:
        """Counts of articles, spans by label, and work by annotator and status."""
        with self._transaction() as session:
            articles = session.scalar(select(func.count(ArticleRow.id))) or 0
            labels = dict(
                session.execute(
                    select(SpanRow.label, func.count())
                    .group_by(SpanRow.label)
                    .order_by(func.count().desc(), SpanRow.label)
                ).all()
            )
            statuses: dict[str, Counter[str]] = {
                name: Counter() for name in session.scalars(select(AnnotatorRow.name))
            }
            for name, set_status, count in session.execute(
                select(AnnotatorRow.name, AnnotationSetRow.status, func.count())
                .join(AnnotationSetRow, AnnotationSetRow.annotator_id == AnnotatorRow.id)
                .group_by(AnnotatorRow.name, AnnotationSetRow.status)
            ):
                statuses[name][set_status] += count
            spans = self._count_by_annotator(session, SpanRow.__table__)
            relations = self._count_by_annotator(session, RelationRow.__table__)
        annotators = {}
        for name in sorted(statuses):
            counts = statuses[name]
            counts[Status.TODO] += articles - counts.total()  # no set yet: nothing done
            annotators[name] = AnnotatorStats(
                statuses={state.value: counts[state.value] for state in Status},
                spans=spans.get(name, 0),
                relations=relations.get(name, 0),
            )
        return Stats(
            articles=articles,
            spans=sum(labels.values()),
            relations=sum(relations.values()),
            labels=labels,
            annotators=annotators,
        )

    @staticmethod
    def _count_by_annotator(session: Session, rows: Any) -> dict[str, int]:
        return dict(
            session.execute(
                select(AnnotatorRow.name, func.count())
                .select_from(rows)
                .join(AnnotationSetRow, AnnotationSetRow.id == rows.c.set_id)
                .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
                .group_by(AnnotatorRow.name)
            ).all()
        )

    # ------------------------------------------------------------- bulk import

    def import_documents(
        self,
        documents: Iterable[ImportedDocument],
        default_annotator: str | None,
        progress: Callable[[int], None] | None = None,
    ) -> DocumentImportReport:
        """Store annotated documents (one file's worth) in one transaction.

        An article is matched by external id, else by text; a new one is added. The same
        external id with a different text is refused: an article's text never changes. Each
        document's spans and relations join its annotator's set on the article (created as
        needed; the document's status, when it has one, replaces the set's). A span whose id the
        set already has, or with the same offsets and label as one it has, is already present
        and not added again, so importing a file twice adds nothing; a span id used by another
        set gets a new id. Relations likewise (by id, or by their spans and label).

        ``default_annotator`` names the annotator of documents that name none. ``progress`` is
        called with the number of documents stored so far. If ``documents`` raises, or a
        document is refused, nothing from this call is committed.
        """
        report = DocumentImportReport()
        try:
            with self._engine.begin() as connection, collector_paused():
                bulk = _BulkImport(connection, default_annotator, report)
                batch: list[ImportedDocument] = []
                for document in documents:
                    batch.append(document)
                    if len(batch) >= _DOCUMENT_BATCH:
                        bulk.store(batch)
                        batch.clear()
                        if progress is not None:
                            progress(report.documents)
                if batch:
                    bulk.store(batch)
                if progress is not None:
                    progress(report.documents)
        except SQLAlchemyError as error:
            raise _database_error(error) from error
        return report


class OpenedArticle(NamedTuple):
    """What :meth:`Store.open_article` reads."""

    article: Article
    annotations: Annotations  # every span and relation, or only the spans before ``loaded_until``
    loaded_until: int | None  # None when ``annotations`` is complete


@dataclass
class DocumentImportReport:
    """What :meth:`Store.import_documents` added and what it found already present."""

    documents: int = 0
    articles_added: int = 0
    articles_present: int = 0
    spans_added: int = 0
    spans_present: int = 0
    relations_added: int = 0
    relations_present: int = 0

    def __str__(self) -> str:
        return (
            f"{self.documents} documents; articles: {self.articles_added} added, "
            f"{self.articles_present} already present; spans: {self.spans_added} added, "
            f"{self.spans_present} already present; relations: {self.relations_added} added, "
            f"{self.relations_present} already present"
        )


@dataclass(frozen=True)
class AnnotatorStats:
    statuses: dict[str, int]  # articles per status; articles never opened count as todo
    spans: int
    relations: int


@dataclass(frozen=True)
class Stats:
    articles: int
    spans: int
    relations: int
    labels: dict[str, int]  # spans per label, most frequent first
    annotators: dict[str, AnnotatorStats] = field(default_factory=dict)


_DOCUMENT_BATCH = 200
_IN_CHUNK = 500  # values per IN (...) list, well below every database's parameter limit
_SPAN_TABLE: Table = SpanRow.__table__  # type: ignore[assignment]
_ARTICLE_TABLE: Table = ArticleRow.__table__  # type: ignore[assignment]
_SET_TABLE: Table = AnnotationSetRow.__table__  # type: ignore[assignment]
_STATUSES = {status.value: status for status in Status}


def _export_conditions(
    annotator: str | None,
    status: Status | None,
    labels: list[str] | None,
    article_ids: Iterable[str] | None,
) -> list[ColumnElement[bool]]:
    """Which annotation sets an export takes, over sets joined with annotators and articles;
    the first condition (the set has a span, with one of ``labels`` if given) is always
    there."""
    any_span = _SPAN_TABLE.alias("any_span")
    has_span = select(any_span.c.id).where(any_span.c.set_id == AnnotationSetRow.id)
    if labels is not None:
        has_span = has_span.where(any_span.c.label.in_(labels))
    conditions: list[ColumnElement[bool]] = [has_span.exists()]
    if annotator is not None:
        conditions.append(AnnotatorRow.name == annotator)
    if status is not None:
        conditions.append(AnnotationSetRow.status == status.value)
    if article_ids is not None:
        conditions.append(ArticleRow.external_id.in_(sorted(set(article_ids))))
    return conditions


def _chosen_sets(conditions: list[ColumnElement[bool]], *columns: Any) -> AnySelect:
    """``columns`` of the annotation sets (joined with annotators and articles) that meet
    ``conditions``."""
    return (
        select(*columns)
        .select_from(AnnotationSetRow)
        .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
        .join(ArticleRow, ArticleRow.id == AnnotationSetRow.article_id)
        .where(*conditions)
    )


def _streamed(connection: Connection, query: AnySelect, size: int) -> Iterator[Any]:
    """The rows of ``query``, fetched from the database ``size`` at a time (by partitions:
    row by row, the result's own bookkeeping costs more than the rows)."""
    for partition in connection.execute(query.execution_options(yield_per=size)).partitions():
        yield from partition


def _bulk_table(rows: Table, *ready: str) -> TableClause:
    """``rows`` for executemany inserts in which the ``ready`` columns take values already in
    the database's form (see ``_db_value``), skipping their per-row conversion."""
    return table(
        rows.name,
        *(column(c.name, NullType() if c.name in ready else c.type) for c in rows.columns),
    )


class _RowInserter:
    """executemany of plain tuples straight through the driver, for the bulk import's hottest
    insert: SQLAlchemy's per-row parameter handling costs more than SQLite's insert itself.

    The statement is compiled by SQLAlchemy for the connection's dialect, so its placeholder
    style is the driver's. Values must be in the database's form: ``converter`` gives the
    dialect's conversion for a column whose type converts values (JSON), and ``_db_value``
    converts a single value.
    """

    def __init__(self, connection: Connection, target: Table, columns: Sequence[str]) -> None:
        compiled = insert(target).compile(dialect=connection.dialect, column_keys=list(columns))
        self._connection = connection
        self._target = target
        self._sql = str(compiled)
        self._columns = tuple(columns)
        self._positional = compiled.positional
        order = tuple(compiled.positiontup or ())
        self._order = None if order == self._columns else [self._columns.index(n) for n in order]

    def converter(self, name: str) -> Callable[[Any], Any]:
        dialect = self._connection.dialect
        convert = self._target.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        return convert if convert is not None else _unchanged

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows``: tuples of values in column order, in the database's form."""
        parameters: list[Any] = rows
        if not self._positional:
            parameters = [dict(zip(self._columns, row, strict=True)) for row in rows]
        elif self._order is not None:
            order = self._order
            parameters = [tuple([row[i] for i in order]) for row in rows]
        self._connection.exec_driver_sql(self._sql, parameters)


def _unchanged(value: Any) -> Any:
    return value


class _IdLookup:
    """Runs a query with one expanding list parameter, ``ids``, straight through the driver,
    compiled once per list length: rendering hundreds of placeholders on every call costs
    SQLAlchemy more than the lookup costs the database."""

    def __init__(self, connection: Connection, query: AnySelect) -> None:
        self._connection = connection
        self._query = query
        self._compiled: dict[int, tuple[str, list[str], list[int] | None, bool]] = {}

    def rows(self, ids: Sequence[Any]) -> Sequence[Any]:
        """The rows found for ``ids``."""
        compiled = self._compiled.get(len(ids))
        if compiled is None:
            compiled = self._compiled[len(ids)] = self._compile(len(ids))
        sql, names, order, positional = compiled
        values: Sequence[Any] | dict[str, Any]
        if order is None:  # positional, in the order of ``ids``
            values = tuple(ids)
        elif positional:
            values = tuple([ids[i] for i in order])
        else:
            values = {name: ids[i] for name, i in zip(names, order, strict=True)}
        return self._connection.exec_driver_sql(sql, values).all()

    def scalars(self, ids: Sequence[Any]) -> list[Any]:
        """The first column of the rows found for ``ids``."""
        return [row[0] for row in self.rows(ids)]

    def _compile(self, length: int) -> tuple[str, list[str], list[int] | None, bool]:
        # Each placeholder gets its position in ``ids`` as a stand-in value, which tells
        # which value goes where.
        compiled = self._query.compile(dialect=self._connection.dialect)
        state = compiled.construct_expanded_state({"ids": list(range(length))})
        stand_ins = state.parameters
        names = list(state.positiontup or stand_ins)
        order = [stand_ins[name] for name in names]
        in_order = compiled.positional and order == list(range(length))
        return state.statement, names, None if in_order else order, compiled.positional


def _db_value(target: Column[Any], value: Any, connection: Connection) -> Any:
    """``value`` converted as ``target``'s type converts it for this database."""
    convert = target.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return convert(value) if convert is not None else value


# Built once: a list given to ``in_`` is turned into one parameter per value at every call.
_IDS: BindParameter[list[Any]] = bindparam("ids", expanding=True)
_SPAN_IDS = select(SpanRow.id).where(SpanRow.id.in_(_IDS))
_RELATION_IDS = select(RelationRow.id).where(RelationRow.id.in_(_IDS))
_ARTICLE_IDS = select(ArticleRow.id, ArticleRow.external_id).where(ArticleRow.external_id.in_(_IDS))
_SET_IDS = select(
    AnnotationSetRow.id, AnnotationSetRow.article_id, AnnotationSetRow.annotator_id
).where(AnnotationSetRow.article_id.in_(_IDS))
# The order of the values in the bulk import's rows.
_ARTICLE_INSERT_COLUMNS = (
    "external_id",
    "title",
    "source",
    "url",
    "published",
    "language",
    "text",
    "text_sha256",
    "meta",
    "created_at",
)
_SET_INSERT_COLUMNS = ("article_id", "annotator_id", "status", "updated_at")
_SPAN_INSERT_COLUMNS = (
    "id",
    "set_id",
    "start",
    "end",
    "label",
    "text",
    "attrs",
    "origin",
    "created_at",
    "updated_at",
)
_BULK_RELATIONS = _bulk_table(RelationRow.__table__, "created_at")  # type: ignore[arg-type]


class _ArticleRef:
    """A stored article, or one this import adds (its id is known once it is inserted)."""

    __slots__ = ("added", "id", "sha256")

    def __init__(self, article_id: int | None, sha256: str) -> None:
        self.id = article_id
        self.sha256 = sha256
        self.added = article_id is None


class _SetContents:
    """The spans and relations one annotation set holds, for recognising those present."""

    __slots__ = ("relation_ids", "relations", "span_ids", "spans")

    def __init__(self) -> None:
        self.span_ids: set[str] = set()
        self.spans: dict[tuple[int, int, str], str] = {}
        self.relation_ids: set[str] = set()
        self.relations: set[tuple[str, str, str]] = set()


class _BulkImport:
    """One file's import on one connection: resolves articles, annotators and sets per batch
    of documents, then inserts the batch's rows with executemany."""

    def __init__(
        self, connection: Connection, default_annotator: str | None, report: DocumentImportReport
    ) -> None:
        self.connection = connection
        self.default_annotator = default_annotator
        self.report = report
        self.now = utcnow()
        self.stamp = _db_value(_SPAN_TABLE.c.created_at, self.now, connection)
        self.span_rows = _RowInserter(connection, _SPAN_TABLE, _SPAN_INSERT_COLUMNS)
        self.stored_attrs = self.span_rows.converter("attrs")
        self.no_attrs = self.stored_attrs({})  # most spans have none: converted once
        self.article_rows = _RowInserter(connection, _ARTICLE_TABLE, _ARTICLE_INSERT_COLUMNS)
        self.stored_meta = self.article_rows.converter("meta")
        self.article_ids = _IdLookup(connection, _ARTICLE_IDS)
        self.set_rows = _RowInserter(connection, _SET_TABLE, _SET_INSERT_COLUMNS)
        self.set_ids = _IdLookup(connection, _SET_IDS)
        self.span_ids = _IdLookup(connection, _SPAN_IDS)
        self.relation_ids = _IdLookup(connection, _RELATION_IDS)
        self.annotators: dict[str, int] = dict(
            connection.execute(select(AnnotatorRow.name, AnnotatorRow.id)).all()
        )
        self.by_external_id: dict[str, _ArticleRef] = {}
        self.by_sha256: dict[str, _ArticleRef] = {}
        self.present_articles: set[int] = set()  # stored before, and in the file
        self.sets: dict[tuple[int, int], int] = {}  # (article id, annotator id) -> set id
        self.statuses: dict[int, str] = {}  # set id -> its status
        self.sets_read: set[int] = set()  # stored articles whose sets are in ``sets``
        self.created_sets: set[int] = set()
        # Ids of the spans and relations this import adds to sets that existed before it: only
        # those stored before count as present by content, so that two equal spans in a file
        # are both imported, as they were both exported.
        self.added: set[str] = set()

    def store(self, documents: Sequence[ImportedDocument]) -> None:
        articles = self._articles(documents)
        set_ids, created = self._sets(documents, articles)
        contents = self._contents(set_ids, created)
        self._annotations(documents, set_ids, contents)
        self.report.documents += len(documents)

    # Articles

    def _articles(self, documents: Sequence[ImportedDocument]) -> list[_ArticleRef]:
        digests = [text_sha256(document.article.text) for document in documents]
        self._look_up_articles(documents, digests)
        refs: list[_ArticleRef] = []
        new: list[tuple[Any, ...]] = []
        for document, digest in zip(documents, digests, strict=True):
            article = document.article
            ref = self.by_external_id.get(article.external_id)
            if ref is not None and ref.sha256 != digest:
                raise StoreError(
                    f"{document.where}: article {article.external_id!r} is already stored with "
                    "a different text; an article's text never changes, so its annotations "
                    "cannot be imported onto another text"
                )
            ref = ref or self.by_sha256.get(digest)
            if ref is None:
                ref = _ArticleRef(None, digest)
                new.append(
                    (
                        article.external_id,
                        article.title,
                        article.source,
                        article.url,
                        article.published,
                        article.language,
                        article.text,
                        digest,
                        self.stored_meta(article.meta),
                        self.stamp,
                    )
                )
                self.by_external_id[article.external_id] = ref
                self.by_sha256[digest] = ref
            elif not ref.added and ref.id not in self.present_articles:
                assert ref.id is not None  # stored before this import
                self.present_articles.add(ref.id)
                self.report.articles_present += 1
            refs.append(ref)
        if new:
            # Plain executemany, then the ids by key: far cheaper on SQLite than RETURNING in
            # parameter order, which runs one statement per row.
            self.article_rows.insert(new)
            for article_id, external_id in self.article_ids.rows([row[0] for row in new]):
                self.by_external_id[external_id].id = article_id
            self.report.articles_added += len(new)
        return refs

    def _look_up_articles(self, documents: Sequence[ImportedDocument], digests: list[str]) -> None:
        """Load the stored articles these documents may refer to, by id and by text."""
        external_ids = {d.article.external_id for d in documents} - self.by_external_id.keys()
        for chunk in _chunks(sorted(external_ids)):
            for article_id, external_id, digest in self.connection.execute(
                select(ArticleRow.id, ArticleRow.external_id, ArticleRow.text_sha256).where(
                    ArticleRow.external_id.in_(chunk)
                )
            ):
                self.by_external_id[external_id] = _ArticleRef(article_id, digest)
        unknown = set(digests) - self.by_sha256.keys()
        for chunk in _chunks(sorted(unknown)):
            for article_id, digest in self.connection.execute(
                select(ArticleRow.id, ArticleRow.text_sha256).where(
                    ArticleRow.text_sha256.in_(chunk)
                )
            ):
                self.by_sha256.setdefault(digest, _ArticleRef(article_id, digest))

    # Annotators and annotation sets

    def _annotator_id(self, document: ImportedDocument) -> int:
        name = document.annotator or self.default_annotator
        if not name:
            raise StoreError(
                f"{document.where}: the document names no annotator and no default annotator "
                "was given"
            )
        annotator_id = self.annotators.get(name)
        if annotator_id is None:
            annotator_id = self.connection.execute(
                insert(AnnotatorRow).values(name=name).returning(AnnotatorRow.id)
            ).scalar_one()
            self.annotators[name] = annotator_id
        return annotator_id

    def _sets(
        self, documents: Sequence[ImportedDocument], articles: list[_ArticleRef]
    ) -> tuple[list[int], set[int]]:
        """The annotation set of each document, and those of them created now (where missing).
        Statuses are updated."""
        keys: list[tuple[int, int]] = []
        for document, ref in zip(documents, articles, strict=True):
            assert ref.id is not None  # inserted by ``_articles``
            keys.append((ref.id, self._annotator_id(document)))
        unread = sorted({key[0] for key in keys} & (self.present_articles - self.sets_read))
        self.sets_read.update(unread)
        for chunk in _chunks(unread):
            for set_id, article_id, annotator_id, set_status in self.connection.execute(
                select(
                    AnnotationSetRow.id,
                    AnnotationSetRow.article_id,
                    AnnotationSetRow.annotator_id,
                    AnnotationSetRow.status,
                ).where(AnnotationSetRow.article_id.in_(chunk))
            ):
                self.sets[article_id, annotator_id] = set_id
                self.statuses[set_id] = set_status
        new: dict[tuple[int, int], dict[str, Any]] = {}
        changed: dict[int, str] = {}
        for document, key in zip(documents, keys, strict=True):
            found = self.sets.get(key)
            if found is None:
                row = new.setdefault(
                    key,
                    {
                        "article_id": key[0],
                        "annotator_id": key[1],
                        "status": None,
                        "updated_at": self.now,
                    },
                )
                row["status"] = _next_status(row["status"], document)
            else:
                status = _next_status(self.statuses[found], document)
                if status != self.statuses[found]:
                    self.statuses[found] = changed[found] = status
        if changed:
            self.connection.execute(
                update(AnnotationSetRow)
                .where(AnnotationSetRow.id == bindparam("set_id"))
                .values(status=bindparam("new_status"), updated_at=self.now),
                [{"set_id": key, "new_status": value} for key, value in changed.items()],
            )
        if new:
            self.set_rows.insert(
                [(key[0], key[1], row["status"], self.stamp) for key, row in new.items()]
            )
            for set_id, article_id, annotator_id in self.set_ids.rows(
                sorted({article_id for article_id, _ in new})
            ):
                if (added := new.get((article_id, annotator_id))) is not None:
                    self.sets[article_id, annotator_id] = set_id
                    self.statuses[set_id] = added["status"]
        created = {self.sets[key] for key in new}
        self.created_sets |= created
        return [self.sets[key] for key in keys], created

    # Spans and relations

    def _contents(self, set_ids: list[int], created: set[int]) -> dict[int, _SetContents]:
        """What the batch's sets already hold (those ``created`` now hold nothing): every span
        and relation id, and by content the spans and relations stored before this import."""
        contents = {set_id: _SetContents() for set_id in set_ids}
        stored = sorted(contents.keys() - created)
        for chunk in _chunks(stored):
            for span_id, set_id, start, end, label in self.connection.execute(
                select(SpanRow.id, SpanRow.set_id, SpanRow.start, SpanRow.end, SpanRow.label).where(
                    SpanRow.set_id.in_(chunk)
                )
            ):
                held = contents[set_id]
                held.span_ids.add(span_id)
                if set_id not in self.created_sets and span_id not in self.added:
                    held.spans.setdefault((start, end, label), span_id)
            for relation_id, set_id, head, child, label in self.connection.execute(
                select(
                    RelationRow.id,
                    RelationRow.set_id,
                    RelationRow.head_id,
                    RelationRow.child_id,
                    RelationRow.label,
                ).where(RelationRow.set_id.in_(chunk))
            ):
                held = contents[set_id]
                held.relation_ids.add(relation_id)
                if set_id not in self.created_sets and relation_id not in self.added:
                    held.relations.add((head, child, label))
        return contents

    def _annotations(
        self,
        documents: Sequence[ImportedDocument],
        set_ids: list[int],
        contents: dict[int, _SetContents],
    ) -> None:
        taken_spans = self._taken(
            self.span_ids, (span.id for document in documents for span in document.spans)
        )
        taken_relations = self._taken(
            self.relation_ids,
            (relation.id for document in documents for relation in document.relations),
        )
        spans: list[tuple[Any, ...]] = []
        relations: list[dict[str, Any]] = []
        report = self.report
        stamp, stored_attrs, no_attrs = self.stamp, self.stored_attrs, self.no_attrs
        for document, set_id in zip(documents, set_ids, strict=True):
            held = contents[set_id]
            earlier = set_id not in self.created_sets  # it held annotations before this import
            stored_as: dict[str, str] = {}  # the document's span id -> the stored span's id
            for span in document.spans:
                found = span.id if span.id in held.span_ids else None
                found = found or held.spans.get((span.start, span.end, span.label))
                if found is not None:
                    stored_as[span.id] = found
                    report.spans_present += 1
                    continue
                span_id = new_id() if span.id in taken_spans else span.id
                taken_spans.add(span_id)
                held.span_ids.add(span_id)
                if earlier:
                    self.added.add(span_id)
                stored_as[span.id] = span_id
                spans.append(
                    (
                        span_id,
                        set_id,
                        span.start,
                        span.end,
                        span.label,
                        span.text,
                        stored_attrs(span.attrs) if span.attrs else no_attrs,
                        span.origin.value,
                        stamp,
                        stamp,
                    )
                )
            for relation in document.relations:
                if relation.origin == Origin.DERIVED:  # follows from the others; never stored
                    continue
                head, child = stored_as.get(relation.head), stored_as.get(relation.child)
                if head is None or child is None:
                    raise StoreError(
                        f"{document.where}: relation {relation.id} links span "
                        f"{relation.child if head else relation.head}, which the document "
                        "does not have"
                    )
                if relation.id in held.relation_ids or (head, child, relation.label) in (
                    held.relations
                ):
                    report.relations_present += 1
                    continue
                relation_id = new_id() if relation.id in taken_relations else relation.id
                taken_relations.add(relation_id)
                held.relation_ids.add(relation_id)
                if earlier:
                    self.added.add(relation_id)
                relations.append(
                    {
                        "id": relation_id,
                        "set_id": set_id,
                        "head_id": head,
                        "child_id": child,
                        "label": relation.label,
                        "origin": relation.origin.value,
                        "created_at": self.stamp,
                    }
                )
        if spans:
            self.span_rows.insert(spans)
            report.spans_added += len(spans)
        if relations:
            self.connection.execute(insert(_BULK_RELATIONS), relations)
            report.relations_added += len(relations)

    def _taken(self, lookup: _IdLookup, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` that ``lookup`` finds in its table (in any set)."""
        taken: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            taken.update(lookup.scalars(chunk))
        return taken


def _next_status(current: str | None, document: ImportedDocument) -> str:
    """A set's status once ``document`` is imported into it: the document's own, else work on
    an untouched set puts it in progress, as the first span drawn in the window does."""
    if document.status is not None:
        return document.status.value
    if document.spans and current in (None, Status.TODO):
        return Status.IN_PROGRESS.value
    return current or Status.TODO.value


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


class _Grouped:
    """Walks rows ordered by their first column, the set id, handing out one set's rows at a
    time."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._groups = groupby(rows, key=itemgetter(0))
        self._next: tuple[int, Iterator[Any]] | None = next(self._groups, None)

    def take(self, set_id: int) -> list[Any]:
        while self._next is not None and self._next[0] < set_id:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != set_id:
            return []
        taken = list(self._next[1])
        self._next = next(self._groups, None)
        return taken


def _own_set(annotator: str) -> Any:
    """Join condition: the annotation set of ``annotator`` on the article being selected."""
    return and_(
        AnnotationSetRow.article_id == ArticleRow.id,
        AnnotationSetRow.annotator_id
        == select(AnnotatorRow.id).where(AnnotatorRow.name == annotator).scalar_subquery(),
    )


def _summary_query(annotator: str) -> AnySelect:
    own_set = _own_set(annotator)
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


def _set_query(article_id: int, annotator: str) -> Select[AnnotationSetRow]:
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


_ARTICLE_COLUMNS = (
    ArticleRow.id.label("article_id"),
    ArticleRow.external_id,
    ArticleRow.title,
    ArticleRow.text,
    ArticleRow.text_sha256,
    ArticleRow.source,
    ArticleRow.url,
    ArticleRow.published,
    ArticleRow.language,
    ArticleRow.meta,
)


def _trusted_article(row: Any) -> Article:
    """An article from a row holding ``_ARTICLE_COLUMNS``, validated when it was imported:
    not validated again (a long text is otherwise scanned once more on every open)."""
    return trusted_model(
        Article,
        {
            "id": row.article_id,
            "external_id": row.external_id,
            "title": row.title,
            "text": row.text,
            "text_sha256": row.text_sha256,
            "source": row.source,
            "url": row.url,
            "published": row.published,
            "language": row.language,
            "meta": row.meta or {},
        },
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
# Statements built once (with bound parameters): opening an article runs them every time.
_OPEN_ARTICLE = (
    select(*_ARTICLE_COLUMNS, AnnotationSetRow.status)
    .select_from(ArticleRow)
    .outerjoin(
        AnnotationSetRow,
        and_(
            AnnotationSetRow.article_id == ArticleRow.id,
            AnnotationSetRow.annotator_id
            == select(AnnotatorRow.id)
            .where(AnnotatorRow.name == bindparam("annotator"))
            .scalar_subquery(),
        ),
    )
    .where(ArticleRow.id == bindparam("article_id"))
)
_SET_OF = (
    select(AnnotationSetRow.id, AnnotationSetRow.status)
    .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
    .where(
        AnnotationSetRow.article_id == bindparam("article_id"),
        AnnotatorRow.name == bindparam("annotator"),
    )
)
_SET_SPANS_FROM = (
    select(*_SPAN_COLUMNS)
    .where(SpanRow.set_id == bindparam("set_id"), SpanRow.start >= bindparam("starts_from"))
    .order_by(SpanRow.start, SpanRow.end, SpanRow.id)
)
_SPANS_STARTING = (
    select(*_SPAN_COLUMNS)
    .join(AnnotationSetRow, AnnotationSetRow.id == SpanRow.set_id)
    .join(AnnotatorRow, AnnotatorRow.id == AnnotationSetRow.annotator_id)
    .where(
        AnnotationSetRow.article_id == bindparam("article_id"),
        AnnotatorRow.name == bindparam("annotator"),
        SpanRow.start >= bindparam("starts_from"),
        SpanRow.start < bindparam("starts_before"),
    )
    .order_by(SpanRow.start, SpanRow.end, SpanRow.id)
)
# As ``_SPAN_COLUMNS``, with the JSON column read as text: ``_attrs`` parses it for less.
_EXPORT_SPAN_COLUMNS = (
    SpanRow.id,
    SpanRow.start,
    SpanRow.end,
    SpanRow.label,
    SpanRow.text,
    type_coerce(SpanRow.attrs, String).label("attrs"),
    SpanRow.origin,
)
_RELATION_COLUMNS = (
    RelationRow.id,
    RelationRow.head_id,
    RelationRow.child_id,
    RelationRow.label,
    RelationRow.origin,
)
_SET_RELATIONS = select(*_RELATION_COLUMNS).where(RelationRow.set_id == bindparam("set_id"))


_EXPORT_SET_COLUMNS = (
    AnnotationSetRow.id.label("set_id"),
    AnnotationSetRow.status,
    AnnotatorRow.name,
    *_ARTICLE_COLUMNS,
)


def _exported_spans(rows: list[Any]) -> tuple[Span, ...]:
    """Spans from rows of ``set_id, *_EXPORT_SPAN_COLUMNS``, the hottest loop of an export.

    No export format carries the spans' times, so they are not read.
    """
    trusted, origins, parsed = Span.trusted, _ORIGINS, _attrs
    return tuple(
        [
            trusted(
                span_id,
                start,
                end,
                label,
                text,
                {} if attrs == "{}" else parsed(attrs),
                origins[origin],
            )
            for _, span_id, start, end, label, text, attrs, origin in sorted(
                rows, key=_EXPORT_ORDER
            )
        ]
    )


_EXPORT_ORDER = itemgetter(2, 3, 1)  # start, end, id of a row of ``set_id, *_EXPORT_...``


def _attrs(value: str | dict[str, Any] | None) -> dict[str, Any]:
    """Attributes as read raw: JSON text on SQLite, or parsed already by drivers that know
    JSON."""
    if isinstance(value, str):
        return orjson.loads(value)
    return value or {}


def _span_of_columns(
    id: str,
    start: int,
    end: int,
    label: str,
    text: str,
    attrs: dict[str, Any] | None,
    origin: str,
    created_at: str | datetime | None,
    updated_at: str | datetime | None,
) -> Span:
    """``_span`` for a row of ``_SPAN_COLUMNS`` taken apart, which is faster than reading
    a row's fields by name."""
    return Span.trusted(
        id,
        start,
        end,
        label,
        text,
        attrs or {},
        _ORIGINS[origin],
        _aware(created_at),
        _aware(updated_at),
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
        # Parsing with the offset is several times faster than ``replace(tzinfo=...)`` after.
        return datetime.fromisoformat(value if value[-6] in "+-" else value + "+00:00")
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _relation(row: Any) -> Relation:
    return Relation.model_construct(
        id=row.id,
        head=row.head_id,
        child=row.child_id,
        label=row.label,
        origin=_ORIGINS[row.origin],
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

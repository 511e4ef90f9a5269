"""The store facade: the only way the CLI and the GUI read or write the database.

Every public method is one short transaction and returns pydantic models from
``annotator.core.models``, never ORM objects. Reads and bulk imports and exports go through
SQLAlchemy Core on the tables of ``tables.py``; interactive edits go through the ORM
(``edits.py``), which is imported at the first edit, so that a command that never edits never
pays the time importing it takes.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

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
    func,
    insert,
    select,
    table,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import NullType

from annotator.core.exchange import AnyDocument
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
    trusted_span,
)
from annotator.core.text import text_sha256
from annotator.storage import shared_rows, tables
from annotator.storage.database import (
    BUSY_TIMEOUT_MS,
    DatabaseBusy,
    DatabaseError,
    create_db_engine,
    default_database_url,
    is_busy,
    migrate,
    sqlite_files,
)
from annotator.storage.errors import StoreError
from annotator.storage.rows import (
    ORIGINS,
    article_of_columns,
    json_object,
    own_set,
    relation_of_columns,
    span_of_columns,
)
from annotator.storage.tables import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from annotator.storage.edits import Edits

_IMPORT_BATCH = 500

# The tables' columns, by table: ``_SPAN.start`` is the start column of the spans table.
_ARTICLE = tables.articles.c
_ANNOTATOR = tables.annotators.c
_SET = tables.annotation_sets.c
_SPAN = tables.spans.c
_RELATION = tables.relations.c
_SUGGESTION = tables.suggestions.c
_REJECTION = tables.rejections.c


AnySelect = Select[*tuple[Any, ...]]  # a SELECT of any columns


def _wait_for_locks(connection: Connection, milliseconds: int) -> None:
    """Have a write on this SQLite connection wait that long for a lock held elsewhere. Set
    only when it changes: each pooled connection remembers its setting."""
    if connection.dialect.name == "sqlite" and connection.info.get("busy_ms") != milliseconds:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(milliseconds)}")
        connection.info["busy_ms"] = milliseconds


def _database_error(error: SQLAlchemyError) -> DatabaseError:
    """The one error the store's callers handle, naming the driver's own error if any;
    ``DatabaseBusy`` when another connection held the lock."""
    driver_error = getattr(error, "orig", None)
    kind = DatabaseBusy if is_busy(driver_error) else DatabaseError
    return kind(f"database error: {driver_error or error}")


class Store:
    """Typed access to articles and annotations in one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions: sessionmaker[Session] | None = None
        self._driver = _DriverReads()
        self._edit_wait_ms: int | None = None

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

    def prepare_edits(self) -> None:
        """Import what edits need ahead of the first one, off the thread that will wait for it
        (a window does this while it loads)."""
        if self._sessions is None:
            from sqlalchemy.orm import sessionmaker

            self._sessions = sessionmaker(self._engine, expire_on_commit=False)
            from annotator.storage import edits  # noqa: F401  (imported for its cost)

    def wait_for_edits(self, milliseconds: int | None) -> None:
        """How long an edit waits for a lock another connection holds before it raises
        ``DatabaseBusy`` (SQLite; ``None``: as long as any write). A window keeps this short,
        so that it does not freeze while another program writes."""
        self._edit_wait_ms = milliseconds

    @contextmanager
    def _editing(self) -> Iterator[Edits]:
        """One interactive edit: an ORM session in a transaction of its own."""
        self.prepare_edits()
        assert self._sessions is not None
        from annotator.storage.edits import Edits

        try:
            with self._sessions.begin() as session:
                _wait_for_locks(session.connection(), self._edit_wait_ms or BUSY_TIMEOUT_MS)
                yield Edits(session)
        except SQLAlchemyError as error:
            raise _database_error(error) from error

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A Core connection in a transaction, for a bulk write."""
        try:
            with self._engine.begin() as connection:
                _wait_for_locks(connection, BUSY_TIMEOUT_MS)
                yield connection
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
        with self._writing() as connection:
            known_ids = set(connection.scalars(select(_ARTICLE.external_id)))
            known_hashes = set(connection.scalars(select(_ARTICLE.text_sha256)))
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
                    connection.execute(insert(tables.articles), batch)
                    added += len(batch)
                    batch.clear()
            if batch:
                connection.execute(insert(tables.articles), batch)
                added += len(batch)
        return ImportReport(added=added, duplicates=duplicates)

    def article_count(self) -> int:
        with self._reading() as connection:
            return connection.scalar(select(func.count(_ARTICLE.id))) or 0

    def get_article(self, article_id: int) -> Article:
        with self._reading() as connection:
            row: Any = connection.execute(
                select(*_ARTICLE_COLUMNS).where(_ARTICLE.id == article_id)
            ).one_or_none()
            if row is None:
                raise StoreError(f"no article with id {article_id}")
            return article_of_columns(*row)

    def find_article(self, external_id: str) -> int | None:
        """The internal id of the article with this external id, if any."""
        with self._reading() as connection:
            return connection.scalar(select(_ARTICLE.id).where(_ARTICLE.external_id == external_id))

    def annotator_names(self) -> list[str]:
        """Every annotator's name, sorted."""
        with self._reading() as connection:
            return list(connection.scalars(select(_ANNOTATOR.name).order_by(_ANNOTATOR.name)))

    def check_filters(
        self,
        annotator: str | None = None,
        labels: Iterable[str] | None = None,
        article_ids: Iterable[str] | None = None,
    ) -> None:
        """Refuse (``StoreError``) export filters that name an annotator, a label or an
        article the database does not hold: the export would be empty for no reason the user
        sees (a typo, another spelling)."""
        unknown = [name for name in article_ids or () if self.find_article(name) is None]
        if unknown:
            raise StoreError(f"no article with id {', '.join(map(repr, unknown))} in the database")
        if annotator is not None and annotator not in (known := self.annotator_names()):
            listed = f"the annotators are {', '.join(map(repr, known))}" if known else "it has none"
            raise StoreError(f"no annotator named {annotator!r} in the database; {listed}")
        if labels is None:
            return
        with self._reading() as connection:
            stored = set(connection.scalars(select(_SPAN.label).distinct()))
        if missing := [label for label in labels if label not in stored]:
            listed = ", ".join(map(repr, sorted(stored))) or "none"
            raise StoreError(
                f"no span has the label {', '.join(map(repr, missing))}; the labels are {listed}"
            )

    def list_articles(self, annotator: str) -> list[ArticleSummary]:
        """Every article with this annotator's status and span count, in import order."""
        with self._reading() as connection:
            return [_summary(row) for row in connection.execute(_summary_query(annotator))]

    def article_summary(self, article_id: int, annotator: str) -> ArticleSummary:
        with self._reading() as connection:
            row = connection.execute(
                _summary_query(annotator).where(_ARTICLE.id == article_id)
            ).one_or_none()
            if row is None:
                raise StoreError(f"no article with id {article_id}")
            return _summary(row)

    def progress(self, annotator: str) -> Progress:
        with self._reading() as connection:
            total = connection.scalar(select(func.count(_ARTICLE.id))) or 0
            done = connection.scalar(
                select(func.count(_SET.id))
                .join(tables.annotators, _ANNOTATOR.id == _SET.annotator_id)
                .where(_ANNOTATOR.name == annotator, _SET.status == Status.DONE)
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
            rows = self._driver.rows(
                connection, _OPEN_ARTICLE, {"article_id": article_id, "annotator": annotator}
            )
            if not rows:
                raise StoreError(f"no article with id {article_id}")
            *columns, set_id, status = rows[0]
            article = article_of_columns(*columns)
            if len(article.text) <= whole_up_to:
                annotations = (
                    Annotations(article_id=article_id, annotator=annotator)
                    if set_id is None
                    else self._read_set(connection, article_id, annotator, set_id, status, 0)
                )
                return OpenedArticle(article, annotations, None)
            spans = self._spans_starting(connection, article_id, annotator, 0, head) if head else []
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

    def _spans_starting(
        self,
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
        return [
            span_of_columns(*row)
            for row in self._driver.rows(connection, _SPANS_STARTING, parameters)
        ]

    def annotations(self, article_id: int, annotator: str, *, starts_from: int = 0) -> Annotations:
        """This annotator's status, spans (sorted by offsets) and relations on one article;
        with ``starts_from``, only the spans that start there or later."""
        with self._reading() as connection:
            return self._read_annotations(connection, article_id, annotator, starts_from)

    def _read_annotations(
        self, connection: Connection, article_id: int, annotator: str, starts_from: int
    ) -> Annotations:
        parameters = {"article_id": article_id, "annotator": annotator}
        found = self._driver.rows(connection, _SET_OF, parameters)
        if not found:
            return Annotations(article_id=article_id, annotator=annotator)
        set_id, status = found[0]
        return self._read_set(connection, article_id, annotator, set_id, status, starts_from)

    def _read_set(
        self,
        connection: Connection,
        article_id: int,
        annotator: str,
        set_id: int,
        status: str,
        starts_from: int,
    ) -> Annotations:
        """The status, the spans starting at ``starts_from`` or later and the relations of
        annotation set ``set_id``."""
        read = self._driver.rows
        spans = read(connection, _SET_SPANS_FROM, {"set_id": set_id, "starts_from": starts_from})
        relations = read(connection, _SET_RELATIONS, {"set_id": set_id})
        with collector_paused():
            return Annotations.model_construct(
                article_id=article_id,
                annotator=annotator,
                status=Status(status),
                spans=tuple([span_of_columns(*row) for row in spans]),
                relations=tuple([relation_of_columns(*row) for row in relations]),
            )

    def add_span(
        self,
        article_id: int,
        annotator: str,
        span: Span,
        relations: Iterable[Relation] = (),
    ) -> Span:
        """Save a span (keeping its id, and its times where it has them) and, for an undone
        delete, its relations."""
        with self._editing() as edits:
            return edits.add_span(article_id, annotator, span, relations)

    def delete_span(self, span_id: str) -> tuple[Span, tuple[Relation, ...]]:
        """Remove a span and every relation that involves it; returns what was removed."""
        with self._editing() as edits:
            return edits.delete_span(span_id)

    def update_span(
        self,
        span_id: str,
        *,
        label: str | None = None,
        attrs: dict[str, Any] | None = None,
        updated_at: datetime | None = None,
    ) -> Span:
        """Change a span's label and/or attributes, at ``updated_at`` (by default now)."""
        with self._editing() as edits:
            return edits.update_span(span_id, label=label, attrs=attrs, updated_at=updated_at)

    def add_relation(self, article_id: int, annotator: str, relation: Relation) -> Relation:
        with self._editing() as edits:
            return edits.add_relation(article_id, annotator, relation)

    def delete_relation(self, relation_id: str) -> Relation:
        with self._editing() as edits:
            return edits.delete_relation(relation_id)

    # -------------------------------------------------------------- suggestions

    def add_suggestions(self, article_id: int, suggestions: Iterable[Suggestion]) -> int:
        """Store pre-annotations for an article; ones already stored are skipped."""
        with self._editing() as edits:
            return edits.add_suggestions(article_id, suggestions)

    def suggestions(self, article_id: int) -> list[Suggestion]:
        with self._reading() as connection:
            rows = connection.scalars(
                select(_SUGGESTION.payload)
                .where(_SUGGESTION.article_id == article_id)
                .order_by(_SUGGESTION.created_at, _SUGGESTION.id)
            )
            return [Suggestion.model_validate(payload) for payload in rows]

    def rejected(self, article_id: int, annotator: str) -> set[str]:
        """Ids of the suggestions this annotator rejected on this article."""
        with self._reading() as connection:
            return set(
                connection.scalars(
                    select(_REJECTION.suggestion_id)
                    .join(tables.annotation_sets, _SET.id == _REJECTION.set_id)
                    .join(tables.annotators, _ANNOTATOR.id == _SET.annotator_id)
                    .where(
                        _SET.article_id == article_id,
                        _ANNOTATOR.name == annotator,
                    )
                )
            )

    def set_rejected(
        self, article_id: int, annotator: str, suggestion_id: str, rejected: bool
    ) -> None:
        with self._editing() as edits:
            edits.set_rejected(article_id, annotator, suggestion_id, rejected)

    def labelled_strings(self, labels: Iterable[str], max_length: int = 80) -> dict[str, str]:
        """Every distinct span text with one of ``labels`` in the project, with its most
        frequent label: the project gazetteer."""
        with self._reading() as connection:
            rows = connection.execute(
                select(_SPAN.text, _SPAN.label, func.count())
                .where(_SPAN.label.in_(list(labels)), func.length(_SPAN.text) <= max_length)
                .group_by(_SPAN.text, _SPAN.label)
                .order_by(func.count().desc(), _SPAN.label)
            )
            known: dict[str, str] = {}
            for text, label, _count in rows:
                known.setdefault(text, label)
            return known

    def set_status(self, article_id: int, annotator: str, status: Status) -> None:
        with self._editing() as edits:
            edits.set_status(article_id, annotator, status)

    # ------------------------------------------------------------------- export

    def check_output(self, *targets: str | Path) -> None:
        """Refuse (``StoreError``) to let an export write ``targets`` if one is a file of the
        database, under any name, or a folder holding one (an export replaces a folder whole):
        writing it would destroy the database."""
        with self._reading() as connection:
            files = sqlite_files(connection)
        for target in targets:
            for file in files:
                if _same_file(Path(target), file):
                    raise StoreError(
                        f"cannot write {target}: it is a file of the database ({file}); "
                        "choose another output"
                    )
                if Path(os.path.realpath(file)).is_relative_to(os.path.realpath(target)):
                    raise StoreError(
                        f"cannot write {target}: it holds the database ({file}); "
                        "choose another output"
                    )

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
        sets = _chosen_sets(conditions, *_EXPORT_SET_COLUMNS).order_by(_SET.id)
        # By set and start only, which the (set, start) index gives without sorting; each
        # set's few spans are put in (start, end, id) order in Python.
        spans = select(_SPAN.set_id, *_EXPORT_SPAN_COLUMNS).order_by(_SPAN.set_id, _SPAN.start)
        relations = select(_RELATION.set_id, *_RELATION_COLUMNS).order_by(
            _RELATION.set_id, _RELATION.id
        )
        if len(conditions) > 1:  # otherwise every set with a span is chosen
            chosen_ids = _chosen_sets(conditions, _SET.id)
            spans = spans.where(_SPAN.set_id.in_(chosen_ids))
            relations = relations.where(_RELATION.set_id.in_(chosen_ids))
        if wanted is not None:
            spans = spans.where(_SPAN.label.in_(wanted))
        try:
            build_spans = _exported_spans
            with self._engine.connect() as connection:
                span_rows = _Grouped(_driver_streamed(connection, spans, 2000))
                relation_rows = _Grouped(_driver_streamed(connection, relations, 2000))
                for row in _streamed(connection, sets, 200):
                    item_spans = build_spans(span_rows.take(row.set_id))
                    item_relations = [
                        relation_of_columns(*link[1:]) for link in relation_rows.take(row.set_id)
                    ]
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
                        {"article": article_of_columns(*row[3:]), "annotations": annotations},
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
        with self._reading() as connection:
            count = connection.scalar(_chosen_sets(conditions, func.count(_SET.id)))
            return count or 0

    def stats(self) -> Stats:
        """Counts of articles, spans by label, and work by annotator and status."""
        with self._reading() as connection:
            articles = connection.scalar(select(func.count(_ARTICLE.id))) or 0
            labels: dict[str, int] = dict(
                connection.execute(
                    select(_SPAN.label, func.count())
                    .group_by(_SPAN.label)
                    .order_by(func.count().desc(), _SPAN.label)
                ).all()
            )
            statuses: dict[str, Counter[str]] = {
                name: Counter() for name in connection.scalars(select(_ANNOTATOR.name))
            }
            for name, set_status, count in connection.execute(
                select(_ANNOTATOR.name, _SET.status, func.count())
                .join(tables.annotation_sets, _SET.annotator_id == _ANNOTATOR.id)
                .group_by(_ANNOTATOR.name, _SET.status)
            ):
                statuses[name][set_status] += count
            spans = self._count_by_annotator(connection, tables.spans)
            relations = self._count_by_annotator(connection, tables.relations)
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
    def _count_by_annotator(connection: Connection, rows: Any) -> dict[str, int]:
        return dict(
            connection.execute(
                select(_ANNOTATOR.name, func.count())
                .select_from(rows)
                .join(tables.annotation_sets, _SET.id == rows.c.set_id)
                .join(tables.annotators, _ANNOTATOR.id == _SET.annotator_id)
                .group_by(_ANNOTATOR.name)
            ).all()
        )

    # ------------------------------------------------------------- bulk import

    def import_documents(
        self,
        documents: Iterable[AnyDocument],
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
                _wait_for_locks(connection, BUSY_TIMEOUT_MS)
                bulk = _BulkImport(connection, default_annotator, report)
                batch: list[AnyDocument] = []
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
                report.changed = bulk.changed()
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
    # (article id, annotator) of each annotation set the import created or gave spans,
    # relations or a status: what a window showing that set must read again.
    changed: set[tuple[int, str]] = field(default_factory=set, compare=False, repr=False)

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
_SPAN_TABLE: Table = tables.spans  # type: ignore[assignment]
_ARTICLE_TABLE: Table = tables.articles  # type: ignore[assignment]
_SET_TABLE: Table = tables.annotation_sets  # type: ignore[assignment]
_STATUSES = {status.value: status for status in Status}
_ORIGIN_VALUES = {origin: origin.value for origin in Origin}  # cheaper than ``.value``


def _same_file(path: Path, other: Path) -> bool:
    """Whether the two paths name one file: the same once links are followed (so also for a
    file not there yet), or the same file on disk (a hard link, another mount)."""
    if os.path.realpath(path) == os.path.realpath(other):
        return True
    try:
        return os.path.samefile(path, other)
    except OSError:  # one of them does not exist
        return False


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
    has_span = select(any_span.c.id).where(any_span.c.set_id == _SET.id)
    if labels is not None:
        has_span = has_span.where(any_span.c.label.in_(labels))
    conditions: list[ColumnElement[bool]] = [has_span.exists()]
    if annotator is not None:
        conditions.append(_ANNOTATOR.name == annotator)
    if status is not None:
        conditions.append(_SET.status == status.value)
    if article_ids is not None:
        conditions.append(_ARTICLE.external_id.in_(sorted(set(article_ids))))
    return conditions


def _chosen_sets(conditions: list[ColumnElement[bool]], *columns: Any) -> AnySelect:
    """``columns`` of the annotation sets (joined with annotators and articles) that meet
    ``conditions``."""
    return (
        select(*columns)
        .select_from(tables.annotation_sets)
        .join(tables.annotators, _ANNOTATOR.id == _SET.annotator_id)
        .join(tables.articles, _ARTICLE.id == _SET.article_id)
        .where(*conditions)
    )


def _streamed(connection: Connection, query: AnySelect, size: int) -> Iterator[Any]:
    """The rows of ``query``, fetched from the database ``size`` at a time (by partitions:
    row by row, the result's own bookkeeping costs more than the rows)."""
    for partition in connection.execute(query.execution_options(yield_per=size)).partitions():
        yield from partition


def _driver_streamed(connection: Connection, query: AnySelect, size: int) -> Iterator[Any]:
    """The rows of ``query`` as the driver gives them, fetched ``size`` at a time: for the
    hundreds of thousands of span rows of an export, whose columns need no type processing
    (see ``_EXPORT_SPAN_COLUMNS``), SQLAlchemy's result handling costs a fifth of the export."""
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    parameters = compiled.params
    values = (
        tuple(parameters[name] for name in compiled.positiontup or ())
        if compiled.positional
        else parameters
    )
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled), values)
        while rows := cursor.fetchmany(size):
            yield from rows
    except connection.dialect.loaded_dbapi.Error as error:
        raise DatabaseError(f"database error: {error}") from error
    finally:
        cursor.close()


def _bulk_table(rows: Table, *ready: str) -> TableClause:
    """``rows`` for executemany inserts in which the ``ready`` columns take values already in
    the database's form (see ``_db_value``), skipping their per-row conversion."""
    return table(
        rows.name,
        *(column(c.name, NullType() if c.name in ready else c.type) for c in rows.columns),
    )


class _DriverReads:
    """SELECTs run straight on the driver's cursor, each compiled once for the store's dialect.

    For the reads an article's opening waits for: with the CPU caches cold after drawing a
    long text, SQLAlchemy's work per execution (and per row) costs about as much again as the
    query. Rows come as the driver gives them, without type processing: JSON as text on SQLite,
    times as text (the row readers take either form).
    """

    def __init__(self) -> None:
        # By statement: keys keep their statements alive, so no other can take their place.
        self._compiled: dict[AnySelect, tuple[str, tuple[str, ...] | None]] = {}

    def rows(
        self, connection: Connection, statement: AnySelect, parameters: dict[str, Any]
    ) -> Sequence[Any]:
        compiled = self._compiled.get(statement)  # statements built once, at import
        if compiled is None:
            done = statement.compile(dialect=connection.dialect)
            order = tuple(done.positiontup or ()) if done.positional else None
            compiled = self._compiled[statement] = (str(done), order)
        sql, order = compiled
        values = parameters if order is None else tuple([parameters[name] for name in order])
        try:
            cursor = connection.connection.cursor()
            try:
                cursor.execute(sql, values)
                return cursor.fetchall()
            finally:
                cursor.close()
        except connection.dialect.loaded_dbapi.Error as error:
            raise DatabaseError(f"database error: {error}") from error


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
_SPAN_IDS = select(_SPAN.id).where(_SPAN.id.in_(_IDS))
_RELATION_IDS = select(_RELATION.id).where(_RELATION.id.in_(_IDS))
_ARTICLE_IDS = select(_ARTICLE.id, _ARTICLE.external_id).where(_ARTICLE.external_id.in_(_IDS))
_ARTICLES_BY_ID = select(_ARTICLE.id, _ARTICLE.external_id, _ARTICLE.text_sha256).where(
    _ARTICLE.external_id.in_(_IDS)
)
_ARTICLES_BY_TEXT = select(_ARTICLE.id, _ARTICLE.text_sha256).where(_ARTICLE.text_sha256.in_(_IDS))
_SET_IDS = select(_SET.id, _SET.article_id, _SET.annotator_id).where(_SET.article_id.in_(_IDS))
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
_BULK_RELATIONS = _bulk_table(tables.relations, "created_at")  # type: ignore[arg-type]


class _ArticleRef:
    """A stored article, or one this import adds (its id is known once it is inserted)."""

    __slots__ = ("added", "id", "sha256")

    def __init__(self, article_id: int | None, sha256: str) -> None:
        self.id = article_id
        self.sha256 = sha256
        self.added = article_id is None


_SpanKey = tuple[int, int, str]  # start, end, label
_RelationKey = tuple[str, str, str]  # head id, child id, label


class _SetContents:
    """The spans and relations one annotation set holds, for recognising those present: each
    by its id with what it is, and by what it is those stored before this import."""

    __slots__ = ("relation_ids", "relations", "span_ids", "spans")

    def __init__(self) -> None:
        self.span_ids: dict[str, _SpanKey] = {}
        self.spans: dict[_SpanKey, str] = {}
        self.relation_ids: dict[str, _RelationKey] = {}
        self.relations: set[_RelationKey] = set()


_CLASH = uuid.UUID("5b0f4d7e-53a4-4c0e-9a57-2f6d1c3e8b90")  # namespace of ids given on a clash


def _clash_id(set_id: int, given: str, key: tuple[Any, ...]) -> str:
    """The id an annotation gets when the id it brings is taken: derived from its set, that id
    and what it is, so that importing the same annotation again finds it under this id."""
    return uuid.uuid5(_CLASH, "\x1f".join(map(str, (set_id, given, *key)))).hex


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
        self.articles_by_id = _IdLookup(connection, _ARTICLES_BY_ID)
        self.articles_by_text = _IdLookup(connection, _ARTICLES_BY_TEXT)
        self.set_rows = _RowInserter(connection, _SET_TABLE, _SET_INSERT_COLUMNS)
        self.set_ids = _IdLookup(connection, _SET_IDS)
        self.span_ids = _IdLookup(connection, _SPAN_IDS)
        self.relation_ids = _IdLookup(connection, _RELATION_IDS)
        self.annotators: dict[str, int] = dict(
            connection.execute(select(_ANNOTATOR.name, _ANNOTATOR.id)).all()
        )
        # Into a database without articles, the only ones to match are those this import adds,
        # which it keeps below.
        self.no_stored_articles = connection.execute(select(_ARTICLE.id).limit(1)).first() is None
        self.by_external_id: dict[str, _ArticleRef] = {}
        self.by_sha256: dict[str, _ArticleRef] = {}
        self.present_articles: set[int] = set()  # stored before, and in the file
        self.sets: dict[tuple[int, int], int] = {}  # (article id, annotator id) -> set id
        self.statuses: dict[int, str] = {}  # set id -> its status
        self.sets_read: set[int] = set()  # stored articles whose sets are in ``sets``
        self.created_sets: set[int] = set()
        self.changed_sets: set[int] = set()  # created, or given annotations or a status
        # Ids of the spans and relations this import adds to sets that existed before it: only
        # those stored before count as present by content, so that two equal spans in a file
        # are both imported, as they were both exported.
        self.added: set[str] = set()
        # Whether a batch whose sets this import created is inserted with the ids it brings,
        # unchecked (see ``_insert_as_given``). Off after the first collision.
        self.ids_as_given = True

    def changed(self) -> set[tuple[int, str]]:
        """(article id, annotator) of the sets this import changed."""
        names = {annotator_id: name for name, annotator_id in self.annotators.items()}
        return {
            (article_id, names[annotator_id])
            for (article_id, annotator_id), set_id in self.sets.items()
            if set_id in self.changed_sets
        }

    def store(self, documents: Sequence[AnyDocument]) -> None:
        articles = self._articles(documents)
        set_ids, created = self._sets(documents, articles)
        contents = self._contents(set_ids, created)
        self._annotations(documents, set_ids, contents)
        self.report.documents += len(documents)

    # Articles

    def _articles(self, documents: Sequence[AnyDocument]) -> list[_ArticleRef]:
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
                        _as_json(self.stored_meta, article.meta, document, "meta"),
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

    def _look_up_articles(self, documents: Sequence[AnyDocument], digests: list[str]) -> None:
        """Load the stored articles these documents may refer to, by id and by text."""
        if self.no_stored_articles:
            return
        external_ids = {d.article.external_id for d in documents} - self.by_external_id.keys()
        for chunk in _chunks(sorted(external_ids)):
            for article_id, external_id, digest in self.articles_by_id.rows(chunk):
                self.by_external_id[external_id] = _ArticleRef(article_id, digest)
        unknown = set(digests) - self.by_sha256.keys()
        for chunk in _chunks(sorted(unknown)):
            for article_id, digest in self.articles_by_text.rows(chunk):
                self.by_sha256.setdefault(digest, _ArticleRef(article_id, digest))

    # Annotators and annotation sets

    def _annotator_id(self, document: AnyDocument) -> int:
        name = document.annotator or self.default_annotator
        if not name:
            raise StoreError(
                f"{document.where}: the document names no annotator and no default annotator "
                "was given"
            )
        found = self.annotators.get(name)
        if found is None:
            found = self.annotators[name] = shared_rows.annotator_id(self.connection, name)
        return found

    def _sets(
        self, documents: Sequence[AnyDocument], articles: list[_ArticleRef]
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
                    _SET.id,
                    _SET.article_id,
                    _SET.annotator_id,
                    _SET.status,
                ).where(_SET.article_id.in_(chunk))
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
                update(tables.annotation_sets)
                .where(_SET.id == bindparam("set_id"))
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
        self.changed_sets |= created | changed.keys()
        return [self.sets[key] for key in keys], created

    # Spans and relations

    def _contents(self, set_ids: list[int], created: set[int]) -> dict[int, _SetContents]:
        """What the batch's sets already hold (those ``created`` now hold nothing): every span
        and relation id, and by content the spans and relations stored before this import."""
        contents = {set_id: _SetContents() for set_id in set_ids}
        stored = sorted(contents.keys() - created)
        for chunk in _chunks(stored):
            for span_id, set_id, start, end, label in self.connection.execute(
                select(_SPAN.id, _SPAN.set_id, _SPAN.start, _SPAN.end, _SPAN.label).where(
                    _SPAN.set_id.in_(chunk)
                )
            ):
                held = contents[set_id]
                held.span_ids[span_id] = (start, end, label)
                if set_id not in self.created_sets and span_id not in self.added:
                    held.spans.setdefault((start, end, label), span_id)
            for relation_id, set_id, head, child, label in self.connection.execute(
                select(
                    _RELATION.id,
                    _RELATION.set_id,
                    _RELATION.head_id,
                    _RELATION.child_id,
                    _RELATION.label,
                ).where(_RELATION.set_id.in_(chunk))
            ):
                held = contents[set_id]
                held.relation_ids[relation_id] = (head, child, label)
                if set_id not in self.created_sets and relation_id not in self.added:
                    held.relations.add((head, child, label))
        return contents

    def _annotations(
        self,
        documents: Sequence[AnyDocument],
        set_ids: list[int],
        contents: dict[int, _SetContents],
    ) -> None:
        if (
            self.ids_as_given
            and self.created_sets.issuperset(set_ids)
            and self._insert_as_given(documents, set_ids)
        ):
            return
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
        origins = _ORIGIN_VALUES
        for document, set_id in zip(documents, set_ids, strict=True):
            held = contents[set_id]
            earlier = set_id not in self.created_sets  # it held annotations before this import
            stored_as: dict[str, str] = {}  # the document's span id -> the stored span's id
            held_ids = held.span_ids
            for span in document.spans:
                key = (span.start, span.end, span.label)
                span_id = _unclashed(span.id, key, held_ids, taken_spans, set_id)
                found = span_id if held_ids.get(span_id) == key else None
                if found is None and earlier:  # only a set stored before holds spans by content
                    found = held.spans.get(key)
                if found is not None:
                    stored_as[span.id] = found
                    report.spans_present += 1
                    continue
                taken_spans.add(span_id)
                held_ids[span_id] = key
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
                        (
                            _as_json(stored_attrs, span.attrs, document, f"span {span.id} attrs")
                            if span.attrs
                            else no_attrs
                        ),
                        origins[span.origin],
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
                link = (head, child, relation.label)
                relation_id = _unclashed(
                    relation.id, link, held.relation_ids, taken_relations, set_id
                )
                if held.relation_ids.get(relation_id) == link or link in held.relations:
                    report.relations_present += 1
                    continue
                taken_relations.add(relation_id)
                held.relation_ids[relation_id] = link
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
            self.changed_sets.update(row[1] for row in spans)
        if relations:
            self.connection.execute(insert(_BULK_RELATIONS), relations)
            report.relations_added += len(relations)
            self.changed_sets.update(row["set_id"] for row in relations)

    def _insert_as_given(self, documents: Sequence[AnyDocument], set_ids: list[int]) -> bool:
        """Insert the batch's spans and relations under the ids they bring, if no id is taken;
        returns whether they were inserted.

        For a batch whose sets this import created, only a taken id makes ``_annotations``
        differ: ids are all new in a fresh import, so rather than look each one up, the rows
        go in as they are and the database's primary keys catch a collision (with a stored
        row, or within the file). Then nothing of the batch stays, and from then on every
        batch takes the careful way. So does a batch with anything else the careful way may
        judge differently: a relation to a span the document lacks, or attributes that JSON
        cannot hold (on a span the set may already have).
        """
        spans: list[tuple[Any, ...]] = []
        relations: list[dict[str, Any]] = []
        stamp, stored_attrs, no_attrs = self.stamp, self.stored_attrs, self.no_attrs
        origins = _ORIGIN_VALUES
        for document, set_id in zip(documents, set_ids, strict=True):
            try:
                spans += [
                    (
                        span.id,
                        set_id,
                        span.start,
                        span.end,
                        span.label,
                        span.text,
                        stored_attrs(span.attrs) if span.attrs else no_attrs,
                        origins[span.origin],
                        stamp,
                        stamp,
                    )
                    for span in document.spans
                ]
            except TypeError:  # attributes JSON cannot hold: the careful way says where
                return False
            if not document.relations:
                continue
            span_ids = {span.id for span in document.spans}
            for relation in document.relations:
                if relation.origin == Origin.DERIVED:
                    continue
                if relation.head not in span_ids or relation.child not in span_ids:
                    return False  # the careful way says which span is missing
                relations.append(
                    {
                        "id": relation.id,
                        "set_id": set_id,
                        "head_id": relation.head,
                        "child_id": relation.child,
                        "label": relation.label,
                        "origin": relation.origin.value,
                        "created_at": stamp,
                    }
                )
        savepoint = self.connection.begin_nested()
        try:
            if spans:
                self.span_rows.insert(spans)
            if relations:
                self.connection.execute(insert(_BULK_RELATIONS), relations)
        except IntegrityError:
            savepoint.rollback()
            self.ids_as_given = False
            return False
        savepoint.commit()
        self.report.spans_added += len(spans)
        self.report.relations_added += len(relations)
        return True

    def _taken(self, lookup: _IdLookup, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` that ``lookup`` finds in its table (in any set)."""
        taken: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            taken.update(lookup.scalars(chunk))
        return taken


def _unclashed(
    given: str, key: tuple[Any, ...], held: dict[str, Any], taken: set[str], set_id: int
) -> str:
    """The id under which an annotation with id ``given`` that is ``key`` is, or is to be,
    stored in the set that ``held`` describes (by id, what each annotation is).

    Its own id if that is free, or held by the same annotation; else the id a clash gives it,
    the same at every import; should that too be taken by something else, a fresh one.
    """
    if given not in taken or held.get(given) == key:
        return given
    derived = _clash_id(set_id, given, key)
    return derived if derived not in taken or held.get(derived) == key else new_id()


def _as_json(
    convert: Callable[[Any], Any], value: Any, document: AnyDocument, what: str
) -> Any:
    """``value`` converted by the database's JSON conversion ``convert``; what JSON cannot
    hold (an integer beyond 64 bits, say) is refused naming the document."""
    try:
        return convert(value)
    except TypeError as error:
        raise StoreError(f"{document.where}: {what} cannot be stored as JSON: {error}") from None


def _next_status(current: str | None, document: AnyDocument) -> str:
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


def _summary_query(annotator: str) -> AnySelect:
    return (
        select(
            _ARTICLE.id,
            _ARTICLE.external_id,
            _ARTICLE.title,
            _SET.status,
            func.count(_SPAN.id),
        )
        .select_from(tables.articles)
        .outerjoin(tables.annotation_sets, own_set(annotator))
        .outerjoin(tables.spans, _SPAN.set_id == _SET.id)
        .group_by(_ARTICLE.id, _ARTICLE.external_id, _ARTICLE.title, _SET.status)
        .order_by(_ARTICLE.id)
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
    _ARTICLE.id.label("article_id"),
    _ARTICLE.external_id,
    _ARTICLE.title,
    _ARTICLE.text,
    _ARTICLE.text_sha256,
    _ARTICLE.source,
    _ARTICLE.url,
    _ARTICLE.published,
    _ARTICLE.language,
    _ARTICLE.meta,
)


_SPAN_COLUMNS = (
    _SPAN.id,
    _SPAN.start,
    _SPAN.end,
    _SPAN.label,
    _SPAN.text,
    _SPAN.attrs,
    _SPAN.origin,
    # SQLAlchemy's SQLite date parsing costs more than the rest of a span; the driver's value
    # is parsed by ``_aware`` instead (a string on SQLite, a datetime elsewhere).
    type_coerce(_SPAN.created_at, String).label("created_at"),
    type_coerce(_SPAN.updated_at, String).label("updated_at"),
)
# Statements built once (with bound parameters): opening an article runs them every time.
_OPEN_ARTICLE = (
    select(*_ARTICLE_COLUMNS, _SET.id, _SET.status)
    .select_from(tables.articles)
    .outerjoin(
        tables.annotation_sets,
        and_(
            _SET.article_id == _ARTICLE.id,
            _SET.annotator_id
            == select(_ANNOTATOR.id)
            .where(_ANNOTATOR.name == bindparam("annotator"))
            .scalar_subquery(),
        ),
    )
    .where(_ARTICLE.id == bindparam("article_id"))
)
_SET_OF = (
    select(_SET.id, _SET.status)
    .join(tables.annotators, _ANNOTATOR.id == _SET.annotator_id)
    .where(
        _SET.article_id == bindparam("article_id"),
        _ANNOTATOR.name == bindparam("annotator"),
    )
)
_SET_SPANS_FROM = (
    select(*_SPAN_COLUMNS)
    .where(_SPAN.set_id == bindparam("set_id"), _SPAN.start >= bindparam("starts_from"))
    .order_by(_SPAN.start, _SPAN.end, _SPAN.id)
)
_SPANS_STARTING = (
    select(*_SPAN_COLUMNS)
    .join(tables.annotation_sets, _SET.id == _SPAN.set_id)
    .join(tables.annotators, _ANNOTATOR.id == _SET.annotator_id)
    .where(
        _SET.article_id == bindparam("article_id"),
        _ANNOTATOR.name == bindparam("annotator"),
        _SPAN.start >= bindparam("starts_from"),
        _SPAN.start < bindparam("starts_before"),
    )
    .order_by(_SPAN.start, _SPAN.end, _SPAN.id)
)
# As ``_SPAN_COLUMNS``, with the JSON column read as text: ``json_object`` parses it for less.
_EXPORT_SPAN_COLUMNS = (
    _SPAN.id,
    _SPAN.start,
    _SPAN.end,
    _SPAN.label,
    _SPAN.text,
    type_coerce(_SPAN.attrs, String).label("attrs"),
    _SPAN.origin,
)
_RELATION_COLUMNS = (
    _RELATION.id,
    _RELATION.head_id,
    _RELATION.child_id,
    _RELATION.label,
    _RELATION.origin,
)
_SET_RELATIONS = select(*_RELATION_COLUMNS).where(_RELATION.set_id == bindparam("set_id"))


_EXPORT_SET_COLUMNS = (
    _SET.id.label("set_id"),
    _SET.status,
    _ANNOTATOR.name,
    *_ARTICLE_COLUMNS,
)


def _exported_spans(rows: list[Any]) -> tuple[Span, ...]:
    """Spans from rows of ``set_id, *_EXPORT_SPAN_COLUMNS``, the hottest loop of an export.

    No export format carries the spans' times, so they are not read.
    """
    origins, parsed = ORIGINS, json_object
    return tuple(
        [
            trusted_span(
                {
                    "id": span_id,
                    "start": start,
                    "end": end,
                    "label": label,
                    "text": text,
                    "attrs": {} if attrs == "{}" else parsed(attrs),
                    "origin": origins[origin],
                    "created_at": None,
                    "updated_at": None,
                }
            )
            for _, span_id, start, end, label, text, attrs, origin in sorted(
                rows, key=_EXPORT_ORDER
            )
        ]
    )


_EXPORT_ORDER = itemgetter(2, 3, 1)  # start, end, id of a row of ``set_id, *_EXPORT_...``


__all__ = ["DatabaseError", "Store", "StoreError", "default_database_url"]

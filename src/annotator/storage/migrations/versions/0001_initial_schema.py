"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:53:01.990214
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annotators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotators")),
        sa.UniqueConstraint("name", name=op.f("uq_annotators_name")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("external_id", name=op.f("uq_articles_external_id")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_articles_text_sha256"), ["text_sha256"], unique=False)

    op.create_table(
        "annotation_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["annotators.id"],
            name=op.f("fk_annotation_sets_annotator_id_annotators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_annotation_sets_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_sets")),
        sa.UniqueConstraint(
            "article_id", "annotator_id", name=op.f("uq_annotation_sets_article_id")
        ),
    )
    with op.batch_alter_table("annotation_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annotation_sets_annotator_id"), ["annotator_id"], unique=False
        )

    op.create_table(
        "spans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["annotation_sets.id"],
            name=op.f("fk_spans_set_id_annotation_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spans")),
    )
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.create_index("ix_spans_set_start", ["set_id", "start"], unique=False)

    op.create_table(
        "relations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("head_id", sa.String(length=36), nullable=False),
        sa.Column("child_id", sa.String(length=36), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["spans.id"], name=op.f("fk_relations_child_id_spans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["head_id"], ["spans.id"], name=op.f("fk_relations_head_id_spans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["annotation_sets.id"],
            name=op.f("fk_relations_set_id_annotation_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relations")),
    )
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relations_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relations_head_id"), ["head_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relations_set_id"), ["set_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relations_set_id"))
        batch_op.drop_index(batch_op.f("ix_relations_head_id"))
        batch_op.drop_index(batch_op.f("ix_relations_child_id"))

    op.drop_table("relations")
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.drop_index("ix_spans_set_start")

    op.drop_table("spans")
    with op.batch_alter_table("annotation_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_sets_annotator_id"))

    op.drop_table("annotation_sets")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_text_sha256"))

    op.drop_table("articles")
    op.drop_table("annotators")

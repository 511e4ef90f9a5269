"""suggestions, rejections and relation origin

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:05:44.786855
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_suggestions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "id", name=op.f("pk_suggestions")),
    )

    op.create_table(
        "rejections",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["annotation_sets.id"],
            name=op.f("fk_rejections_set_id_annotation_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("set_id", "suggestion_id", name=op.f("pk_rejections")),
    )
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), server_default="manual", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("relations", schema=None) as batch_op:
        batch_op.drop_column("origin")

    op.drop_table("rejections")
    op.drop_table("suggestions")

"""Teach-back questions: one row per question (chapter, id, place) and one per language (words, choices, why);
and the page a chapter's take-home code carries, where it is not the summary.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: As the models have it: JSONB on PostgreSQL (a clinic group's hub), plain JSON (text) in SQLite.
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("take_home", sa.String(length=80), nullable=False, server_default=""))
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.String(length=80), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("bundled_hash", sa.String(length=64), nullable=True),
        sa.Column("bundled_changed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chapter_id"], ["chapters.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chapter_id", "slug"),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checks_chapter_id"), ["chapter_id"], unique=False)
    op.create_table(
        "check_texts",
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("plain", sa.Text(), nullable=False),
        sa.Column("choices", JSON, nullable=False),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=200), nullable=False),
        sa.Column("bundled_hash", sa.String(length=64), nullable=True),
        sa.Column("bundled_changed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["check_id"], ["checks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("check_id", "lang"),
    )


def downgrade() -> None:
    op.drop_table("check_texts")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checks_chapter_id"))
    op.drop_table("checks")
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.drop_column("take_home")

"""A chapter's take-home text in each language: what its Take this home code carries, written for the phone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chapter_texts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("take_home_text", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("chapter_texts", schema=None) as batch_op:
        batch_op.drop_column("take_home_text")

"""Named staff accounts, review records for answers, drafts waiting for review, and who made each change.

The single staff PIN of earlier versions becomes an account called "Administrator" (admin and reviewer), lockout
included, so an upgraded kiosk opens with the same PIN as before.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_PIN, LEGACY_ATTEMPTS = "_pin", "_pin_attempts"
LEGACY_NAME = "Administrator"

settings = sa.table(
    "settings",
    sa.column("key", sa.String()),
    sa.column("value", sa.JSON()),
    sa.column("updated_at", sa.DateTime()),
)
accounts = sa.table(
    "staff_accounts",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("roles", sa.JSON()),
    sa.column("pin", sa.JSON()),
    sa.column("failures", sa.Integer()),
    sa.column("locked_until", sa.DateTime()),
    sa.column("created_at", sa.DateTime()),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _lockout(value: Any) -> tuple[int, dt.datetime | None]:
    """The stored lockout of the old single PIN; one that makes no sense counts as none."""
    if not isinstance(value, dict):
        return 0, None
    try:
        until = value.get("locked_until")
        return max(0, int(value.get("failures") or 0)), dt.datetime.fromisoformat(until) if until else None
    except (TypeError, ValueError):
        return 0, None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("pin", sa.JSON(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "reviews",
        sa.Column("item_kind", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("item_kind", "item_id"),
    )
    op.create_table(
        "drafts",
        sa.Column("item_kind", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("item_kind", "item_id", "lang"),
    )
    with op.batch_alter_table("changesets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author", sa.String(length=80), server_default="", nullable=False))
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))

    bind = op.get_bind()
    legacy = (LEGACY_PIN, LEGACY_ATTEMPTS)
    stored = {
        key: value
        for key, value in bind.execute(
            sa.select(settings.c.key, settings.c.value).where(settings.c.key.in_(legacy))
        )
    }
    if isinstance(stored.get(LEGACY_PIN), dict):
        failures, locked_until = _lockout(stored.get(LEGACY_ATTEMPTS))
        bind.execute(
            sa.insert(accounts).values(
                name=LEGACY_NAME,
                roles=["admin", "reviewer"],
                pin=stored[LEGACY_PIN],
                failures=failures,
                locked_until=locked_until,
                created_at=_now(),
            )
        )
    bind.execute(sa.delete(settings).where(settings.c.key.in_(legacy)))


def downgrade() -> None:
    bind = op.get_bind()
    first = bind.execute(sa.select(accounts.c.pin).order_by(accounts.c.id).limit(1)).first()
    if first is not None:
        bind.execute(sa.insert(settings).values(key=LEGACY_PIN, value=first[0], updated_at=_now()))
    with op.batch_alter_table("changesets", schema=None) as batch_op:
        batch_op.drop_column("detail")
        batch_op.drop_column("author")
    op.drop_table("drafts")
    op.drop_table("reviews")
    op.drop_table("staff_accounts")

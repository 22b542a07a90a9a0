"""The clinic group's hub: groups, signed releases, enrolled kiosks, their heartbeats and daily counts.

PostgreSQL only: a kiosk's SQLite file gains nothing. Row-level security lets a kiosk's own role read only its
group's releases and write only its own heartbeat and counts (`kiosk hub init` grants the tables to the role all
kiosks belong to; the hub's owner, the group office, is not bound by the policies).

The content tables need two things on PostgreSQL that SQLite does without: JSON columns become JSONB (plain JSON
has no equality, and `put_setting` compares values), and search gets a plain `search_fts` table with the columns
the FTS5 table has on a kiosk (the search service scores it whole on a hub).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The enrolled, unrevoked kiosk the connection's role belongs to, as a policy's subquery.
_OWN_KIOSK = "SELECT name FROM hub_kiosks WHERE role_name = current_user AND revoked_at IS NULL"
_OWN_GROUP = "SELECT group_name FROM hub_kiosks WHERE role_name = current_user AND revoked_at IS NULL"


def _json_columns(kind: str) -> list[tuple[str, str]]:
    """(table, column) of every content column of type `kind` ("json" or "jsonb") in the hub's schema."""
    rows = op.get_bind().execute(
        sa.text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = :kind ORDER BY table_name, column_name"
        ),
        {"kind": kind},
    )
    return [(str(table), str(column)) for table, column in rows if not str(table).startswith("hub_")]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _json_columns("json"):
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE jsonb USING "{column}"::jsonb')
    op.execute(
        "CREATE TABLE search_fts (id SERIAL PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, "
        "lang TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, extra TEXT NOT NULL)"
    )
    op.create_table(
        "hub_groups",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "hub_releases",
        sa.Column("group_name", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pack", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["group_name"], ["hub_groups.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_name", "number"),
    )
    op.create_table(
        "hub_kiosks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("group_name", sa.String(length=40), nullable=False),
        sa.Column("role_name", sa.String(length=63), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["group_name"], ["hub_groups.name"]),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("role_name"),
    )
    op.create_index(op.f("ix_hub_kiosks_group_name"), "hub_kiosks", ["group_name"], unique=False)
    op.create_table(
        "hub_heartbeats",
        sa.Column("kiosk", sa.String(length=40), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("release", sa.Integer(), nullable=False),
        sa.Column("last_sync", sa.DateTime(), nullable=True),
        sa.Column("free_disk_mb", sa.Integer(), nullable=True),
        sa.Column("uptime_s", sa.Integer(), nullable=True),
        sa.Column("restarts", sa.Integer(), nullable=True),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["kiosk"], ["hub_kiosks.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kiosk"),
    )
    op.create_table(
        "hub_usage",
        sa.Column("kiosk", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["kiosk"], ["hub_kiosks.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kiosk", "day", "event", "target"),
    )
    # When a kiosk was last heard from is the hub's clock, whatever the kiosk's says.
    op.execute(
        "CREATE FUNCTION hub_stamp_seen() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.seen_at := now() AT TIME ZONE 'UTC'; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER hub_heartbeat_seen BEFORE INSERT OR UPDATE ON hub_heartbeats "
        "FOR EACH ROW EXECUTE FUNCTION hub_stamp_seen()"
    )
    for table in ("hub_groups", "hub_releases", "hub_kiosks", "hub_heartbeats", "hub_usage"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY hub_kiosk_sees_itself ON hub_kiosks FOR SELECT USING (role_name = current_user)"
    )
    op.execute(
        f"CREATE POLICY hub_kiosk_reads_its_group ON hub_releases FOR SELECT USING (group_name IN ({_OWN_GROUP}))"
    )
    for table in ("hub_heartbeats", "hub_usage"):
        op.execute(
            f"CREATE POLICY hub_kiosk_writes_its_own ON {table} "
            f"USING (kiosk IN ({_OWN_KIOSK})) WITH CHECK (kiosk IN ({_OWN_KIOSK}))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("hub_usage")
    op.drop_table("hub_heartbeats")
    op.execute("DROP FUNCTION hub_stamp_seen()")
    op.drop_table("hub_releases")  # its policy reads hub_kiosks
    op.drop_index(op.f("ix_hub_kiosks_group_name"), table_name="hub_kiosks")
    op.drop_table("hub_kiosks")
    op.drop_table("hub_groups")
    op.execute("DROP TABLE search_fts")
    for table, column in _json_columns("jsonb"):
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE json USING "{column}"::json')

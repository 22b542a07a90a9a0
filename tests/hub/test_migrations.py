"""The migrations run on PostgreSQL as well as SQLite, since a PostgreSQL hub uses the same models (staff
accounts, review records and history included), on the hub tests' throwaway server."""

from __future__ import annotations

from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from kiosk.db.lite import SCHEMA_HEAD
from kiosk.db.store import _alembic_config


def upgrade(engine: Engine, to: str) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, to)


def test_the_migrations_run_on_postgresql_and_carry_the_old_pin_over(hub_url: str) -> None:
    engine = create_engine(hub_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        upgrade(engine, "0001")
        pin = '{"scheme": "scrypt", "n": 16384, "r": 8, "p": 1, "salt": "00", "hash": "11"}'
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO settings (key, value, updated_at) VALUES ('_pin', :pin, now())"),
                {"pin": pin},
            )
        upgrade(engine, "head")
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == SCHEMA_HEAD
            tables = set(inspect(connection).get_table_names())
            assert {"staff_accounts", "reviews", "drafts", "changesets", "revisions", "chapters"} <= tables
            columns = {c["name"] for c in inspect(connection).get_columns("changesets")}
            assert {"author", "detail"} <= columns
            accounts = connection.execute(text("SELECT name, roles, pin FROM staff_accounts")).all()
            assert [(name, list(roles), pin_record["hash"]) for name, roles, pin_record in accounts] == [
                ("Administrator", ["admin", "reviewer"], "11")
            ]
            assert connection.execute(text("SELECT count(*) FROM settings WHERE key = '_pin'")).scalar() == 0
    finally:
        engine.dispose()


def test_the_hubs_migration_undoes_cleanly_and_runs_again(hub_url: str) -> None:
    engine = create_engine(hub_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        upgrade(engine, "head")
        config = _alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert not {name for name in tables if name.startswith("hub_")} and "search_fts" not in tables
            types = {c["name"]: str(c["type"]) for c in inspect(connection).get_columns("settings")}
            assert types["value"] == "JSON"
        upgrade(engine, "head")
        with engine.connect() as connection:
            types = {c["name"]: str(c["type"]) for c in inspect(connection).get_columns("settings")}
            assert types["value"] == "JSONB" and "hub_releases" in inspect(connection).get_table_names()
    finally:
        engine.dispose()

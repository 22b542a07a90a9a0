"""Alembic environment: migrations run on the connection the kiosk passes in, or on `sqlalchemy.url`.

On PostgreSQL (a clinic group's hub) the models include the hub's own tables; a kiosk's SQLite file has none.
"""

from __future__ import annotations

from pathlib import Path

from alembic import context
from sqlalchemy import Connection, MetaData, create_engine

from kiosk.db.models import Base, HubBase, include_name

config = context.config


def target_metadata(connection: Connection) -> list[MetaData]:
    hub = [HubBase.metadata] if connection.dialect.name == "postgresql" else []
    return [Base.metadata, *hub]


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata(connection),
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (alembic -x or alembic.ini) to run migrations by hand")
    if url.startswith("sqlite:///"):  # through lite.connect, like every other SQLite connection
        from kiosk.db.store import create_sqlite_engine

        engine = create_sqlite_engine(Path(url.removeprefix("sqlite:///")))
    else:
        engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata(conn),
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


run()

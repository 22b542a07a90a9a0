"""Opening the kiosk's SQLite database: connection set-up, integrity check, migrations, error translation.

Every connection gets WAL, foreign keys and a busy timeout. SQLite's driver is told to leave transactions to
SQLAlchemy (`BEGIN` is emitted explicitly), so a `with session.begin():` block is one real SQLite transaction,
DDL included: an import either lands whole or not at all.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from kiosk.db.lite import SCHEMA_HEAD, describe_error
from kiosk.errors import CorruptDatabase, StoreError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

BUSY_TIMEOUT_MS = 5000


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" listener below emits BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # in WAL mode: a power cut loses at most the last commit
    cursor.close()


def _on_connect_readonly(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA query_only = ON")


def create_sqlite_engine(path: Path, *, readonly: bool = False) -> Engine:
    """An engine for the database file at `path`, set up as described in the module docstring.

    `readonly` opens it without ever writing (for a read-only disk): no WAL set-up, no journal, no lock files.
    """
    if readonly:
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true", poolclass=NullPool)
        event.listen(engine, "connect", _on_connect_readonly)
    else:
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
        event.listen(engine, "connect", _on_connect)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise database errors the environment causes as `StoreError`; leave bugs alone."""
    try:
        yield
    except (exc.DBAPIError, sqlite3.Error) as error:
        known = describe_error(error)
        if known is None:
            raise
        raise known from error


class Store:
    """An open kiosk database: one SQLite file holding content, pictures, settings and history."""

    def __init__(self, path: Path, engine: Engine, *, readonly: bool = False) -> None:
        self.path = path
        self.engine = engine
        self.readonly = readonly
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        """A new session; the caller owns its transaction (`with store.session() as s, s.begin(): ...`)."""
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


def check_integrity(engine: Engine) -> None:
    """Raise `CorruptDatabase` unless SQLite's own integrity check passes."""
    with translated_errors(), engine.connect() as conn:
        rows = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        raise CorruptDatabase(f"the database failed its integrity check: {rows[0]}")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
        if not exists:
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return str(row[0]) if row else None


def migrate(engine: Engine) -> None:
    """Bring the schema up to date with Alembic; a no-op (and no Alembic import) when it already is."""
    with translated_errors():
        if current_revision(engine) == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        log.info("database schema upgraded to %s", current_revision(engine))


def open_store(path: Path) -> Store:
    """Open (creating if needed) the database at `path`, check it and migrate it to the current schema."""
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the folder for the database {path}: {error.strerror}") from error
    engine = create_sqlite_engine(path)
    try:
        check_integrity(engine)
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(path, engine)


def open_store_readonly(path: Path) -> Store:
    """Open an existing, current database without writing anything (the disk is read-only)."""
    engine = create_sqlite_engine(Path(path), readonly=True)
    try:
        check_integrity(engine)
        if current_revision(engine) != SCHEMA_HEAD:
            raise StoreError("the database needs an upgrade, which a read-only disk does not allow")
    except BaseException:
        engine.dispose()
        raise
    return Store(Path(path), engine, readonly=True)

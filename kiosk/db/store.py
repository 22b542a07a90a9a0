"""The SQLAlchemy side of the kiosk's SQLite database: the engine, opening and checking a database, migrations.

Connections come from `lite.connect` (the engine's `creator`), so they are set up exactly as the patient kiosk's
own. SQLite's driver is told to leave transactions to SQLAlchemy (`BEGIN` is emitted explicitly), so a
`with session.begin():` block is one real SQLite transaction, DDL included: an import either lands whole or not
at all.

A database is opened only after it has proved to be the kiosk's: intact, at a schema revision this program
knows, and holding exactly the tables, columns and indexes the migrations create for that revision (nothing
more: no trigger, view or extra index). What it is compared with is built from the migrations themselves.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from kiosk.db import lite
from kiosk.db.lite import describe_error
from kiosk.errors import CorruptDatabase, NotKioskDatabase, StoreError, UnusableDatabase

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_sqlite_engine(path: Path, *, readonly: bool = False) -> Engine:
    """An engine for the existing database file at `path`, with every connection from `lite.connect`.

    `readonly` opens it without ever writing (for a read-only disk): no WAL set-up, no journal, no lock files.
    The engine never creates the file: if it disappears, connecting fails with `MissingDatabase`.
    """
    path = Path(path)

    def connect() -> sqlite3.Connection:
        return lite.connect(path, readonly=readonly, immutable=readonly, create=False)

    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def describe(error: BaseException) -> StoreError | None:
    """An error the environment caused (a locked or full disk, an unreachable hub) as one line; None for a bug."""
    known = describe_error(error)
    if known is None and "psycopg" in sys.modules:  # only a hub can have raised one
        from kiosk.db import pg

        known = pg.describe_error(error)
    return known


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise database errors the environment causes as `StoreError`; leave bugs alone."""
    try:
        yield
    except (exc.DBAPIError, sqlite3.Error) as error:
        known = describe(error)
        if known is None:
            raise
        raise known from error


def driver_connection(conn: Connection) -> sqlite3.Connection:
    """The `sqlite3` connection under a SQLAlchemy one, for the checks `lite` does once for everyone."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


class Store:
    """An open kiosk database: one SQLite file holding content, pictures, settings and history."""

    is_hub = False

    def __init__(self, path: Path, engine: Engine, *, readonly: bool = False) -> None:
        self.path = path
        self.engine = engine
        self.readonly = readonly
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def target(self) -> Path:
        """What another process opens it again by (`library.open_existing`)."""
        return self.path

    def session(self) -> Session:
        """A new session; the caller owns its transaction (`with store.session() as s, s.begin(): ...`)."""
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


class HubStore:
    """A clinic group's hub on PostgreSQL: the same content tables as a kiosk's file, and the fleet besides.
    Sessions work as a `Store`'s; what only a file allows (backups, restores, the patient screens) it has not."""

    is_hub = True
    readonly = False

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def target(self) -> str:
        """What another process opens it again by (`library.open_existing`)."""
        return self.url

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


#: Where content lives: a kiosk's file or a hub. Imports, exports and staff edits work on either.
Database = Store | HubStore


# --- migrations ----------------------------------------------------------------------------------------------------


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def known_revisions() -> tuple[str, ...]:
    """Every schema revision this program can read or migrate from, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return tuple(reversed([revision.revision for revision in script.walk_revisions()]))


def migrate(engine: Engine, to: str = "head") -> None:
    """Bring the schema up to `to` with Alembic; a no-op (and no Alembic import) when it is already at head."""
    with translated_errors():
        with engine.connect() as conn:
            revision = lite.schema_revision(driver_connection(conn))
        if to == "head" and revision == lite.SCHEMA_HEAD:
            return
        from alembic import command

        config = _alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, to)
        log.info("database schema upgraded from %s to %s", revision, to)


@cache
def reference_signature(revision: str) -> lite.Signature:
    """The schema the migrations build for `revision`, from a fresh database (built once per process)."""
    with tempfile.TemporaryDirectory(prefix="kiosk-reference-") as folder:
        path = Path(folder) / "reference.sqlite3"
        lite.connect(path).close()
        engine = create_sqlite_engine(path)
        try:
            migrate(engine, revision)
        finally:
            engine.dispose()
        connection = lite.connect(path, readonly=True)
        try:
            return lite.schema_signature(connection)
        finally:
            connection.close()


def check_schema(connection: sqlite3.Connection, what: str) -> str | None:
    """Raise `UnusableDatabase` unless the database is at a revision this program knows and holds exactly what
    the migrations build for it. Returns the revision (None: an empty database, nothing in it yet)."""
    revision = lite.schema_revision(connection)
    if revision is None:
        if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise NotKioskDatabase(f"{what} is a database, but not the kiosk's")
        return None
    if revision == lite.SCHEMA_HEAD and lite.schema_digest(connection) == lite.SCHEMA_DIGEST:
        return revision  # the usual case, decided without building a reference
    if revision not in known_revisions():
        raise UnusableDatabase(
            f"{what} was made by a newer or different version of the kiosk (schema {revision}; this version "
            f"knows up to {lite.SCHEMA_HEAD})"
        )
    difference = lite.schema_difference(lite.schema_signature(connection), reference_signature(revision))
    if difference is not None:
        raise UnusableDatabase(f"{what} {difference}")
    return revision


# --- opening -------------------------------------------------------------------------------------------------------


def _holds_text(path: Path) -> bool:
    """Whether a file reads as text (a note, a CSV, a YAML file), as a damaged database never does."""
    try:
        with open(path, "rb") as file:
            start = file.read(4096)
    except OSError:
        return False
    if not start or b"\x00" in start:
        return False
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(start) - 4  # only the last character was cut off
    return True


def check_file(path: Path) -> None:
    """Refuse, before SQLite opens it, a file that is clearly not a kiosk database; a damaged one is reported as
    damaged (`CorruptDatabase`), so the kiosk can set it aside and recover."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    if not path.exists():
        return
    if not path.is_file():  # a device or a pipe: SQLite would wait on it for ever
        raise NotKioskDatabase(f"{path} is not a regular file, so not a kiosk database")
    if path.stat().st_size == 0 or lite.looks_like_sqlite(path):
        return
    if _holds_text(path):
        raise NotKioskDatabase(
            f"{path} is not a kiosk database (it holds text): give the kiosk's database file"
        )
    raise CorruptDatabase(f"the database file {path.name} is damaged: it is not a SQLite database")


def open_store(path: Path, *, create: bool = True) -> Store:
    """Open the database at `path` (creating it unless `create` is false), check it and migrate it to the
    current schema. Raises `StoreError` (one line) for anything it will not open."""
    path = Path(path)
    check_file(path)
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the folder for the database {path}: {error.strerror}") from error
    with translated_errors():
        connection = lite.connect(path, create=create)
        try:
            lite.check_integrity(connection)
            revision = check_schema(connection, "the database")
        finally:
            connection.close()
    engine = create_sqlite_engine(path)
    try:
        if revision != lite.SCHEMA_HEAD:
            migrate(engine)
            with translated_errors(), engine.connect() as conn:
                check_schema(driver_connection(conn), "the upgraded database")
    except BaseException:
        engine.dispose()
        raise
    return Store(path, engine)


def open_hub(url: str, *, init: bool = False) -> HubStore:
    """Open the clinic group's hub at `url` (PostgreSQL). Without `init` it must already be a hub at the current
    schema; with it, an empty database becomes one and an older one is migrated (`kiosk hub init`)."""
    from kiosk.db import pg

    engine = pg.create_pg_engine(url)
    try:
        revision = pg.check_hub(engine, url, init=init, known=known_revisions(), head=lite.SCHEMA_HEAD)
        if init and revision != lite.SCHEMA_HEAD:
            from alembic import command

            config = _alembic_config()
            with pg.translated(pg.shown(url)), engine.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            log.info("hub schema upgraded from %s to %s", revision, lite.SCHEMA_HEAD)
    except BaseException:
        engine.dispose()
        raise
    return HubStore(url, engine)


def open_any(target: Path | str) -> Database:
    """A kiosk's database file, or a hub when `target` is a PostgreSQL URL."""
    from kiosk.db import pg

    if pg.is_url(target):
        return open_hub(str(target))
    return open_store(Path(target))


def open_store_readonly(path: Path) -> Store:
    """Open an existing, current database without writing anything (the disk is read-only)."""
    path = Path(path)
    check_file(path)
    with translated_errors():
        connection = lite.connect(path, readonly=True, immutable=True, create=False)
        try:
            lite.check_integrity(connection)
            if check_schema(connection, "the database") != lite.SCHEMA_HEAD:
                raise StoreError("the database needs an upgrade, which a read-only disk does not allow")
        finally:
            connection.close()
    return Store(path, create_sqlite_engine(path, readonly=True), readonly=True)

"""Reading (and small writes) with the standard library's sqlite3 alone, for the patient kiosk.

The patient screens only read content that was rendered when it was imported, count usage and check a PIN. Doing
that through SQLite directly, instead of through SQLAlchemy, keeps the kiosk quick to start and about 30-50 MB
smaller (see docs/ARCHITECTURE.md). SQLAlchemy and Alembic load only when something needs them: creating,
migrating or updating the database, and the staff tools.

The helpers here accept either a `sqlite3.Connection` or a SQLAlchemy `Session`, so a service can be written
once with plain SQL and used from both sides.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from kiosk.errors import CorruptDatabase, StoreError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Db = Union[sqlite3.Connection, "Session"]
Params = Mapping[str, Any]

#: The newest migration. `tests/unit/db/test_store.py` checks it against Alembic's own head.
SCHEMA_HEAD = "0001"
BUSY_TIMEOUT_MS = 5000


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (each statement sees the latest data); `begin` starts a transaction."""
    if readonly:
        connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, isolation_level=None)
        connection.execute("PRAGMA query_only = ON")
    else:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
    return connection


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction on an autocommit connection: committed whole, or rolled back."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if connection.in_transaction:  # SQLite has already rolled back after some errors (a full disk, say)
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def query(db: Db, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
    if isinstance(db, sqlite3.Connection):
        return db.execute(sql, params or {}).fetchall()
    from sqlalchemy import text  # only reached with a Session, when SQLAlchemy is loaded anyway

    return [tuple(row) for row in db.execute(text(sql), dict(params or {}))]


def execute(db: Db, sql: str, params: Params | Iterable[Params] | None = None) -> None:
    """Run a statement; a list of parameter mappings runs it once for each."""
    if isinstance(db, sqlite3.Connection):
        if isinstance(params, Mapping) or params is None:
            db.execute(sql, params or {})
        else:
            db.executemany(sql, list(params))
        return
    from sqlalchemy import text

    if isinstance(params, Mapping) or params is None:
        db.execute(text(sql), dict(params or {}))
    else:
        rows = [dict(p) for p in params]
        if rows:
            db.execute(text(sql), rows)


def describe_error(error: BaseException) -> StoreError | None:
    """Turn an error the environment caused (locked, read-only, full, corrupt) into a one-line `StoreError`."""
    original = getattr(error, "orig", error)  # SQLAlchemy wraps the driver's error in .orig
    if not isinstance(original, sqlite3.Error):
        return None
    text = str(original).lower()
    if "locked" in text or "busy" in text:
        return StoreError("the database is busy: another kiosk program is using it; try again in a moment")
    if "readonly" in text or "read-only" in text:
        return StoreError("the database is read-only: check the file's permissions and free disk space")
    if "is full" in text:
        return StoreError("the disk is full: free some space, then try again")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return CorruptDatabase(f"the database file is damaged ({original})")
    if "unable to open" in text:
        return StoreError("the database file cannot be opened: check that its folder exists and is writable")
    if "disk i/o" in text:
        return StoreError("the disk reported an error while using the database")
    return None


def now_text() -> str:
    """A timestamp as SQLAlchemy stores DateTime in SQLite, so both sides read each other's rows."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def decode(value: Any) -> Any:
    """A JSON column's value: text to parse, or a number SQLite already turned into one (numeric affinity)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def all_settings(db: Db) -> dict[str, Any]:
    return {key: decode(value) for key, value in query(db, "SELECT key, value FROM settings")}


def get_setting(db: Db, key: str) -> Any:
    rows = query(db, "SELECT value FROM settings WHERE key = :key", {"key": key})
    return decode(rows[0][0]) if rows else None


def put_setting(db: Db, key: str, value: Any) -> None:
    execute(
        db,
        "INSERT INTO settings (key, value, updated_at) VALUES (:key, :value, :now) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at "
        "WHERE settings.value IS NOT excluded.value",  # an unchanged value is not a change
        {"key": key, "value": json.dumps(value, ensure_ascii=False), "now": now_text()},
    )


def delete_setting(db: Db, key: str) -> None:
    execute(db, "DELETE FROM settings WHERE key = :key", {"key": key})


def schema_revision(db: Db) -> str | None:
    tables = query(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
    if not tables:
        return None
    rows = query(db, "SELECT version_num FROM alembic_version")
    return str(rows[0][0]) if rows else None


def ready_to_read(path: Path) -> bool:
    """Whether the database can be used as it is: present, intact, at the current schema, with content."""
    if not path.is_file():
        return False
    try:
        connection = connect(path)
        try:
            if connection.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                return False
            if schema_revision(connection) != SCHEMA_HEAD:
                return False
            return bool(connection.execute("SELECT count(*) FROM chapters").fetchone()[0])
        finally:
            connection.close()
    except sqlite3.Error:
        return False

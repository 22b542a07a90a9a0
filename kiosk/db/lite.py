"""Every SQLite connection the kiosk opens, and what it reads and writes with the standard library alone.

`connect` is the one way into a SQLite file: the patient kiosk, the SQLAlchemy engine (as its `creator`), backups
and restores all open their connections here, so every one gets the same set-up (foreign keys, a busy timeout,
WAL and `synchronous=NORMAL` for writers, or a read-only mode). The integrity check, the schema revision and the
schema's signature are read here too, once, for everyone.

The patient screens only read content that was rendered when it was imported, count usage and check a PIN. Doing
that through SQLite directly, instead of through SQLAlchemy, keeps the kiosk quick to start and about 30-50 MB
smaller (see docs/ARCHITECTURE.md). SQLAlchemy and Alembic load only when something needs them: creating,
migrating or updating the database, and the staff tools.

The helpers here accept either a `sqlite3.Connection` or a SQLAlchemy `Session`, so a service can be written
once with plain SQL and used from both sides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from kiosk.errors import CorruptDatabase, MissingDatabase, StoreError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Db = Union[sqlite3.Connection, "Session"]
Params = Mapping[str, Any]

#: The newest migration. `tests/unit/db/test_store.py` checks it against Alembic's own head.
SCHEMA_HEAD = "0006"
#: `schema_digest` of a database freshly migrated to SCHEMA_HEAD (kept true by the same test).
SCHEMA_DIGEST = "56b505740f48f735f1cb2de1816da904d799da69280b28aac647fe8f6901f69f"
#: How long a connection waits for another program's write to finish before it reports "busy".
BUSY_TIMEOUT_MS = 5000
#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def connect(
    path: Path,
    *,
    readonly: bool = False,
    immutable: bool = False,
    create: bool = True,
) -> sqlite3.Connection:
    """Open the SQLite file at `path` in autocommit mode (each statement sees the latest data; `transaction`
    starts a write).

    Writers get WAL and `synchronous=NORMAL` (a power cut loses at most the last commit, never a mix). `readonly`
    opens the file without ever writing to it; `immutable` as well promises SQLite nobody else writes it either
    (a read-only disk, where SQLite could not even create its lock files). Without `create`, a missing file is a
    `MissingDatabase` error instead of a new, empty database: once the kiosk has opened its database, a file
    deleted behind its back must never silently come back empty.
    """
    path = Path(path)
    if not create and not path.exists():
        raise MissingDatabase(
            f"the database file {path} is missing (was its folder deleted?): restart the kiosk to rebuild it"
        )
    mode = "ro" if readonly else ("rwc" if create else "rw")
    uri = f"file:{urllib.parse.quote(str(path.absolute()))}?mode={mode}" + (
        "&immutable=1" if immutable else ""
    )
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        connection.execute("PRAGMA foreign_keys = ON")
        if readonly:
            connection.execute("PRAGMA query_only = ON")
        else:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        connection.close()
        raise
    return connection


def looks_like_sqlite(path: Path) -> bool:
    """Whether the file starts as every SQLite database does (it may still be damaged further in)."""
    try:
        with open(path, "rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_integrity(connection: sqlite3.Connection, what: str = "the database") -> None:
    """Raise `CorruptDatabase` unless SQLite's own integrity check passes."""
    try:
        rows = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as error:
        raise CorruptDatabase(f"{what} is damaged ({error})") from error
    if rows != ["ok"]:
        raise CorruptDatabase(f"{what} failed its integrity check: {rows[0] if rows else 'no answer'}")


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


@contextmanager
def write_now(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction that never waits: if another program holds the write lock, it fails at once (the
    caller keeps what it meant to write and tries later). For writes made on the patient screens' thread."""
    previous = int(connection.execute("PRAGMA busy_timeout").fetchone()[0])
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        with transaction(connection):
            yield
    finally:
        connection.execute(f"PRAGMA busy_timeout = {previous}")


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


def is_busy(error: BaseException) -> bool:
    """Whether another connection holding a lock is all that went wrong (trying again later will do)."""
    original = getattr(error, "orig", error)  # SQLAlchemy wraps the driver's error in .orig
    code = getattr(original, "sqlite_errorcode", None)
    return isinstance(original, sqlite3.Error) and code is not None and code & 0xFF in (5, 6)  # BUSY, LOCKED


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


def dialect(db: Db) -> str:
    """ "sqlite", or "postgresql" for a session on a clinic group's hub (the same helpers serve both)."""
    if isinstance(db, sqlite3.Connection):
        return "sqlite"
    return str(db.get_bind().dialect.name)


def now_text() -> str:
    """A timestamp as SQLAlchemy stores DateTime in SQLite, so both sides read each other's rows."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def decode(value: Any) -> Any:
    """A JSON column's value: text to parse, or a number SQLite already turned into one (numeric affinity)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _json_reader(db: Db) -> Callable[[Any], Any]:
    """How to read a JSON column: SQLite hands back its text, PostgreSQL (JSONB) the value itself."""
    return decode if dialect(db) == "sqlite" else _same


def _same(value: Any) -> Any:
    return value


def all_settings(db: Db) -> dict[str, Any]:
    read = _json_reader(db)
    return {key: read(value) for key, value in query(db, "SELECT key, value FROM settings")}


def get_setting(db: Db, key: str) -> Any:
    rows = query(db, "SELECT value FROM settings WHERE key = :key", {"key": key})
    return _json_reader(db)(rows[0][0]) if rows else None


def put_setting(db: Db, key: str, value: Any) -> None:
    differs = (
        "IS NOT" if dialect(db) == "sqlite" else "IS DISTINCT FROM"
    )  # SQLite before 3.39 lacks the latter
    execute(
        db,
        "INSERT INTO settings (key, value, updated_at) VALUES (:key, :value, :now) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at "
        f"WHERE settings.value {differs} excluded.value",  # an unchanged value is not a change
        {"key": key, "value": json.dumps(value, ensure_ascii=False), "now": now_text()},
    )


def delete_setting(db: Db, key: str) -> None:
    execute(db, "DELETE FROM settings WHERE key = :key", {"key": key})


def schema_revision(db: Db) -> str | None:
    """The Alembic revision the database is at; None when it has none (empty, or not a kiosk database)."""
    tables = query(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
    if not tables:
        return None
    rows = query(db, "SELECT version_num FROM alembic_version")
    return str(rows[0][0]) if rows else None


# --- the schema's signature: what a database holds besides its rows -----------------------------------------------

#: The tables SQLite's full-text search keeps for a virtual table `x` as `x_<suffix>`; SQLite writes their SQL,
#: which differs between its versions, so only their presence is compared.
_SHADOW_SUFFIXES = ("data", "idx", "content", "docsize", "config")

Signature = tuple[tuple[str, str, str, str], ...]


def _normalised(sql: str | None) -> str:
    """SQL text without the differences that do not change meaning: identifier quotes, spacing and case."""
    return re.sub(r"\s+", "", re.sub(r'["`\[\]]', "", sql or "")).lower()


def schema_signature(connection: sqlite3.Connection) -> Signature:
    """Every object in the database (table, index, trigger, view) with its type, table and definition.

    Two databases with the same signature have the same tables with the same columns and constraints, the
    same indexes, and nothing else: no trigger, view or extra index can hide in one and not the other.
    """
    rows = connection.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    virtual = {
        str(name) for kind, name, _table, sql in rows if str(sql or "").upper().startswith("CREATE VIRTUAL")
    }
    shadows = {f"{name}_{suffix}" for name in virtual for suffix in _SHADOW_SUFFIXES}
    return tuple(
        sorted(
            (str(kind), str(name), str(table), "" if name in shadows else _normalised(sql))
            for kind, name, table, sql in rows
        )
    )


def schema_digest(connection: sqlite3.Connection) -> str:
    return hashlib.sha256(json.dumps(schema_signature(connection)).encode()).hexdigest()


def schema_difference(actual: Signature, expected: Signature) -> str | None:
    """The first way `actual` differs from `expected`, in words that follow a name: "kiosk.sqlite3 holds a trigger
    't' the kiosk did not create" (None if they are the same)."""
    have = {(kind, name): sql for kind, name, _table, sql in actual}
    want = {(kind, name): sql for kind, name, _table, sql in expected}

    def a(kind: str) -> str:
        return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"

    for kind, name in sorted(have.keys() - want.keys()):
        return f"holds {a(kind)} '{name}' the kiosk did not create"
    for kind, name in sorted(want.keys() - have.keys()):
        return f"has no {kind} '{name}'"
    for kind, name in sorted(have):
        if have[kind, name] != want[kind, name]:
            what = "columns or constraints differ" if kind == "table" else "definition differs"
            return f"has {a(kind)} '{name}' whose {what} from the kiosk's"
    return None


def ready_to_read(path: Path) -> bool:
    """Whether the database can be used as it is: present, intact, at the current schema (exactly: nothing
    added, nothing changed), with content. Cheap enough for every start."""
    if not path.is_file() or not looks_like_sqlite(path):
        return False
    try:
        connection = connect(path)
        try:
            check_integrity(connection)
            if schema_revision(connection) != SCHEMA_HEAD or schema_digest(connection) != SCHEMA_DIGEST:
                return False
            return bool(connection.execute("SELECT count(*) FROM chapters").fetchone()[0])
        finally:
            connection.close()
    except (sqlite3.Error, StoreError):
        return False

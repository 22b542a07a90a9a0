"""The store: connection set-up, migrations from the first revision, integrity, and environment errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.db.models import Base, include_name
from kiosk.db.store import (
    MIGRATIONS_DIR,
    SCHEMA_HEAD,
    CorruptDatabase,
    current_revision,
    describe_error,
    open_store,
)
from kiosk.errors import StoreError


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = open_store(tmp_path / "k.sqlite3")
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        store.close()


def test_schema_head_constant_matches_alembic() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    store = open_store(tmp_path / "k.sqlite3")
    try:
        assert current_revision(store.engine) == SCHEMA_HEAD
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            assert compare_metadata(context, Base.metadata) == []
            tables = {
                row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            }
        assert {"search_fts", "search_words", "chapters", "revisions"} <= tables
    finally:
        store.close()


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    open_store(path).close()
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ('clinic_name', '\"Kept\"', '2026-01-01')"
    )
    connection.commit()
    connection.close()
    store = open_store(path)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM settings").scalar() == '"Kept"'
    finally:
        store.close()


def test_a_file_that_is_not_a_database_is_reported_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CorruptDatabase, match="damaged"):
        open_store(path)


def test_a_damaged_database_fails_the_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    store = open_store(path)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE filler (x TEXT)")
        for _ in range(200):
            conn.exec_driver_sql("INSERT INTO filler VALUES (hex(randomblob(500)))")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, len(data) - page, page * 2):  # break the b-tree headers of later pages
        data[offset : offset + 8] = b"\xaa" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabase):
        open_store(path)


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        open_store(tmp_path)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("database is locked", "busy"),
        ("attempt to write a readonly database", "read-only"),
        ("database or disk is full", "disk is full"),
        ("file is not a database", "damaged"),
        ("unable to open database file", "cannot be opened"),
    ],
)
def test_environment_errors_become_one_clear_line(message: str, expected: str) -> None:
    known = describe_error(sqlite3.OperationalError(message))
    assert known is not None and expected in str(known)


def test_bugs_are_not_disguised() -> None:
    assert describe_error(sqlite3.OperationalError("no such column: foo")) is None
    assert describe_error(ValueError("x")) is None

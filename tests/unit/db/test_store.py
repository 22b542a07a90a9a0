"""The store: connection set-up, migrations from the first revision, integrity, and environment errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.db import lite
from kiosk.db.lite import SCHEMA_HEAD, describe_error
from kiosk.db.models import Base, include_name
from kiosk.db.store import MIGRATIONS_DIR, driver_connection, open_store, reference_signature
from kiosk.errors import CorruptDatabase, MissingDatabase, NotKioskDatabase, StoreError, UnusableDatabase
from tests.helpers.db import dump

PRAGMAS = ("journal_mode", "foreign_keys", "busy_timeout", "synchronous", "query_only")


def pragmas(connection: sqlite3.Connection) -> dict[str, object]:
    return {name: connection.execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS}


def test_every_connection_is_set_up_the_same_way(tmp_path: Path) -> None:
    """The engine's connections come from lite.connect: WAL, foreign keys, a busy timeout, synchronous=NORMAL."""
    writer = {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
        "query_only": 0,
    }
    store = open_store(tmp_path / "k.sqlite3")
    try:
        with store.engine.connect() as conn:
            assert pragmas(driver_connection(conn)) == writer
    finally:
        store.close()
    connection = lite.connect(tmp_path / "k.sqlite3")
    try:
        assert pragmas(connection) == writer
    finally:
        connection.close()
    reader = lite.connect(tmp_path / "k.sqlite3", readonly=True)
    try:
        assert pragmas(reader)["query_only"] == 1 and pragmas(reader)["foreign_keys"] == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM settings")
    finally:
        reader.close()


def test_a_database_deleted_behind_an_open_store_is_never_made_again(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    store = open_store(path)
    try:
        for part in tmp_path.iterdir():
            part.unlink()
        with pytest.raises(MissingDatabase, match="missing"), store.session() as session:
            session.connection()
        with pytest.raises(MissingDatabase):
            lite.connect(path, create=False)
        with pytest.raises(MissingDatabase):
            open_store(path, create=False)
        assert not path.exists()
    finally:
        store.close()


def test_schema_head_constant_matches_alembic() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    store = open_store(tmp_path / "k.sqlite3")
    try:
        with store.engine.connect() as conn:
            assert lite.schema_revision(driver_connection(conn)) == SCHEMA_HEAD
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            assert compare_metadata(context, Base.metadata) == []
            tables = {
                row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            }
        assert {"search_fts", "search_words", "chapters", "revisions"} <= tables
    finally:
        store.close()


def test_the_schema_digest_constant_is_that_of_a_freshly_migrated_database(tmp_path: Path) -> None:
    open_store(tmp_path / "k.sqlite3").close()
    connection = lite.connect(tmp_path / "k.sqlite3", readonly=True)
    try:
        assert lite.schema_digest(connection) == lite.SCHEMA_DIGEST
        assert lite.schema_signature(connection) == reference_signature(SCHEMA_HEAD)
    finally:
        connection.close()


def test_the_signature_ignores_spelling_but_not_meaning() -> None:
    def signature(*statements: str) -> lite.Signature:
        connection = sqlite3.connect(":memory:")
        for statement in statements:
            connection.execute(statement)
        return lite.schema_signature(connection)

    kiosk = signature("CREATE TABLE settings (key VARCHAR(64) NOT NULL, value JSON, PRIMARY KEY (key))")
    assert (
        signature(
            'CREATE TABLE "settings" (\n\tkey VARCHAR(64) NOT NULL,\n\tvalue JSON, PRIMARY KEY (key)\n)'
        )
        == kiosk
    )
    checked = signature(
        "CREATE TABLE settings (key VARCHAR(64) NOT NULL, value JSON CHECK (0), PRIMARY KEY (key))"
    )
    assert lite.schema_difference(checked, kiosk) == (
        "has a table 'settings' whose columns or constraints differ from the kiosk's"
    )
    trigger = signature(
        "CREATE TABLE settings (key VARCHAR(64) NOT NULL, value JSON, PRIMARY KEY (key))",
        "CREATE TRIGGER t AFTER INSERT ON settings BEGIN DELETE FROM settings; END",
    )
    assert lite.schema_difference(trigger, kiosk) == "holds a trigger 't' the kiosk did not create"
    assert lite.schema_difference(signature(), kiosk) == "has no table 'settings'"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "CREATE TRIGGER zero_lockout AFTER UPDATE ON settings BEGIN "
            "UPDATE settings SET value = '{}' WHERE key = '_pin_attempts'; END",
            "holds a trigger 'zero_lockout' the kiosk did not create",
        ),
        ("CREATE VIEW v AS SELECT * FROM settings", "holds a view 'v' the kiosk did not create"),
        ("CREATE INDEX ix_extra ON settings (value)", "holds an index 'ix_extra' the kiosk did not create"),
    ],
)
def test_a_live_database_holding_foreign_objects_is_not_opened(
    tmp_path: Path, statement: str, expected: str
) -> None:
    path = tmp_path / "k.sqlite3"
    open_store(path).close()
    connection = sqlite3.connect(path)
    connection.execute(statement)
    connection.commit()
    connection.close()
    assert not lite.ready_to_read(path)
    before = dump(path)
    with pytest.raises(UnusableDatabase) as refused:
        open_store(path)
    assert str(refused.value) == f"the database {expected}"
    assert dump(path) == before


def test_a_text_file_or_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Buy milk.\nCall the pharmacy.\n")
    with pytest.raises(NotKioskDatabase, match="not a kiosk database"):
        open_store(notes)
    assert notes.read_text() == "Buy milk.\nCall the pharmacy.\n"
    other = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE bookmarks (url TEXT)")
    connection.commit()
    connection.close()
    before = dump(other)
    with pytest.raises(NotKioskDatabase, match="a database, but not the kiosk's"):
        open_store(other)
    assert dump(other) == before


def test_a_pipe_is_refused_without_waiting_on_it(tmp_path: Path) -> None:
    import os

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(NotKioskDatabase, match="not a regular file"):
        open_store(pipe)


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


def test_a_binary_file_that_is_not_a_database_is_reported_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    path.write_bytes(bytes(range(256)) * 16)  # a database whose first page was overwritten looks like this
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

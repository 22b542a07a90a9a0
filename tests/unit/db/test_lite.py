"""The standard-library side of the store: a transaction is committed whole or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.db import lite


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    opened = lite.connect(tmp_path / "k.sqlite3")
    opened.execute("CREATE TABLE notes (text TEXT NOT NULL)")
    yield opened
    opened.close()


def notes(connection: sqlite3.Connection) -> list[str]:
    return [text for (text,) in connection.execute("SELECT text FROM notes ORDER BY rowid")]


def test_a_transaction_commits_what_it_wrote(connection: sqlite3.Connection) -> None:
    with lite.transaction(connection):
        connection.execute("INSERT INTO notes VALUES ('kept')")
    assert notes(connection) == ["kept"] and not connection.in_transaction


@pytest.mark.parametrize("error", [RuntimeError("a bug half-way"), KeyboardInterrupt()])
def test_an_error_inside_a_transaction_rolls_it_all_back(
    connection: sqlite3.Connection, error: BaseException
) -> None:
    with pytest.raises(type(error)), lite.transaction(connection):
        connection.execute("INSERT INTO notes VALUES ('first')")
        connection.execute("INSERT INTO notes VALUES ('second')")
        raise error
    assert notes(connection) == [] and not connection.in_transaction


def test_a_failed_statement_rolls_back_what_came_before_it(connection: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError), lite.transaction(connection):
        connection.execute("INSERT INTO notes VALUES ('first')")
        connection.execute("INSERT INTO notes VALUES (NULL)")
    assert notes(connection) == []


def test_write_now_never_waits_and_puts_the_timeout_back(tmp_path: Path) -> None:
    writer = lite.connect(tmp_path / "k.sqlite3")
    writer.execute("CREATE TABLE notes (text TEXT NOT NULL)")
    other = lite.connect(tmp_path / "k.sqlite3")
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as busy, lite.write_now(writer):
            writer.execute("INSERT INTO notes VALUES ('later')")
        assert lite.is_busy(busy.value)
        assert writer.execute("PRAGMA busy_timeout").fetchone()[0] == lite.BUSY_TIMEOUT_MS
    finally:
        other.execute("ROLLBACK")
        other.close()
        writer.close()

"""Staff accounts: named people with roles, PINs kept only as salted slow hashes, lockouts per account."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from kiosk.db import backup, lite
from kiosk.db.store import Store, create_sqlite_engine, migrate, open_store
from kiosk.errors import AuthError, KioskError
from kiosk.services import auth

PIN = "739215"
NOW = dt.datetime(2026, 11, 21, 12, 0, 0)


def add(store: Store, name: str, *roles: str, pin: str = PIN) -> auth.Account:
    with store.session() as session, session.begin():
        return auth.add_account(session, name, list(roles), pin)


def raw_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_pin_is_stored_only_as_a_salted_slow_hash_and_never_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    add(store, "Ana Ruiz", "reviewer")
    add(store, "Ben Cole", "editor")  # the same PIN: a different salt, so a different hash
    with store.session() as session, session.begin():
        rows = lite.query(session, "SELECT name, pin FROM staff_accounts ORDER BY name")
        records = [lite.decode(pin) for _, pin in rows]
        assert auth.verify(session, "ana ruiz", PIN) == auth.Account("Ana Ruiz", ("reviewer",))
        assert auth.verify(session, "Ben Cole", "111222") is None
    assert all(r["scheme"] == "scrypt" and r["n"] >= 2**14 and len(r["salt"]) == 32 for r in records)
    assert records[0]["hash"] != records[1]["hash"]
    assert PIN not in caplog.text and PIN not in json.dumps(records)
    assert PIN.encode() not in raw_bytes(store.path)


@pytest.mark.parametrize(
    "pin", ["12", "abcd", "1111", "1234", "123456789", "98765", "٤٨٢٩١٦", "４８２９１６"]
)
def test_weak_or_malformed_pins_are_refused(store: Store, pin: str) -> None:
    with pytest.raises(KioskError), store.session() as session, session.begin():
        auth.add_account(session, "Ana", ["editor"], pin)


def test_names_roles_and_the_last_admin(store: Store) -> None:
    add(store, "Ana Ruiz", "admin", "reviewer")
    with store.session() as session, session.begin():
        with pytest.raises(KioskError, match="already an account called ANA RUIZ"):
            auth.add_account(session, "  ANA   RUIZ ", ["editor"], PIN)
        with pytest.raises(KioskError, match="unknown role 'nurse'"):
            auth.add_account(session, "Cy", ["nurse"], PIN)
        with pytest.raises(KioskError, match="only admin"):
            auth.remove_account(session, "Ana Ruiz")
        auth.add_account(session, "Ben Cole", ["admin"], "482916")
        auth.remove_account(session, "ana ruiz")
        assert auth.list_accounts(session) == [auth.Account("Ben Cole", ("admin",))]


def test_roles_give_rights_and_refuse_in_words() -> None:
    editor = auth.Account("Ed", ("editor",))
    reviewer = auth.Account("Rita", ("reviewer",))
    admin = auth.Account("Al", ("admin",))
    assert editor.can("edit") and not editor.can("review") and not editor.can("admin")
    assert reviewer.can("edit") and reviewer.can("review") and not reviewer.can("admin")
    assert admin.can("edit") and admin.can("admin") and not admin.can("review")
    with pytest.raises(AuthError, match="Ed cannot publish content: that needs the reviewer role"):
        editor.require("review", "publish content")


def test_wrong_pins_lock_one_account_for_a_growing_time(store: Store) -> None:
    add(store, "Ana", "reviewer")
    add(store, "Ben", "editor", pin="482916")
    for _ in range(auth.FREE_TRIES):
        with store.session() as session, session.begin():
            assert auth.verify(session, "Ana", "000001", NOW) is None
    with store.session() as session, session.begin(), pytest.raises(AuthError, match="try again in 30"):
        auth.verify(session, "Ana", PIN, NOW)
    with store.session() as session, session.begin():
        assert auth.verify(session, "Ben", "482916", NOW) is not None  # another person is not locked out
    later = NOW + dt.timedelta(seconds=31)
    with store.session() as session, session.begin():
        assert auth.verify(session, "Ana", "000001", later) is None  # the 6th wrong PIN doubles the wait
    with store.session() as session:
        assert auth.lockout(session, "Ana", later).seconds_left(later) == 60
    with store.session() as session, session.begin():
        assert auth.verify(session, "Ana", PIN, later + dt.timedelta(seconds=60)) is not None
    with store.session() as session:
        assert auth.lockout(session, "Ana").failures == 0


@pytest.mark.logs_warnings
def test_the_guard_keeps_each_lockout_in_memory_on_a_read_only_disk(store: Store) -> None:
    add(store, "Ana", "reviewer")
    connection = lite.connect(store.path, readonly=True)
    try:
        guard = auth.PinGuard()
        for _ in range(auth.FREE_TRIES):
            assert guard.verify(connection, "Ana", "000000", NOW) is None
        assert guard.unsaved is not None and "read-only" in guard.unsaved
        with pytest.raises(AuthError, match="try again in 30 seconds"):
            guard.verify(connection, "Ana", PIN, NOW)
        assert guard.seconds_left(connection, "Ana", NOW) == 30
        assert guard.verify(connection, "Ana", PIN, NOW + dt.timedelta(seconds=31)) is not None
    finally:
        connection.close()
    with store.session() as session:
        assert auth.lockout(session, "Ana", NOW).failures == 0  # nothing could be written


def test_a_lockout_set_while_the_clock_was_ahead_lasts_no_longer_than_the_longest(store: Store) -> None:
    add(store, "Ana", "reviewer")
    with store.session() as session, session.begin():
        lite.execute(
            session,
            "UPDATE staff_accounts SET failures = 9, locked_until = :until",
            {"until": (NOW + dt.timedelta(days=200)).isoformat(sep=" ")},
        )
    connection = lite.connect(store.path)
    try:
        guard = auth.PinGuard()
        assert guard.seconds_left(connection, "Ana", NOW) == auth.MAX_LOCK_SECONDS
        later = NOW + dt.timedelta(seconds=auth.MAX_LOCK_SECONDS + 1)
        assert auth.PinGuard().seconds_left(connection, "Ana", later) == 0  # the cap was saved
        assert guard.verify(connection, "Ana", PIN, later) is not None
    finally:
        connection.close()


def test_accounts_are_carried_whole_from_one_database_to_another(store: Store, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    backup.backup(store.path, other)
    add(store, "Ana", "admin")
    with store.session() as session, session.begin():
        assert auth.verify(session, "Ana", "000000") is None  # a lockout count travels too
    columns = "SELECT name, roles, pin, failures, locked_until, created_at FROM staff_accounts"
    source, target = lite.connect(store.path), lite.connect(other)
    try:
        with lite.transaction(target):
            lite.execute(
                target,
                "INSERT INTO staff_accounts (name, roles, pin, failures, created_at) "
                "VALUES ('Mallory', '[\"admin\"]', '{}', 0, '2026-01-01')",
            )
            assert auth.carry_credentials(source, target)
        assert target.execute(columns).fetchall() == source.execute(columns).fetchall()
        with lite.transaction(source):
            source.execute("DELETE FROM staff_accounts")
        with lite.transaction(target):
            assert not auth.carry_credentials(source, target)  # no account there: none here either
        assert not auth.has_accounts(target)
    finally:
        source.close()
        target.close()


def test_pin_set_sets_the_first_admin_and_makes_one_if_needed(store: Store) -> None:
    with store.session() as session, session.begin():
        assert auth.set_pin(session, PIN) == auth.Account("Administrator", ("reviewer", "admin"))
        auth.add_account(session, "Zoe", ["admin"], "482916")
        assert auth.set_pin(session, "615243").name == "Administrator"
        assert auth.verify_pin(session, "615243")
        assert auth.verify(session, "Zoe", "482916") is not None


def test_the_single_pin_of_an_older_kiosk_becomes_the_administrator(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    lite.connect(path).close()
    engine = create_sqlite_engine(path)
    migrate(engine, "0001")
    engine.dispose()
    record = {"scheme": "scrypt", **auth.SCRYPT, "salt": "00" * 16}
    record["hash"] = auth._hash(PIN, bytes(16), **auth.SCRYPT).hex()
    connection = lite.connect(path)
    with lite.transaction(connection):
        for key, value in (("_pin", record), ("_pin_attempts", {"failures": 3, "locked_until": None})):
            lite.put_setting(connection, key, value)
    connection.close()
    store = open_store(path)  # migrates to the current schema
    try:
        with store.session() as session, session.begin():
            assert lite.get_setting(session, "_pin") is None
            assert auth.lockout(session, "Administrator").failures == 3
            assert auth.verify(session, "Administrator", PIN) == auth.Account(
                "Administrator", ("reviewer", "admin")
            )
    finally:
        store.close()

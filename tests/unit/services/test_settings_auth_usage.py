"""Settings, the staff PIN and anonymous usage counts."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.db import backup, lite
from kiosk.db.models import Revision, SettingValue
from kiosk.db.store import Store
from kiosk.errors import AuthError, KioskError
from kiosk.services import auth, usage
from kiosk.services.settings import internal, load_settings, set_internal, update_settings


def test_settings_come_from_site_yaml_then_defaults(store: Store) -> None:
    with store.session() as session:
        settings = load_settings(session)
    assert settings.clinic_name == "Test Clinic" and settings.idle_seconds == 60
    assert settings.countdown_seconds == 30  # not in the fixture's site.yaml: the default
    assert settings.crisis_text("es").startswith("¿Está en crisis?")


def test_updating_settings_checks_values_and_keeps_history(store: Store) -> None:
    with store.session() as session, session.begin():
        update_settings(session, {"idle_seconds": "120", "clinic_name": "  River Clinic "})
    with store.session() as session:
        assert load_settings(session).idle_seconds == 120
        assert load_settings(session).clinic_name == "River Clinic"
        kinds = {r.item_key for r in session.scalars(select(Revision).where(Revision.item_kind == "setting"))}
        assert {"idle_seconds", "clinic_name"} <= kinds
    with pytest.raises(KioskError, match="between 20 and 120"), store.session() as session, session.begin():
        update_settings(session, {"countdown_seconds": 5})


def test_a_corrupt_stored_setting_falls_back_to_its_default(store: Store) -> None:
    with store.session() as session, session.begin():
        row = session.get(SettingValue, "idle_seconds")
        assert row is not None
        row.value = "lots"
    with store.session() as session:
        assert load_settings(session).idle_seconds == 90


def test_the_pin_is_stored_only_as_a_salted_slow_hash(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
    with store.session() as session:
        stored = session.get(SettingValue, auth.PIN_KEY)
        assert stored is not None
        assert (
            stored.value["scheme"] == "scrypt"
            and stored.value["n"] >= 2**14
            and len(stored.value["salt"]) == 32
        )
        assert "482916" not in str(stored.value)
    with store.session() as session, session.begin():
        assert auth.verify_pin(session, "482916")
        assert not auth.verify_pin(session, "111111")
    assert "482916" not in caplog.text
    raw = (
        store.path.read_bytes() + store.path.with_name(store.path.name + "-wal").read_bytes()
        if store.path.with_name(store.path.name + "-wal").exists()
        else store.path.read_bytes()
    )
    assert b"482916" not in raw


def test_same_pin_gets_a_different_salt(store: Store) -> None:
    hashes = []
    for _ in range(2):
        with store.session() as session, session.begin():
            auth.set_pin(session, "482916")
            stored = session.get(SettingValue, auth.PIN_KEY)
            assert stored is not None
            hashes.append(stored.value["hash"])
    assert hashes[0] != hashes[1]


@pytest.mark.parametrize("pin", ["12", "abcd", "1111", "1234", "123456789", "98765"])
def test_weak_or_malformed_pins_are_refused(store: Store, pin: str) -> None:
    with pytest.raises(KioskError), store.session() as session, session.begin():
        auth.set_pin(session, pin)


def test_five_wrong_pins_lock_out_for_a_growing_time(store: Store) -> None:
    now = dt.datetime(2026, 11, 21, 12, 0, 0)
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
    for _ in range(5):
        with store.session() as session, session.begin():
            assert not auth.verify_pin(session, "000001", now)
    with (
        store.session() as session,
        session.begin(),
        pytest.raises(AuthError, match="try again in 30 seconds"),
    ):
        auth.verify_pin(session, "482916", now)
    later = now + dt.timedelta(seconds=31)
    with store.session() as session, session.begin():
        assert not auth.verify_pin(session, "000001", later)  # the 6th wrong PIN doubles the wait
    with store.session() as session:
        assert auth.lockout(session).seconds_left(later) == 60
    much_later = later + dt.timedelta(seconds=60)
    with store.session() as session, session.begin():
        assert auth.verify_pin(session, "482916", much_later)
    with store.session() as session:
        assert auth.lockout(session).failures == 0


def test_verifying_without_a_pin_says_how_to_set_one(store: Store) -> None:
    with store.session() as session, pytest.raises(AuthError, match="kiosk pin set"):
        auth.verify_pin(session, "1234")


def test_usage_counts_are_anonymous_counts(store: Store) -> None:
    with store.session() as session, session.begin():
        usage.record(session, "page", "first-steps/picture")
        usage.record(session, "page", "first-steps/picture")
        usage.record(session, "search")
    with store.session() as session:
        assert usage.totals(session, "page") == {"first-steps/picture": 2}
        assert usage.totals(session, "search") == {"": 1}
    with pytest.raises(ValueError), store.session() as session:
        usage.record(session, "typed-text", "my name")


@pytest.mark.parametrize("pin", ["٤٨٢٩١٦", "４８２９１６", "48２916", "४८२९१६", "²⁴⁸⁹"])
def test_digits_the_keypad_cannot_type_are_refused(store: Store, pin: str) -> None:
    with pytest.raises(KioskError, match="of the digits 0-9"), store.session() as session, session.begin():
        auth.set_pin(session, pin)


def test_a_lockout_set_while_the_clock_was_ahead_lasts_no_longer_than_the_longest(store: Store) -> None:
    now = dt.datetime(2026, 11, 21, 12, 0, 0)
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
        set_internal(
            session,
            auth.ATTEMPTS_KEY,
            {"failures": 9, "locked_until": (now + dt.timedelta(days=200)).isoformat()},
        )
    with store.session() as session:
        assert auth.lockout(session, now).seconds_left(now) == auth.MAX_LOCK_SECONDS
    connection = lite.connect(store.path)
    try:
        guard = auth.PinGuard()
        assert guard.seconds_left(connection, now) == auth.MAX_LOCK_SECONDS
        later = now + dt.timedelta(seconds=auth.MAX_LOCK_SECONDS + 1)
        assert guard.seconds_left(connection, later) == 0
        assert auth.PinGuard().seconds_left(connection, later) == 0  # the cap was saved: a restart keeps it
        assert guard.verify(connection, "482916", later)
    finally:
        connection.close()


@pytest.mark.logs_warnings
def test_the_guard_keeps_the_lockout_in_memory_when_it_cannot_be_saved(store: Store) -> None:
    now = dt.datetime(2026, 11, 21, 12, 0, 0)
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
    connection = lite.connect(store.path, readonly=True)
    try:
        guard = auth.PinGuard()
        for _ in range(auth.FREE_TRIES):
            assert not guard.verify(connection, "000000", now)
        assert guard.unsaved is not None and "read-only" in guard.unsaved
        with pytest.raises(AuthError, match="try again in 30 seconds"):
            guard.verify(connection, "482916", now)
        assert guard.verify(connection, "482916", now + dt.timedelta(seconds=31))
    finally:
        connection.close()
    with store.session() as session:
        assert auth.lockout(session, now).failures == 0  # nothing could be written


def test_credentials_are_carried_whole_from_one_database_to_another(store: Store, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    backup.backup(store.path, other)
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
        assert not auth.verify_pin(session, "000000")
    source, target = lite.connect(store.path), lite.connect(other)
    try:
        with lite.transaction(target):
            assert auth.carry_credentials(source, target)
        assert [internal(target, key) for key in auth.CREDENTIAL_KEYS] == [
            internal(source, key) for key in auth.CREDENTIAL_KEYS
        ]
        with lite.transaction(source):
            for key in auth.CREDENTIAL_KEYS:
                lite.delete_setting(source, key)
        with lite.transaction(target):
            assert not auth.carry_credentials(source, target)  # no PIN there: none here either
        assert not auth.has_pin(target) and internal(target, auth.ATTEMPTS_KEY) is None
    finally:
        source.close()
        target.close()


def test_usage_counted_in_memory_is_written_in_one_go_and_bounded(store: Store) -> None:
    counts = usage.UsageCounts(limit=2)
    counts.add("page", "first-steps/picture")
    counts.add("page", "first-steps/picture")
    counts.add("search")
    counts.add("question", "can-i-drive")  # a third counter: over the limit, dropped
    assert counts.dropped == 1
    connection = lite.connect(store.path)
    try:
        assert counts.flush(connection) == 3
        assert counts.pending == {} and counts.flush(connection) == 0
        assert usage.totals(connection, "page") == {"first-steps/picture": 2}
        assert usage.totals(connection, "question") == {}
    finally:
        connection.close()

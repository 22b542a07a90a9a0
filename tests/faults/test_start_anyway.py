"""The kiosk starts whatever its data folder holds: no database, an empty one, a tampered one, no PIN. Each case
runs the real program as the service does (`kiosk run --kiosk`) and checks it reaches its first frame (READY=1)
within the service's TimeoutStartSec and then sends its heartbeat (WATCHDOG=1) well within WatchdogSec, so
systemd would never restart it in a loop. What is not a kiosk database at all is refused with one line."""

from __future__ import annotations

import datetime as dt
import os
import re
import select
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.db import backup, lite
from kiosk.db.store import Store
from kiosk.services import auth
from kiosk.services.startup import NO_PIN_NOTICE
from tests.helpers.db import dump

ROOT = Path(__file__).resolve().parents[2]
PIN = "482916"


def service_limit(name: str) -> float:
    unit = (ROOT / "deploy/ketamine-kiosk.service").read_text(encoding="utf-8")
    match = re.search(rf"^{name}=(\d+)$", unit, re.MULTILINE)
    assert match, name
    return float(match.group(1))


START_LIMIT = service_limit("TimeoutStartSec")
WATCHDOG_LIMIT = service_limit("WatchdogSec")


@dataclass
class Started:
    code: int
    stderr: str
    ready_after: float | None  # seconds from launch to READY=1
    heartbeat_gap: float | None  # seconds from READY=1 to the first WATCHDOG=1


def start_kiosk(db: Path, tmp_path: Path) -> Started:
    """`kiosk run --kiosk` under a stand-in for systemd's notify socket, until its first heartbeat."""
    address = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(address))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "KIOSK_DATA_DIR": str(db.parent),
        "NOTIFY_SOCKET": str(address),
        "WATCHDOG_USEC": "1000000",  # a heartbeat every half second, so the test is quick
    }
    launched = time.monotonic()
    messages: list[tuple[float, str]] = []
    with subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--db", str(db), "run", "--kiosk", "--exit-after-first-frame"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            while child.poll() is None and time.monotonic() - launched < START_LIMIT + WATCHDOG_LIMIT:
                if select.select([server], [], [], 0.1)[0]:
                    messages.append((time.monotonic() - launched, server.recv(4096).decode()))
            if child.poll() is None:
                child.kill()
            assert child.stderr is not None
            errors = child.stderr.read()
        finally:
            server.close()
    ready = next((t for t, m in messages if m.startswith("READY=1")), None)
    beat = next((t for t, m in messages if m == "WATCHDOG=1" and ready is not None and t > ready), None)
    return Started(child.returncode, errors, ready, beat - ready if beat is not None and ready else None)


def assert_started_within_the_service_limits(started: Started) -> None:
    assert started.code == 0, started.stderr
    assert started.ready_after is not None and started.ready_after < START_LIMIT, started
    assert started.heartbeat_gap is not None and started.heartbeat_gap < WATCHDOG_LIMIT, started
    assert "Traceback" not in started.stderr


def content(db: Path) -> list[str]:
    """The whole dump but the usage counts (the kiosk counts its own first screen)."""
    return [line for line in dump(db) if not line.startswith('INSERT INTO "usage_counts"')]


def pin_works(db: Path, pin: str) -> bool:
    connection = lite.connect(db)
    try:
        with lite.transaction(connection):
            return auth.verify_pin(connection, pin)
    finally:
        connection.close()


@pytest.fixture
def with_backups(store: Store) -> tuple[Path, Path]:
    """A kiosk with a PIN and a good backup, and a newer backup that someone planted a trigger in."""
    with store.session() as session, session.begin():
        auth.set_pin(session, PIN)
    good = backup.automatic_backup(store.path, "daily", keep=5)
    later = dt.datetime.now() + dt.timedelta(hours=1)
    planted = good.with_name(f"kiosk-{later:%Y%m%d-%H%M%S}-daily.sqlite3")
    backup.backup(store.path, planted)
    connection = sqlite3.connect(planted)
    connection.execute(
        "CREATE TRIGGER plant AFTER INSERT ON usage_counts BEGIN DELETE FROM settings WHERE key = '_pin'; END"
    )
    connection.commit()
    connection.close()
    store.close()
    return store.path, good


def test_no_database_no_backup_and_no_pin_still_starts_and_says_how_to_set_one(tmp_path: Path) -> None:
    db = tmp_path / "data" / "kiosk.sqlite3"
    started = start_kiosk(db, tmp_path)
    assert_started_within_the_service_limits(started)
    assert f"staff notice: {NO_PIN_NOTICE}" in started.stderr
    assert (
        "staff notice: No database and no backup were found: the kiosk started from its bundled content."
        in (started.stderr)
    )
    assert db.exists()


@pytest.mark.parametrize("state", ["missing", "zero-bytes", "no-tables"])
def test_a_lost_database_is_rebuilt_from_the_newest_good_backup_pin_included(
    with_backups: tuple[Path, Path], tmp_path: Path, state: str
) -> None:
    db, good = with_backups
    expected = content(good)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if state == "zero-bytes":
        db.write_bytes(b"")
    elif state == "no-tables":
        connection = sqlite3.connect(db)
        connection.execute("PRAGMA user_version = 7")
        connection.commit()
        connection.close()
    started = start_kiosk(db, tmp_path)
    assert_started_within_the_service_limits(started)
    created = good.name[6:19]
    stamp = f"{created[:4]}-{created[4:6]}-{created[6:8]} {created[9:11]}:{created[11:13]}"
    assert f"The kiosk was rebuilt from the backup of {stamp} (staff accounts included)." in started.stderr
    assert NO_PIN_NOTICE not in started.stderr
    assert content(db) == expected  # the good backup, not the newer one carrying a trigger
    assert pin_works(db, PIN)


def test_a_tampered_database_is_set_aside_and_rebuilt_from_a_good_backup(
    with_backups: tuple[Path, Path], tmp_path: Path
) -> None:
    db, good = with_backups
    connection = sqlite3.connect(db)
    connection.execute("CREATE TRIGGER zero AFTER UPDATE ON settings BEGIN SELECT 1; END")
    connection.commit()
    connection.close()
    tampered = dump(db)
    started = start_kiosk(db, tmp_path)
    assert_started_within_the_service_limits(started)
    assert "holds a trigger 'zero' the kiosk did not create" in started.stderr
    assert content(db) == content(good)
    aside = [
        p for p in db.parent.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))
    ]
    assert len(aside) == 1 and dump(aside[0]) == tampered  # kept for a technician


def test_a_text_file_given_as_the_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Ask Dr. Lee about Tuesday.\n")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--db", str(notes), "run", "--kiosk"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=START_LIMIT,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"kiosk: {notes} is not a kiosk database (it holds text): give the kiosk's database file\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert notes.read_text() == "Ask Dr. Lee about Tuesday.\n"

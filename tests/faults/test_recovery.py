"""The kiosk starts and keeps showing content whatever the disk does: damaged, read-only or full."""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.content.state import Key
from kiosk.db import backup, lite
from kiosk.db.store import Store
from kiosk.errors import StoreError
from kiosk.services import staff, startup
from kiosk.services.auth import COMMAND_LINE
from kiosk.services.catalogue import load_catalogue
from kiosk.ui.data import ContentSource
from kiosk.ui.staff.data import StaffSource
from kiosk.ui.watchdog import SystemdNotifier


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data) - 4096, 4096 * 3):
        data[offset : offset + 8] = b"\xaa" * 8
    path.write_bytes(bytes(data))


def chapters(db: Path) -> list[str]:
    connection = lite.connect(db)
    try:
        return [c.id for c in load_catalogue(connection, "en").chapters]
    finally:
        connection.close()


@pytest.mark.logs_warnings
def test_a_damaged_database_is_set_aside_and_the_newest_good_backup_is_used(store: Store) -> None:
    with store.session() as session, session.begin():
        staff.delete(session, Key("chapter", "second"), by=COMMAND_LINE)  # a staff change the backup keeps
    good = backup.automatic_backup(store.path, "daily", keep=5)
    store.close()
    damage(store.path)
    start = startup.prepare(store.path)
    assert chapters(start.db_path) == ["first-steps"]  # the backup's content, staff change included
    assert any("damaged" in n for n in start.notices)
    assert any(
        f"rebuilt from the backup of {good.name[6:10]}-{good.name[10:12]}-{good.name[12:14]}" in n
        for n in start.notices
    ), start.notices
    kept = [p for p in store.path.parent.iterdir() if ".damaged-" in p.name]
    assert kept, "the damaged file is kept for staff"


@pytest.mark.logs_warnings
def test_without_a_usable_backup_the_kiosk_starts_from_its_bundled_content(store: Store) -> None:
    folder = store.path.parent / "backups"
    folder.mkdir()
    (folder / "kiosk-20260101-000000-daily.sqlite3").write_bytes(b"not a database at all")
    store.close()
    store.path.write_bytes(bytes(range(256)) * 16)  # the first page overwritten
    start = startup.prepare(store.path)
    assert chapters(start.db_path) == ["first-steps", "second"]
    assert any("bundled content" in n for n in start.notices)


@pytest.mark.logs_warnings
def test_a_read_only_disk_still_shows_the_content(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.close()
    from kiosk.db import store as store_module

    def read_only(_path: Path) -> Store:
        raise StoreError("the database is read-only: check the file's permissions and free disk space")

    monkeypatch.setattr(store_module, "open_store", read_only)
    monkeypatch.setattr("kiosk.services.library.open_store", read_only)
    monkeypatch.setattr(
        lite, "ready_to_read", lambda _path: False
    )  # as if the quick path could not be trusted
    start = startup.prepare(store.path)
    assert start.readonly and any("cannot save" in n for n in start.notices)
    source = ContentSource(start.db_path, start.notices, readonly=True)
    try:
        assert [c.id for c in source.catalogue("en").chapters] == ["first-steps", "second"]
        source.record("page", "first-steps/picture")  # quietly not counted
        with pytest.raises(sqlite3.OperationalError):
            source.connection.execute("DELETE FROM chapters")
    finally:
        source.close()


@pytest.fixture
def full_disk_source(store: Store) -> Iterator[ContentSource]:
    source = ContentSource(store.path)
    pages = source.connection.execute("PRAGMA page_count").fetchone()[0]
    source.connection.execute(
        f"PRAGMA max_page_count = {pages}"
    )  # as far as SQLite can tell, the disk is full
    yield source
    source.close()


@pytest.mark.logs_warnings
def test_a_full_disk_keeps_the_kiosk_showing_content_and_tells_staff(full_disk_source: ContentSource) -> None:
    source = full_disk_source
    start = dt.date(2026, 1, 1)
    for number in range(2000):  # a counter for every day, each a new row: the disk fills up
        source.usage.pending[
            ((start + dt.timedelta(days=number)).isoformat(), "page", "first-steps/picture")
        ] += 1
        source.flush_usage()
        if source.notices:
            break
    assert source.notices and "disk is full" in source.notices[0]
    assert [c.id for c in source.catalogue("en").chapters] == ["first-steps", "second"]


def test_a_staff_save_on_a_full_disk_is_refused_with_a_clear_message(store: Store) -> None:
    from sqlalchemy import event

    source = ContentSource(store.path)
    try:
        staff_source = StaffSource(source, lambda: COMMAND_LINE)

        @event.listens_for(staff_source.store.engine, "connect")
        def limit(connection: sqlite3.Connection, _record: object) -> None:
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages}")

        with pytest.raises(StoreError, match="disk is full"):
            staff_source.save_text(
                Key("faq_entry_text", "can-i-drive", "en"),
                {"question": "Can I drive?", "markdown": "x" * 9_000},  # within the text limits
            )
    finally:
        source.close()


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # a heartbeat every 200 ms
    yield server
    server.close()


def received(server: socket.socket, into: list[tuple[float, str]]) -> list[tuple[float, str]]:
    while True:
        try:
            into.append((time.monotonic(), server.recv(4096).decode()))
        except BlockingIOError:
            return into


def test_systemd_hears_ready_then_a_heartbeat_from_the_ui_thread(
    qtbot: QtBot, notify_socket: socket.socket
) -> None:
    notifier = SystemdNotifier()
    notifier.ready()
    messages: list[tuple[float, str]] = []
    qtbot.wait_until(lambda: sum(m == "WATCHDOG=1" for _, m in received(notify_socket, messages)) >= 2)
    assert messages[0][1].startswith("READY=1")
    notifier.stopping()
    assert received(notify_socket, messages)[-1][1] == "STOPPING=1"


def test_a_hung_ui_stops_the_heartbeat(qtbot: QtBot, notify_socket: socket.socket) -> None:
    notifier = SystemdNotifier()
    notifier.ready()
    messages: list[tuple[float, str]] = []
    qtbot.wait_until(lambda: any(m == "WATCHDOG=1" for _, m in received(notify_socket, messages)))
    hang_started = time.monotonic()
    time.sleep(1.0)  # the UI thread is stuck: no event loop, so no heartbeat (this is the fault under test)
    received(notify_socket, messages)
    during = [t for t, m in messages if m == "WATCHDOG=1" and hang_started < t < hang_started + 0.9]
    assert during == []
    qtbot.wait_until(
        lambda: any(t > hang_started + 1.0 for t, m in received(notify_socket, messages) if m == "WATCHDOG=1")
    )
    notifier.stopping()


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = SystemdNotifier()
    assert not notifier.enabled and not notifier.send("READY=1")
    notifier.ready()
    assert not notifier.heartbeat.isActive()


@pytest.mark.logs_warnings
def test_the_daily_backup_reports_failure_to_staff(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.ui.app import DailyBackup

    source = ContentSource(store.path)
    try:

        def fail(*_args: object) -> Path:
            raise StoreError("cannot write the backup: disk full")

        monkeypatch.setattr(backup, "automatic_backup", fail)
        DailyBackup(source).check()
        assert source.notices == ["The daily backup failed: cannot write the backup: disk full"]
        assert os.path.exists(store.path)
    finally:
        source.close()

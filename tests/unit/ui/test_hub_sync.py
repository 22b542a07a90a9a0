"""The running kiosk visits its hub on a worker thread: a hub that never answers costs patients nothing, failures
back off quietly, and staff (never patients) hear of a hub out of reach for a day or a release refused."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.content import signing
from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import fleet
from kiosk.ui.app import HubSync
from kiosk.ui.data import ContentSource
from kiosk.ui.window import KioskWindow
from tests.helpers.loop import GapMeter
from tests.helpers.ui import console, open_window


@pytest.fixture
def silent_hub() -> Iterator[int]:
    """A port that accepts connections and never says a word, like a hub that hangs."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield int(server.getsockname()[1])
    server.close()


def join(store: Store, tmp_path: Path, port: int) -> None:
    signing.generate(tmp_path / "group.key")
    key = (tmp_path / "group.key.pub").read_text().strip()
    line = fleet.Link(f"postgresql://k:pw@127.0.0.1:{port}/hub?sslmode=disable", "g1", "lobby", key).line()
    fleet.join(store.path, line)


def test_the_kiosk_ui_never_waits_on_a_hub_that_does_not_answer(
    qtbot: QtBot, store: Store, tmp_path: Path, silent_hub: int
) -> None:
    join(store, tmp_path, silent_hub)
    window = open_window(qtbot, store)
    sync = HubSync(store.path, window.source, window)
    meter = GapMeter()
    meter.start()
    with qtbot.wait_signal(sync.finished, timeout=30_000) as outcome:
        sync.check_now()
    longest = meter.stop()
    result = outcome.args[0]
    assert isinstance(result, fleet.Outcome) and not result.ok and "cannot reach the hub" in result.line
    assert "timeout expired" in result.line  # it waited for the hub (fleet.CONNECT_TIMEOUT_S) ...
    assert meter.ticks > 50  # ... and the loop ran all along, many times
    assert longest < 200, f"the event loop stalled for {longest} ms"


def test_failures_back_off_and_a_good_visit_goes_back_to_the_usual_pace(qtbot: QtBot, store: Store) -> None:
    source = ContentSource(store.path)
    sync = HubSync(store.path, source)
    delays = []
    for ok in (False, False, False, True):
        sync.finished.emit(fleet.Outcome(True, ok, "visited"))
        delays.append(sync.timer.interval() / 1000)
    sync.stop()
    source.close()
    assert delays[:3] == [60, 120, 240]
    assert HubSync.INTERVAL_S * 0.9 <= delays[3] <= HubSync.INTERVAL_S * 1.1


def test_a_kiosk_that_has_not_joined_just_looks_again_later(qtbot: QtBot, store: Store) -> None:
    source = ContentSource(store.path)
    sync = HubSync(store.path, source)
    with qtbot.wait_signal(sync.finished, timeout=10_000) as outcome:
        sync.check_now()
    sync.stop()
    source.close()
    assert outcome.args[0].joined is False and sync.failures == 0 and source.notices == []
    assert sync._process is None and not sync.running  # nothing to visit: no process was started


@pytest.mark.logs_warnings  # staff notices are logged as warnings
def test_staff_hear_of_a_hub_out_of_reach_for_a_day_and_of_a_refused_release(
    qtbot: QtBot, store: Store, tmp_path: Path, silent_hub: int
) -> None:
    join(store, tmp_path, silent_hub)
    connection = lite.connect(store.path)
    try:
        state = fleet.State.read(connection)
        state.last_contact = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=2)).isoformat()
        with lite.transaction(connection):
            state.write(connection)
        notice = fleet.contact_notice(connection)
    finally:
        connection.close()
    assert notice is not None and "has not reached its hub for 2 day(s)" in notice
    source = ContentSource(store.path)
    sync = HubSync(store.path, source)
    sync.finished.emit(fleet.Outcome(True, False, "release 3 is refused: it is not signed", refused=True))
    sync.finished.emit(fleet.Outcome(True, False, "cannot reach the hub", quiet_notice=notice))
    assert notice in source.notices
    assert any("release 3 is refused" in line for line in source.notices)
    sync.finished.emit(fleet.Outcome(True, True, "up to date"))  # reached again: the notice goes
    assert notice not in source.notices
    sync.stop()
    source.close()


def test_the_console_says_which_group_the_kiosk_trusts_and_when_it_last_reached_the_hub(
    qtbot: QtBot, window: KioskWindow, store: Store, tmp_path: Path, silent_hub: int
) -> None:

    staff = console(window)
    staff.show_panel("transfer")
    assert "has not joined a clinic group's hub" in staff.transfer.group_status.text()
    join(store, tmp_path, silent_hub)
    key = (tmp_path / "group.key.pub").read_text().strip()
    staff.show_panel("transfer")
    shown = staff.transfer.group_status.text()
    assert "Clinic group g1, as kiosk lobby" in shown and signing.fingerprint(key) in shown
    assert "The hub has not been reached yet." in shown and "No release from the hub yet." in shown
    connection = lite.connect(store.path)
    try:
        state = fleet.State.read(connection)
        state.release, state.last_contact = 4, "2026-01-02T03:04:05"
        with lite.transaction(connection):
            state.write(connection)
    finally:
        connection.close()
    staff.show_panel("transfer")
    shown = staff.transfer.group_status.text()
    assert "Release 4 is on this kiosk." in shown and "last reached 2026-01-02 03:04:05 UTC" in shown
    assert "has not reached its hub for" in shown

"""The running kiosk and its database: changes made by another program show at the next idle reset (never in the
middle of a page), a deleted database is never silently made again, and a read-only or busy disk neither stops
staff logging in, nor makes the kiosk exit, nor makes a patient's tap wait."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk import cli
from kiosk.content.state import Key
from kiosk.db import backup, lite
from kiosk.db.store import Store
from kiosk.services import auth, staff
from kiosk.services.auth import COMMAND_LINE
from kiosk.ui.app import ErrorHandler
from kiosk.ui.data import MISSING_NOTICE, ContentSource
from kiosk.ui.screens.staff import StaffLoginScreen
from kiosk.ui.window import KioskWindow
from tests.helpers.ui import open_window

PIN = "482916"


def chapters(window: KioskWindow) -> list[str]:
    return [c.id for c in window.source.catalogue("en").chapters]


def login(window: KioskWindow) -> StaffLoginScreen:
    window.move_to("staff-login")
    screen = window.screen_named("staff-login")
    assert isinstance(screen, StaffLoginScreen)
    return screen


def enter(screen: StaffLoginScreen, pin: str) -> None:
    for digit in pin:
        screen.keypad.press(digit)
    screen.keypad.submit()


def set_pin(store: Store) -> None:
    with store.session() as session, session.begin():
        auth.set_pin(session, PIN)


@pytest.mark.parametrize("how", ["restore", "import"])
def test_a_change_made_outside_the_kiosk_shows_at_the_next_idle_reset_not_mid_page(
    qtbot: QtBot,
    store: Store,
    content_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    both = backup.backup(store.path, tmp_path / "both.sqlite3")
    with store.session() as session, session.begin():
        staff.delete(session, Key("chapter", "second"), by=COMMAND_LINE)
    window = open_window(qtbot, store)
    try:
        window.move_to("reader", chapter="first-steps", page=1)
        assert chapters(window) == ["first-steps"]
        if how == "restore":
            command = ["--db", str(store.path), "restore", str(both)]
        else:
            usb = shutil.copytree(content_dir, tmp_path / "usb")  # not the bundled folder: it replaces
            command = ["--db", str(store.path), "content", "import", str(usb)]
        assert cli.main(command) == 0, capsys.readouterr().err
        with qtbot.assert_not_emitted(window.source.content_changed, wait=300):
            pass  # the patient reading now sees no change under their finger
        assert chapters(window) == ["first-steps"] and window.current == "reader"
        with qtbot.wait_signal(window.source.content_changed):
            window.reset_session()
        assert chapters(window) == ["first-steps", "second"]
    finally:
        window.idle.stop()
        window.gesture.uninstall()
        window.allow_close = True
        window.close()


@pytest.mark.logs_warnings
def test_a_deleted_data_folder_is_never_made_again_empty_by_the_staff_console(
    store: Store, window: KioskWindow
) -> None:
    set_pin(store)
    screen = login(window)
    enter(screen, PIN)
    assert window.current == "staff-menu"
    store.close()
    for part in store.path.parent.glob("kiosk.sqlite3*"):
        part.unlink()
    window.staff_menu.console_button.click()
    assert window.current == "staff-menu"
    assert MISSING_NOTICE in window.staff_menu.notices.text()
    assert not store.path.exists()
    assert window.source.catalogue("en").chapters  # patients still see the content
    window.reset_session()
    assert not store.path.exists() and window.source.notices.count(MISSING_NOTICE) == 1


def readonly_window(qtbot: QtBot, store: Store) -> KioskWindow:
    window = KioskWindow(ContentSource(store.path, readonly=True))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.mark.logs_warnings
def test_on_a_read_only_disk_the_right_pin_works_and_wrong_ones_lock_without_exiting(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_pin(store)
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", staticmethod(lambda code=0: exits.append(code)))
    window = readonly_window(qtbot, store)
    errors = ErrorHandler(window)
    errors.install()
    try:
        screen = login(window)
        enter(screen, PIN)
        assert window.current == "staff-menu"
        screen = login(window)
        for _ in range(auth.FREE_TRIES):
            enter(screen, "000000")
        assert screen.locked and "Try again in 30 seconds" in screen.message.text()
        for _ in range(20):  # many more tries in a few seconds: the lockout holds, nothing fails
            screen.enter()
            enter(screen, PIN)
        assert window.current == "staff-login" and screen.locked
        assert "read-only" in (window.source.pin_guard.unsaved or "")
        assert list(errors.recent) == [] and exits == []
    finally:
        errors.uninstall()
        window.allow_close = True
        window.close()


@pytest.fixture
def held(store: Store) -> Iterator[threading.Timer]:
    """A kiosk with a PIN, whose database another program (a command-line import, say) holds the write lock of
    for half a second."""
    set_pin(store)
    holder = sqlite3.connect(store.path, check_same_thread=False, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE settings SET updated_at = updated_at")
    release = threading.Timer(0.5, holder.execute, ["COMMIT"])
    release.start()
    yield release
    release.join()
    holder.close()


def usage_rows(path: Path) -> int:
    connection = lite.connect(path, readonly=True)
    try:
        return int(connection.execute("SELECT count(*) FROM usage_counts").fetchone()[0])
    finally:
        connection.close()


# If anything below waited for the lock, the lock would be released while it waited and the write would land;
# written at once or not at all, it finds the lock still held and keeps what it meant to write for later.


def test_taps_never_wait_for_another_programs_write_lock(store: Store, held: threading.Timer) -> None:
    source = ContentSource(store.path)
    try:
        for page in ("first-steps/picture", "first-steps/links", "second/driving"):
            source.record("page", page)
        source.flush_usage()
        assert sum(source.usage.pending.values()) == 3
        assert source.notices == []  # busy is not a fault to report
        held.join()
        source.flush_usage()  # the next try, after the other program finished
        assert source.usage.pending == {} and usage_rows(store.path) == 3
    finally:
        source.close()


@pytest.mark.logs_warnings
def test_a_pin_check_never_waits_for_another_programs_write_lock(store: Store, held: threading.Timer) -> None:
    source = ContentSource(store.path)
    try:
        assert source.verify_pin(auth.FIRST_ADMIN, "000000") is None
        assert "busy" in (source.pin_guard.unsaved or "")  # kept in memory: the lock was still held
        held.join()
        assert source.verify_pin(auth.FIRST_ADMIN, PIN) is not None
        assert source.pin_guard.unsaved is None
    finally:
        source.close()

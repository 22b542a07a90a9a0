"""The real program in a real X window (Xvfb), driven with xdotool like a person at the keyboard."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.xvfb import VirtualScreen

pytestmark = pytest.mark.e2e
KIOSK = str(Path(sys.executable).parent / "kiosk")
TITLE = "Ketamine patient education"


def wait_for(check: object, timeout: float, what: str) -> object:
    """Poll a condition in another process (pytest-qt's waits only see this process's Qt)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()  # type: ignore[operator]
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def display(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """An X server of its own (1920x1080, or the size the test asks for with `indirect`)."""
    if not shutil.which("Xvfb") or not shutil.which("xdotool"):
        pytest.skip("needs Xvfb and xdotool (.ci/run installs them)")
    width, height = (int(n) for n in getattr(request, "param", "1920x1080").split("x"))
    screen = VirtualScreen(width, height)
    env = {
        **os.environ,
        "DISPLAY": screen.display,
        "QT_QPA_PLATFORM": "xcb",
        "KIOSK_DB": str(tmp_path / "kiosk.sqlite3"),
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
    }
    yield env
    screen.close()


def window_of(kiosk: subprocess.Popen[str], env: dict[str, str]) -> str:
    """The kiosk's visible window once it is up; if the kiosk exits first, what it printed, at once."""

    def shown() -> str:
        if kiosk.poll() is not None:
            _, errors = kiosk.communicate()
            raise AssertionError(f"the kiosk exited ({kiosk.returncode}) before showing a window:\n{errors}")
        return xdotool(env, "search", "--onlyvisible", "--name", TITLE)

    return str(wait_for(shown, 60, "the kiosk window")).split()[0]


def xdotool(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def geometry(env: dict[str, str], window: str) -> tuple[str, str]:
    """(position, size) as xdotool reports them, e.g. ("0,0", "1920x1080")."""
    lines = xdotool(env, "getwindowgeometry", window).splitlines()
    position = next((line.split()[1] for line in lines if "Position:" in line), "")
    size = next((line.split()[1] for line in lines if "Geometry:" in line), "")
    return position, size


def test_kiosk_mode_starts_without_a_staff_pin_and_says_how_to_set_one(display: dict[str, str]) -> None:
    kiosk = subprocess.Popen(
        [KIOSK, "run", "--kiosk"], env=display, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        window_of(kiosk, display)
    finally:
        kiosk.terminate()  # as systemd stops it: a clean exit
        _, errors = kiosk.communicate(timeout=20)
    assert kiosk.returncode == 0, errors
    assert "staff notice: No staff account is set, so nobody can open the staff menu" in errors
    assert "kiosk staff add NAME --role admin" in errors and "Traceback" not in errors


MIDDLE_CLICK = r"""
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from kiosk.ui.screens.faq import SearchField

app = QApplication([])
assert QGuiApplication.clipboard().supportsSelection(), "no X selection"
for field in (QLineEdit(), SearchField()):
    field.show()
    QTest.qWaitForWindowExposed(field)
    QGuiApplication.clipboard().setText("the last patient's question", QClipboard.Mode.Selection)
    QTest.mouseClick(field, Qt.MouseButton.MiddleButton, pos=QPoint(10, 10))
    print(type(field).__name__, repr(field.text()))
"""


def test_a_middle_click_pastes_the_x_selection_into_a_plain_field_but_not_the_search(
    display: dict[str, str],
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", MIDDLE_CLICK],
        env=display,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['QLineEdit "the last patient\'s question"', "SearchField ''"]


def test_kiosk_mode_is_full_screen_and_survives_the_escape_keys(display: dict[str, str]) -> None:
    subprocess.run(
        [KIOSK, "pin", "set"],
        input="482916\n",
        text=True,
        env=display,
        check=True,
        capture_output=True,
        timeout=60,
    )
    kiosk = subprocess.Popen(
        [KIOSK, "run", "--kiosk"], env=display, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        window = window_of(kiosk, display)
        wait_for(
            lambda: geometry(display, window) == ("0,0", "1920x1080"), 10, "the window to fill the screen"
        )
        for keys in ("alt+F4", "Escape", "ctrl+q", "ctrl+w", "F11"):
            xdotool(display, "key", "--window", window, keys)
        xdotool(
            display, "mousemove", "960", "540", "click", "1"
        )  # wakes the attract screen: an event loop turn
        time.sleep(1)  # past the wake guard, which swallows taps for a moment after waking
        xdotool(display, "click", "1")  # a chapter's tile in the middle of the home screen: a page read
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # it must stay up for the whole time, not just at the end
            assert kiosk.poll() is None, kiosk.stderr.read() if kiosk.stderr else ""
            assert xdotool(display, "search", "--onlyvisible", "--name", TITLE)
            time.sleep(0.2)
        assert geometry(display, window) == ("0,0", "1920x1080")
    finally:
        kiosk.terminate()
        try:
            _, errors = kiosk.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            kiosk.kill()
            _, errors = kiosk.communicate()
    assert "Traceback" not in errors
    connection = sqlite3.connect(display["KIOSK_DB"])  # written when systemd's SIGTERM ended it cleanly
    try:
        woken = connection.execute("SELECT sum(count) FROM usage_counts WHERE event = 'page'").fetchone()[0]
    finally:
        connection.close()
    assert woken, "the click reached the kiosk: keys were sent to a live window"


@pytest.mark.parametrize("display", ["1280x800"], indirect=True)
def test_the_window_to_try_the_kiosk_fits_a_small_screen(display: dict[str, str]) -> None:
    """`make run` (a window, not kiosk mode) on a laptop-sized screen shows the whole kiosk, footer included."""
    kiosk = subprocess.Popen(
        [KIOSK, "run"], env=display, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        window = window_of(kiosk, display)
        width, height = (int(n) for n in geometry(display, window)[1].split("x"))
    finally:
        kiosk.terminate()
        kiosk.communicate(timeout=20)
    assert width <= 1280 and height <= 800, (width, height)

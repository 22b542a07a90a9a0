"""The running kiosk pulls a release in a process of its own; patients see it at the next idle reset, never mid-page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.ui.app import HubSync, create_application
from kiosk.ui.data import ContentSource
from kiosk.ui.window import KioskWindow
from tests.helpers.hub import Hub, edited_copy, fixture_bundle, make_hub, make_kiosk, run
from tests.helpers.loop import GapMeter
from tests.helpers.ui import open_window

__all__ = ["fixture_bundle"]
pytestmark = pytest.mark.usefixtures("fixture_bundle")


@pytest.fixture
def window(
    qtbot: QtBot, qapp: QApplication, hub_url: str, tmp_path: Path
) -> Iterator[tuple[KioskWindow, Hub]]:
    create_application()
    hub = make_hub(hub_url, tmp_path)
    hub.publish()
    kiosk = make_kiosk(tmp_path / "k.sqlite3", hub.enroll("lobby"))
    run("--db", str(kiosk), "sync")
    win = open_window(qtbot, ContentSource(kiosk), 1280, 800)
    yield win, hub
    win.idle.stop()
    win.gesture.uninstall()
    win.allow_close = True
    win.close()
    win.source.close()


def answer(window: KioskWindow) -> str:
    question = window.source.catalogue("en").question("can-i-drive")
    assert question is not None
    return question.html


def test_a_release_reaches_patients_at_the_next_idle_reset_never_mid_page(
    qtbot: QtBot, window: tuple[KioskWindow, Hub], tmp_path: Path
) -> None:
    win, hub = window
    win.move_to("faq")
    assert "Please bring a driver." in answer(win)
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Please bring a driver you trust."))
    hub.publish()
    sync = HubSync(win.source.db_path, win.source, win)
    meter = GapMeter()
    meter.start()
    with qtbot.wait_signal(sync.finished, timeout=60_000) as outcome:
        sync.check_now()
    longest = meter.stop()
    sync.stop()
    assert outcome.args[0].ok and "release 2 imported" in outcome.args[0].line
    # Fetched, checked, backed up and imported, and the screen never waited for any of it.
    assert meter.ticks > 10 and longest < 200, f"the event loop stalled for {longest} ms"
    assert (
        "Please bring a driver." in answer(win) and win.current == "faq"
    )  # the patient reads on, undisturbed
    win.reset_session()
    assert "Please bring a driver you trust." in answer(win)

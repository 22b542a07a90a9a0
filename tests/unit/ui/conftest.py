"""A real kiosk window over the fixture content, for each UI test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.db.store import Store
from kiosk.ui.app import create_application
from kiosk.ui.window import KioskWindow
from tests.helpers.ui import open_window


@pytest.fixture(scope="session", autouse=True)
def fonts(qapp: QApplication) -> None:
    create_application()  # loads Atkinson Hyperlegible into the test application


@pytest.fixture
def window(qtbot: QtBot, store: Store) -> Iterator[KioskWindow]:
    win = open_window(qtbot, store)
    yield win
    win.idle.stop()
    win.gesture.uninstall()
    win.allow_close = True
    win.close()

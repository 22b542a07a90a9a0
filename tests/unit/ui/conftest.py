"""A real kiosk window over the fixture content, for each UI test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.db.store import Store
from kiosk.ui.app import create_application
from kiosk.ui.data import ContentSource
from kiosk.ui.window import KioskWindow


@pytest.fixture(scope="session", autouse=True)
def fonts(qapp: QApplication) -> None:
    create_application()  # loads Atkinson Hyperlegible into the test application


def open_window(
    qtbot: QtBot, store: Store, width: int = 1920, height: int = 1080, **options: object
) -> KioskWindow:
    window = KioskWindow(ContentSource(store.path), **options)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()  # sized, shown and left to lay itself out, as `kiosk run` does: no extra restyle
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, store: Store) -> Iterator[KioskWindow]:
    win = open_window(qtbot, store)
    yield win
    win.idle.stop()
    win.gesture.uninstall()
    win.allow_close = True
    win.close()

"""Driving the real kiosk window in tests: opening it, tapping, reaching screens, and checking layouts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.db.store import Store
from kiosk.services.auth import COMMAND_LINE, Account
from kiosk.services.settings import update_settings
from kiosk.ui.data import ContentSource
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.staff.console import StaffConsole
from kiosk.ui.widgets import REPEAT_TAP_MS, TapArea
from kiosk.ui.window import KioskWindow


def open_window(
    qtbot: QtBot, store: Store | ContentSource, width: int = 1920, height: int = 1080, **options: object
) -> KioskWindow:
    source = store if isinstance(store, ContentSource) else ContentSource(store.path)
    window = KioskWindow(source, **options)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()  # sized, shown and left to lay itself out, as `kiosk run` does: no extra restyle
    qtbot.waitExposed(window)
    return window


def tap(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def tap_again(qtbot: QtBot, widget: QWidget) -> None:
    """A deliberate second tap on the same control: after the moment in which it would count as a double tap."""
    qtbot.wait(REPEAT_TAP_MS + 30)
    tap(qtbot, widget)


def reader(window: KioskWindow) -> ReaderScreen:
    screen = window.screen_named("reader")
    assert isinstance(screen, ReaderScreen)
    return screen


def faq(window: KioskWindow) -> FaqScreen:
    screen = window.screen_named("faq")
    assert isinstance(screen, FaqScreen)
    return screen


def home(window: KioskWindow) -> HomeScreen:
    screen = window.screen_named("home")
    assert isinstance(screen, HomeScreen)
    return screen


def wake(qtbot: QtBot, window: KioskWindow) -> None:
    tap(qtbot, window.attract)
    qtbot.wait_until(lambda: window.current == "home")
    window._guarding = False  # the wake guard is tested on its own


#: A clinician who also runs the kiosk, at a clinic that lets one person write and publish (most console tests);
#: the two-person rule has tests of its own.
ANA = Account("Ana Ruiz", ("reviewer", "admin"))


def console(window: KioskWindow, account: Account = ANA, *, self_review: bool = True) -> StaffConsole:
    """The staff console as `account` opens it from the staff menu."""
    with window.source.store.session() as session, session.begin():
        update_settings(session, {"allow_self_review": self_review}, by=COMMAND_LINE)
    window.ctx.staff = account
    window.move_to("staff-menu")
    window.staff_menu.console_button.click()
    screen = window.screen_named("staff-console")
    assert isinstance(screen, StaffConsole) and window.current == "staff-console"
    return screen


def visible(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.width() > 0 and widget.height() > 0


def search_settled(screen: FaqScreen) -> bool:
    """The questions screen has searched for what was typed (its typing pause is over)."""
    return not screen.search_timer.isActive()


def settled(qtbot: QtBot, check: Callable[[], list[str]], timeout: int = 2000) -> list[str]:
    """The problems `check` still finds once layouts have had time to settle (nested layouts finish over a few
    turns of the event loop, more slowly on a busy machine); a real problem persists and is returned."""
    try:
        qtbot.wait_until(lambda: check() == [], timeout=timeout)
    except Exception:
        return check()
    return []


def clipped_labels(root: QWidget) -> list[str]:
    problems = []
    for text_label in root.findChildren(QLabel):
        if not visible(text_label, root) or not text_label.text().strip():
            continue
        if text_label.wordWrap():
            needed = text_label.heightForWidth(text_label.contentsRect().width())
            if needed > text_label.contentsRect().height() + 2:
                problems.append(f"{text_label.text()[:40]!r} needs {needed}px, has {text_label.height()}")
        else:
            needed = text_label.fontMetrics().horizontalAdvance(text_label.text())
            if needed > text_label.contentsRect().width() + 2:
                problems.append(f"{text_label.text()[:40]!r} needs {needed}px wide, has {text_label.width()}")
    for button in root.findChildren(QPushButton):
        if visible(button, root) and button.text():
            needed = button.fontMetrics().horizontalAdvance(button.text())
            if needed > button.width():
                problems.append(f"button {button.text()[:40]!r} is too narrow")
    return problems


def overlapping(root: QWidget) -> list[str]:
    """Interactive widgets that cover each other (siblings only: a child inside its parent is fine)."""
    problems = []
    targets = [
        w for w in root.findChildren(QWidget) if isinstance(w, QAbstractButton | TapArea) and visible(w, root)
    ]
    by_parent: dict[int, list[QWidget]] = {}
    for widget in targets:
        by_parent.setdefault(id(widget.parentWidget()), []).append(widget)
    for group in by_parent.values():
        for index, first in enumerate(group):
            for second in group[index + 1 :]:
                if first.geometry().intersects(second.geometry()):
                    problems.append(
                        f"{first.objectName() or type(first).__name__} overlaps {second.objectName()}"
                    )
    return problems

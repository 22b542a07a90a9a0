"""Touch first: on every staff screen, at the sizes kiosks come in, no control is smaller than 48 px either way.

Controls are what a finger must hit: buttons (steppers and toggles are buttons), text fields, progress bars, and
the rows of lists and of the content tree (it has no expanders to hit: every row is a full-width target).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItemIterator,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kiosk.content.state import Key
from kiosk.db.store import Store
from kiosk.services import auth
from kiosk.ui.staff.console import StaffConsole
from kiosk.ui.window import KioskWindow
from tests.helpers.ui import open_window

SIZES = [(1280, 800), (1920, 1080)]
MINIMUM = 48


def shown(widget: QWidget, window: KioskWindow) -> bool:
    return widget.isVisibleTo(window) and widget.isVisible() and widget.width() > 0


def smallest_control(window: KioskWindow) -> tuple[int, str]:
    """The smallest side of any control on show, and what it is."""
    found: list[tuple[int, str]] = []
    for kind in (QAbstractButton, QLineEdit, QPlainTextEdit, QProgressBar):
        for widget in window.findChildren(kind):
            if shown(widget, window):
                text = widget.text() if isinstance(widget, QAbstractButton | QLineEdit) else ""
                found.append((min(widget.width(), widget.height()), f"{type(widget).__name__} {text!r}"))
    for view in window.findChildren(QAbstractItemView):
        if not shown(view, window):
            continue
        if isinstance(view, QTreeWidget):
            iterator = QTreeWidgetItemIterator(view)
            while iterator.value() is not None:
                item = iterator.value()
                rect = view.visualItemRect(item)
                if rect.isValid() and rect.intersects(view.viewport().rect()):
                    found.append((rect.height(), f"tree row {item.text(0)!r}"))
                iterator += 1
        elif isinstance(view, QListWidget):
            for row in range(view.count()):
                rect = view.visualItemRect(view.item(row))
                if rect.isValid() and rect.intersects(view.viewport().rect()):
                    found.append((rect.height(), f"list row {view.item(row).text()!r}"))
    assert found, "no controls found"
    return min(found)


def settle(qtbot: QtBot, window: KioskWindow) -> None:
    window.restyle()
    qtbot.wait_until(lambda: not window.restyle_timer.isActive())
    qtbot.wait(1)  # one turn of the event loop: layouts apply what the restyle asked for


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_staff_control_is_at_least_48_px(qtbot: QtBot, store: Store, width: int, height: int) -> None:
    with store.session() as session, session.begin():
        auth.add_account(session, "Ana Ruiz", ["reviewer", "admin"], "482916")
        auth.add_account(session, "Ben Cole", ["editor"], "615243")
    window = open_window(qtbot, store, width, height)
    measured: dict[str, tuple[int, str]] = {}

    def check(name: str) -> None:
        settle(qtbot, window)
        measured[name] = smallest_control(window)
        assert measured[name][0] >= MINIMUM, (name, measured[name])
        assert (window.width(), window.height()) == (width, height), name

    window.enter_staff()
    check("staff-login: who are you")
    window.screen_named("staff-login").choose("Ana Ruiz")  # type: ignore[attr-defined]
    check("staff-login: PIN")
    window.ctx.staff = auth.Account("Ana Ruiz", ("reviewer", "admin"))
    window.move_to("staff-menu")
    check("staff-menu")
    window.staff_menu.exit_button.click()
    check("staff-menu: exit asked")
    window.staff_menu.console_button.click()
    console = window.screen_named("staff-console")
    assert isinstance(console, StaffConsole)
    console.open_item(Key("page", "first-steps/picture"))
    check("staff-editor")
    console.open_item(Key("faq_entry", "can-i-drive"))
    check("staff-editor: an answer")
    window.activateWindow()  # as the kiosk's only window is
    console.editor.editors["en"].markdown.setFocus()
    qtbot.wait_until(console.keyboard.isVisible)
    check("staff-editor: the on-screen keyboard")
    console.hide_keyboard()
    for panel in ("settings", "transfer", "changes", "pictures"):
        console.show_panel(panel)
        check(f"staff-console: {panel}")
    print("smallest control per screen:", {name: size for name, (size, _) in measured.items()})
    window.allow_close = True

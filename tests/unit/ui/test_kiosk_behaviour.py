"""Idle reset and session wipe, lockdown, the staff gesture and PIN keypad, and recovering from errors."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import auth
from kiosk.ui.app import ErrorHandler
from kiosk.ui.lockdown import InputLock
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.screens.staff import StaffLoginScreen
from kiosk.ui.window import KioskWindow
from tests.helpers.ui import open_window, tap, wake


def test_idle_warning_counts_down_then_resets(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.idle.configure(0.2, 2)
    window.idle.start()
    qtbot.wait_until(lambda: window.overlay.isVisible(), timeout=3000)
    assert window.overlay.count.text() == "2" and "2 seconds" in window.overlay.body.text()
    assert window.overlay.button.text() == "Keep reading"
    with qtbot.wait_signal(window.session_reset, timeout=5000):
        pass
    assert window.current == "attract" and not window.overlay.isVisible()


def test_keep_reading_dismisses_the_warning(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.idle.configure(0.2, 20)
    window.idle.start()
    qtbot.wait_until(lambda: window.overlay.isVisible(), timeout=3000)
    tap(qtbot, window.overlay.button)
    assert not window.overlay.isVisible() and not window.idle.warning and window.current == "home"
    assert window.idle.idle_timer.isActive()


@pytest.mark.parametrize("kind", ["touch", "mouse", "key"])
def test_touch_mouse_and_keys_restart_the_idle_timer(qtbot: QtBot, window: KioskWindow, kind: str) -> None:
    wake(qtbot, window)
    window.idle.configure(3, 20)
    window.idle.start()
    # Some idle time passes (a coarse timer reports its time to within 5%, so the margins are wider than that).
    qtbot.wait_until(lambda: window.idle.idle_timer.remainingTime() < 2_400)
    target = window.screen_named("home")
    if kind == "key":
        qtbot.keyClick(target, Qt.Key.Key_A)
    elif kind == "mouse":
        qtbot.mouseMove(target, QPoint(200, 200))
        qtbot.mouseMove(target, QPoint(210, 230))
    else:
        from PySide6.QtGui import QPointingDevice
        from PySide6.QtTest import QTest

        device = QTest.createTouchDevice(QPointingDevice.DeviceType.TouchScreen)
        QTest.touchEvent(target, device).press(0, QPoint(100, 100)).commit()
        QTest.touchEvent(target, device).release(0, QPoint(100, 100)).commit()
    assert window.idle.idle_timer.remainingTime() > 2_600  # counted afresh from the input


def test_the_session_is_wiped_completely(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.session.set_lang("es")
    window.session.set_text_size(2)
    window.session.set_high_contrast(True)
    window.navigate("reader", chapter="first-steps", page=1)
    window.navigate("faq", question="can-i-drive")
    faq = window.screen_named("faq")
    assert isinstance(faq, FaqScreen)
    faq.show_keyboard()
    faq.search.setText("manejar")
    window.reset_session()
    assert window.current == "attract"
    assert (window.session.lang, window.session.text_size, window.session.high_contrast) == ("en", 0, False)
    assert window.session.positions == {} and window.history == []  # where they were, and the way back
    assert faq.search.text() == "" and faq.open_id == "" and not any(i.is_open for i in faq.items.values())
    assert faq.keyboard.isHidden()
    reader = window.screen_named("reader")
    assert isinstance(reader, ReaderScreen)
    assert reader.chapter_id == "" and reader.index == 0
    assert window.ctx.palette.name == "normal" and window.ctx.metrics.text == 1.0
    wake(qtbot, window)
    assert faq.search.text() == "" and window.bar.language_buttons["en"].property("active") is True


def test_the_attract_screen_is_not_watched_for_idle(qtbot: QtBot, window: KioskWindow) -> None:
    assert window.current == "attract" and not window.idle.active
    wake(qtbot, window)
    assert (window.idle.active, window.idle.idle_timer.isActive()) == (True, True)


def key(code: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, code, modifiers)


@pytest.mark.parametrize(
    ("code", "modifiers"),
    [
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
    ],
)
def test_lockdown_swallows_the_escape_keys(
    qtbot: QtBot, store: Store, code: Qt.Key, modifiers: Qt.KeyboardModifier
) -> None:
    window = open_window(qtbot, store, kiosk_mode=True)
    lock = InputLock(window)
    lock.install()
    reached: list[int] = []
    window.keyPressEvent = lambda event: reached.append(event.key())  # type: ignore[method-assign]
    try:
        QApplication.sendEvent(window, key(code, modifiers))
        assert lock.blocked >= 1 and reached == []
        QApplication.sendEvent(window, key(Qt.Key.Key_A))
        assert reached == [Qt.Key.Key_A]  # other keys still arrive
        assert not window.close() and window.isVisible()
        assert not InputLock.is_blocked_key(key(Qt.Key.Key_A))
        assert not InputLock.is_blocked_key(key(Qt.Key.Key_F4))
    finally:
        lock.uninstall()
        window.allow_close = True
        window.close()


def test_lockdown_refuses_context_menus(qtbot: QtBot, window: KioskWindow) -> None:
    from PySide6.QtGui import QContextMenuEvent

    lock = InputLock(window)
    lock.install()
    try:
        event = QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, QPoint(10, 10), window.mapToGlobal(QPoint(10, 10))
        )
        assert lock.eventFilter(window, event) is True
    finally:
        lock.uninstall()


def test_an_ordinary_window_closes_normally(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, store)
    assert window.close()


def corner_tap(qtbot: QtBot, window: KioskWindow, hold: bool = False) -> None:
    point = QPoint(30, 30)
    target = window.childAt(point) or window
    local = target.mapFrom(window, point)
    qtbot.mousePress(target, Qt.MouseButton.LeftButton, pos=local)
    if not hold:
        qtbot.mouseRelease(target, Qt.MouseButton.LeftButton, pos=local, delay=30)


def test_three_taps_and_a_hold_in_the_corner_open_the_pin_keypad(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.gesture.HOLD_MS = 300
    for _ in range(3):
        corner_tap(qtbot, window)
    corner_tap(qtbot, window, hold=True)
    qtbot.wait_until(lambda: window.current == "staff-login", timeout=2000)


@pytest.mark.parametrize("taps", [0, 1, 2])
def test_too_few_taps_or_a_short_hold_do_nothing(qtbot: QtBot, window: KioskWindow, taps: int) -> None:
    wake(qtbot, window)
    window.gesture.HOLD_MS = 200
    with qtbot.assert_not_emitted(window.gesture.triggered, wait=400):  # twice the hold
        for _ in range(taps):
            corner_tap(qtbot, window)
        corner_tap(qtbot, window, hold=True)
    assert window.current == "home"


def test_taps_outside_the_corner_restart_the_sequence(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.gesture.HOLD_MS = 200
    corner_tap(qtbot, window)
    corner_tap(qtbot, window)
    tap(qtbot, window.bar.home_button)
    with qtbot.assert_not_emitted(window.gesture.triggered, wait=400):  # twice the hold
        corner_tap(qtbot, window)
        corner_tap(qtbot, window, hold=True)
    assert window.current == "home"


def login(window: KioskWindow) -> StaffLoginScreen:
    window.move_to("staff-login")
    screen = window.screen_named("staff-login")
    assert isinstance(screen, StaffLoginScreen)
    return screen


def enter(screen: StaffLoginScreen, pin: str) -> None:
    for digit in pin:
        screen.keypad.buttons[digit].click()
    screen.keypad.enter_key.click()


def test_the_right_pin_opens_the_staff_menu(qtbot: QtBot, store: Store, window: KioskWindow) -> None:
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
    screen = login(window)
    assert screen.keypad.entered == 0
    enter(screen, "482916")
    assert window.current == "staff-menu" and window.ctx.staff == auth.Account(
        "Administrator", ("reviewer", "admin")
    )
    window.staff_menu.return_button.click()
    assert window.current == "attract" and window.ctx.staff is None  # the next patient finds the kiosk as new


def test_five_wrong_pins_lock_the_keypad_for_a_growing_time(
    qtbot: QtBot, store: Store, window: KioskWindow
) -> None:
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
    screen = login(window)
    for attempt in range(4):
        enter(screen, "111222")
        assert screen.message.text() == "That PIN is not right. Please try again.", attempt
        assert not screen.locked
    enter(screen, "111222")
    assert screen.locked and not screen.keypad.enter_key.isEnabled()
    assert "Try again in 30 seconds" in screen.message.text()
    enter(screen, "482916")  # keys are disabled: nothing happens
    assert window.current == "staff-login"
    with store.session() as session, session.begin():  # time passes
        lite.execute(
            session, "UPDATE staff_accounts SET locked_until = :past", {"past": "2000-01-01 00:00:00"}
        )
    screen.enter()
    enter(screen, "000000")  # the sixth wrong PIN locks for twice as long
    assert screen.locked and "Try again in 60 seconds" in screen.message.text()


def test_the_keypad_says_when_no_pin_is_set(window: KioskWindow) -> None:
    screen = login(window)
    assert "kiosk staff add NAME --role admin" in screen.message.text() and not screen.keypad.isVisible()


def test_the_pin_is_never_logged(
    qtbot: QtBot, store: Store, window: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
    screen = login(window)
    enter(screen, "907531")
    enter(screen, "482916")
    assert "907531" not in caplog.text and "482916" not in caplog.text


@pytest.mark.logs_warnings
@pytest.mark.qt_no_exception_capture
def test_an_error_in_the_ui_is_logged_and_the_kiosk_goes_home(
    qtbot: QtBot, window: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page=1)
    handler = ErrorHandler(window)
    handler.install()
    try:

        def broken() -> None:
            raise RuntimeError("a bug in a slot")

        window.bar.contrast_button.clicked.connect(broken)
        tap(qtbot, window.bar.contrast_button)
        qtbot.wait_until(lambda: window.current == "home")
    finally:
        handler.uninstall()
    assert "a bug in a slot" in caplog.text


@pytest.mark.logs_warnings
def test_an_error_storm_exits_so_the_service_restarts_the_kiosk(
    qtbot: QtBot, window: KioskWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", staticmethod(lambda code=0: exits.append(code)))
    handler = ErrorHandler(window)
    for _ in range(5):
        try:
            raise RuntimeError("again")
        except RuntimeError as error:
            handler(RuntimeError, error, error.__traceback__)
    assert exits == [70]

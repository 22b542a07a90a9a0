"""Staff screens reached through the hidden corner gesture: the PIN keypad and the staff menu."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.errors import AuthError
from kiosk.ui.keys import Keypad
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import TouchButton, label

log = logging.getLogger(__name__)


def _card(ctx: Context, width: int) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("StaffCard")
    card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    card.setMaximumWidth(width)
    layout = QVBoxLayout(card)
    pad = ctx.metrics.px(24)
    layout.setContentsMargins(pad, pad, pad, pad)
    layout.setSpacing(ctx.metrics.px(10))
    return card, layout


def _centred(screen: QWidget, card: QWidget) -> None:
    outer = QVBoxLayout(screen)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(card, 4)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(1)


class StaffLoginScreen(Screen):
    """The PIN keypad. Wrong PINs lock it for a growing time (kept in the database across restarts)."""

    name = "staff-login"
    unlocked = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.card, layout = _card(ctx, 720)
        self.title = label("", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt = label("", "body")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label("", "body", name="PinMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.keypad = Keypad()
        self.keypad.submitted.connect(self.check)
        self.keypad.cancelled.connect(lambda: self.go("home"))
        for widget in (self.title, self.prompt, self.message, self.keypad):
            layout.addWidget(widget)
        _centred(self, self.card)
        self.lock_timer = QTimer(self)
        self.lock_timer.setObjectName("pin_lockout_timer")
        self.lock_timer.setInterval(1000)
        self.lock_timer.timeout.connect(self._tick)
        self._locked_for = 0

    def enter(self, **args: Any) -> None:
        self.keypad.clear()
        self.message.setText("")
        if not self.ctx.source.has_pin():
            self.message.setText(self.ctx.tr("staff.no_pin"))
            self.keypad.set_locked(True)
            return
        if self.ctx.source.lockout_seconds():
            self._lock()
            return
        self.keypad.set_locked(False)
        self.keypad.setFocus()

    def leave(self) -> None:
        self.keypad.clear()
        self.lock_timer.stop()

    def reset(self) -> None:
        self.keypad.clear()
        self.message.setText("")

    def refresh(self) -> None:
        self.title.setText(self.ctx.tr("staff.pin_title"))
        self.prompt.setText(self.ctx.tr("staff.pin_prompt"))
        self.keypad.set_texts(
            self.ctx.tr("staff.delete"), self.ctx.tr("staff.enter"), self.ctx.tr("staff.cancel")
        )

    def check(self, pin: str) -> None:
        try:
            right = self.ctx.source.verify_pin(pin)
        except AuthError as error:
            self._lock(error)
            return
        if right:
            log.info("staff unlocked the kiosk")
            self.message.setText("")
            self.unlocked.emit()
            self.go("staff-menu")
            return
        log.info("wrong staff PIN entered")
        self.message.setText(self.ctx.tr("staff.pin_wrong"))
        if self.ctx.source.lockout_seconds():  # that wrong PIN started a lockout: show it at once
            self._lock()

    def _lock(self, _error: AuthError | None = None) -> None:
        self._locked_for = max(1, self.ctx.source.lockout_seconds())
        self.keypad.set_locked(True)
        self._show_lock()
        self.lock_timer.start()

    def _show_lock(self) -> None:
        self.message.setText(self.ctx.tr("staff.locked", count=self._locked_for))

    def _tick(self) -> None:
        self._locked_for -= 1
        if self._locked_for <= 0:
            self.lock_timer.stop()
            self.keypad.set_locked(False)
            self.message.setText("")
        else:
            self._show_lock()

    @property
    def locked(self) -> bool:
        return self.lock_timer.isActive()


class StaffMenuScreen(Screen):
    name = "staff-menu"
    exit_requested = Signal()
    console_requested = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.card, layout = _card(ctx, 720)
        self.title = label("", "title")
        self.notices = label("", "body", name="StaffNotice")
        self.console_button = TouchButton("", "primary")
        self.return_button = TouchButton("", "primary")
        self.exit_button = TouchButton("")
        self.console_button.clicked.connect(self.console_requested.emit)
        self.return_button.clicked.connect(lambda: self.go("home"))
        self.exit_button.clicked.connect(self.exit_requested.emit)
        for widget in (self.title, self.notices, self.console_button, self.return_button, self.exit_button):
            layout.addWidget(widget)
        _centred(self, self.card)

    def enter(self, **args: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        notices = self.ctx.source.notices
        self.notices.setText("\n".join(notices))
        self.notices.setVisible(bool(notices))
        self.title.setText(self.ctx.tr("staff.menu_title"))
        self.console_button.setText(self.ctx.tr("staff.console"))
        self.return_button.setText(self.ctx.tr("staff.return"))
        self.exit_button.setText(self.ctx.tr("staff.exit"))

"""Staff screens reached through the hidden corner gesture: the PIN keypad and the staff menu."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.errors import AuthError
from kiosk.ui.keys import Keypad
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import TouchButton, clear_layout, label

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
    """Who is logging in (a large button per name), then their PIN on the keypad. Wrong PINs lock that account
    for a growing time (kept in the database across restarts, and in memory on a disk that cannot be written)."""

    name = "staff-login"
    unlocked = Signal(object)  # the Account

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.card, layout = _card(ctx, 720)
        self.title = label("", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt = label("", "body")
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label("", "body", name="PinMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.names = QWidget()
        self.names_layout = QVBoxLayout(self.names)
        self.names_layout.setContentsMargins(0, 0, 0, 0)
        self.name_buttons: dict[str, TouchButton] = {}
        self.keypad = Keypad()
        self.keypad.submitted.connect(self.check)
        self.keypad.cancelled.connect(self._cancel)
        self.cancel_names = TouchButton("")
        self.cancel_names.clicked.connect(self._leave_login)
        for widget in (self.title, self.prompt, self.message, self.names, self.cancel_names, self.keypad):
            layout.addWidget(widget)
        self.keypad.hide()  # shown once a name is chosen, in place of the names and their Cancel
        _centred(self, self.card)
        self.lock_timer = QTimer(self)
        self.lock_timer.setObjectName("pin_lockout_timer")
        self.lock_timer.setInterval(1000)
        self.lock_timer.timeout.connect(self._tick)
        self._locked_for = 0
        self.chosen = ""

    def enter(self, **args: Any) -> None:
        self.keypad.clear()
        self.message.setText("")
        self.ctx.staff = None
        if not self.ctx.source.has_pin():
            self.chosen = ""
            self._show_names([])
            self.message.setText(self.ctx.tr("staff.no_pin"))
            return
        accounts = self.ctx.source.accounts()
        if len(accounts) == 1:  # one person: straight to the keypad
            self.choose(accounts[0].name)
        else:
            self.chosen = ""
            self._show_names([a.name for a in accounts])

    def _show_names(self, names: list[str]) -> None:
        clear_layout(self.names_layout)
        self.name_buttons = {}
        for name in names:
            button = TouchButton(name, "primary")
            button.clicked.connect(lambda _=False, n=name: self.choose(n))
            self.name_buttons[name] = button
            self.names_layout.addWidget(button)
        self.names.show()
        self.cancel_names.show()
        self.keypad.hide()
        self.prompt.setText(self.ctx.tr("staff.who") if names else "")
        self.prompt.setVisible(bool(names))

    def choose(self, name: str) -> None:
        """`name` is logging in: show the keypad (locked while their lockout lasts)."""
        self.chosen = name
        self.names.hide()
        self.cancel_names.hide()
        self.keypad.show()
        self.keypad.clear()
        self.prompt.setText(self.ctx.tr("staff.pin_prompt", name=name))
        self.prompt.show()
        if self.ctx.source.lockout_seconds(name):
            self._lock()
            return
        self.lock_timer.stop()
        self.message.setText("")
        self.keypad.set_locked(False)
        self.keypad.setFocus()

    def _cancel(self) -> None:
        if len(self.name_buttons) > 1 and self.chosen:
            self.lock_timer.stop()
            self.message.setText("")
            self._show_names(list(self.name_buttons))
            self.chosen = ""
        else:
            self._leave_login()

    def _leave_login(self) -> None:
        """Cancel: back to the patients, or at the office (on a hub, where there are none) to the login's start."""
        self.go("staff-login" if self.ctx.source.is_hub else "home")

    def leave(self) -> None:
        self.keypad.clear()
        self.lock_timer.stop()

    def reset(self) -> None:
        self.keypad.clear()
        self.message.setText("")
        self.chosen = ""

    def refresh(self) -> None:
        self.title.setText(self.ctx.tr("staff.pin_title"))
        if self.chosen:
            self.prompt.setText(self.ctx.tr("staff.pin_prompt", name=self.chosen))
        self.cancel_names.setText(self.ctx.tr("staff.cancel"))
        self.keypad.set_texts(
            self.ctx.tr("staff.delete"), self.ctx.tr("staff.enter"), self.ctx.tr("staff.cancel")
        )

    def check(self, pin: str) -> None:
        if not self.chosen:
            return
        try:
            account = self.ctx.source.verify_pin(self.chosen, pin)
        except AuthError as error:
            self._lock(error)
            return
        if account is not None:
            log.info(
                "staff unlocked the kiosk"
            )  # never who, never the PIN: the history names who changed what
            self.message.setText("")
            self.ctx.staff = account
            self.unlocked.emit(account)
            self.go("staff-menu")
            return
        log.info("wrong staff PIN entered")
        self.message.setText(self.ctx.tr("staff.pin_wrong"))
        if self.ctx.source.lockout_seconds(self.chosen):  # that wrong PIN started a lockout: show it at once
            self._lock()

    def _lock(self, _error: AuthError | None = None) -> None:
        self._locked_for = max(1, self.ctx.source.lockout_seconds(self.chosen))
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
    """The way into the console, back to the kiosk (its attract screen, as a new patient would find it), or out
    to the desktop (admins only, after saying what that means)."""

    name = "staff-menu"
    exit_requested = Signal()
    console_requested = Signal()
    return_requested = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.card, layout = _card(ctx, 720)
        self.title = label("", "title")
        self.who = label("", "body", name="StaffWho")
        self.notices = label("", "body", name="StaffNotice")
        self.console_button = TouchButton("", "primary")
        self.return_button = TouchButton("", "primary")
        self.exit_button = TouchButton("")
        self.confirm = QWidget()
        confirm = QVBoxLayout(self.confirm)
        confirm.setContentsMargins(0, 0, 0, 0)
        self.confirm_text = label("", "body", name="ExitWarning")
        self.exit_yes = TouchButton("", "primary")
        self.exit_no = TouchButton("")
        row = QHBoxLayout()
        row.addWidget(self.exit_yes)
        row.addWidget(self.exit_no)
        confirm.addWidget(self.confirm_text)
        confirm.addLayout(row)
        self.confirm.hide()
        self.console_button.clicked.connect(self.console_requested.emit)
        self.return_button.clicked.connect(self.return_requested.emit)
        self.exit_button.clicked.connect(self.ask_exit)
        self.exit_yes.clicked.connect(self._exit)
        self.exit_no.clicked.connect(self.confirm.hide)
        for widget in (
            self.title,
            self.who,
            self.notices,
            self.console_button,
            self.return_button,
            self.exit_button,
            self.confirm,
        ):
            layout.addWidget(widget)
        _centred(self, self.card)

    def enter(self, **args: Any) -> None:
        self.confirm.hide()
        self.refresh()

    def leave(self) -> None:
        self.confirm.hide()

    def ask_exit(self) -> None:
        staff = self.ctx.staff
        if staff is None or not staff.can("admin"):
            self.confirm_text.setText(self.ctx.staff_tr("staff.exit_refused"))
            self.exit_yes.hide()
        else:
            self.confirm_text.setText(self.ctx.staff_tr("staff.exit_confirm"))
            self.exit_yes.show()
        self.confirm.show()

    def _exit(self) -> None:
        staff = self.ctx.staff
        if staff is not None and staff.can("admin"):
            log.info("an admin closed the kiosk")
            self.exit_requested.emit()

    def refresh(self) -> None:
        notices = self.ctx.source.notices
        self.notices.setText("\n".join(notices))
        self.notices.setVisible(bool(notices))
        tr = self.ctx.staff_tr
        staff = self.ctx.staff
        self.who.setText(
            tr("staff.signed_in", name=staff.name, roles=", ".join(staff.roles)) if staff else ""
        )
        self.title.setText(tr("staff.menu_title"))
        self.console_button.setText(tr("staff.console"))
        office = self.ctx.source.is_hub  # at the office: no patients to return to, no kiosk to close
        self.return_button.setText(tr("staff.log_out" if office else "staff.return"))
        self.exit_button.setText(tr("staff.exit"))
        self.exit_button.setVisible(not office)
        self.exit_yes.setText(tr("staff.exit_yes"))
        self.exit_no.setText(tr("staff.exit_no"))

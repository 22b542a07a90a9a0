"""The kiosk window: a state machine over the screens, with the bar and footer every screen shares.

`move_to(name, **args)` is the only way between screens: it lets the old screen clean up, shows the new one,
logs the change, and starts or stops the idle watch. An idle reset is just "wipe the session, move to attract".
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import LANGUAGE_NAMES
from kiosk.ui.data import ContentSource
from kiosk.ui.lockdown import CornerGesture, IdleWatcher, wipe_traces
from kiosk.ui.screens import FONT_FAMILY, Context, Screen
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.screens.staff import StaffLoginScreen, StaffMenuScreen
from kiosk.ui.session import PatientSession
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, metrics_for, stylesheet
from kiosk.ui.widgets import FlowLayout, PictureView, TouchButton, label, set_prop

log = logging.getLogger(__name__)

SCREEN_NAMES = ("attract", "home", "reader", "faq", "staff-login", "staff-menu", "staff-console")
PATIENT_SCREENS = ("home", "reader", "faq")
STAFF_SCREENS = ("staff-login", "staff-menu", "staff-console")
STAFF_IDLE_SECONDS = 600  # staff at work in the console get longer before they are logged out
WAKE_GUARD_MS = 400


class TopBar(QFrame):
    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.setObjectName("TopBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.ctx = ctx
        self.logo = PictureView()
        self.logo.hide()
        self.clinic = label("", "heading", wrap=True, name="ClinicName")
        self.language_buttons: dict[str, TouchButton] = {}
        self.text_button = TouchButton("", "bar")
        self.contrast_button = TouchButton("", "bar")
        self.home_button = TouchButton("", "bar")
        # Landscape: one row. Portrait: the clinic's name above the buttons, so neither is squeezed. The buttons
        # wrap onto a second row when they do not fit (large text on a narrow screen).
        self.layout_ = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.name_row = QHBoxLayout()
        self.name_row.addWidget(self.logo)
        self.name_row.addWidget(self.clinic, 1)
        self.buttons = FlowLayout()
        self.layout_.addLayout(self.name_row, 1)
        self.layout_.addLayout(self.buttons)
        for button in (self.text_button, self.contrast_button, self.home_button):
            self.buttons.add(button)

    def set_languages(self, languages: tuple[str, ...]) -> None:
        for button in self.language_buttons.values():
            self.buttons.takeAt(self.buttons.indexOf(button))
            button.hide()
            button.setParent(None)
            button.deleteLater()
        self.language_buttons = {}
        for position, lang in enumerate(languages if len(languages) > 1 else ()):
            button = TouchButton(LANGUAGE_NAMES.get(lang, lang), "bar")
            button.setProperty("lang", lang)
            button.clicked.connect(lambda _=False, code=lang: self.ctx.session.set_lang(code))
            self.language_buttons[lang] = button
            self.buttons.insert(position, button)

    def refresh(self, clinic_name: str, logo: bytes | None) -> None:
        m = self.ctx.metrics
        pad = m.px(16)
        self.layout_.setContentsMargins(m.px(24), pad, m.px(24), pad)
        self.layout_.setDirection(
            QBoxLayout.Direction.TopToBottom if self.ctx.portrait else QBoxLayout.Direction.LeftToRight
        )
        self.layout_.setSpacing(m.px(14))
        self.buttons.set_spacing(m.px(10))
        self.buttons.set_align_right(not self.ctx.portrait)
        self.clinic.setText(clinic_name)
        self.logo.setVisible(bool(logo))
        if logo:
            self.logo.set_picture(logo, clinic_name)
            self.logo.setFixedSize(m.px(220), m.target)
        self.clinic.setVisible(not logo)
        session = self.ctx.session
        for lang, button in self.language_buttons.items():
            set_prop(button, "active", lang == session.lang)
        self.text_button.setText(self.ctx.tr("bar.normal_text" if session.large_text else "bar.larger_text"))
        set_prop(self.text_button, "active", session.large_text)
        self.contrast_button.setText(
            self.ctx.tr("bar.normal_colors" if session.high_contrast else "bar.high_contrast")
        )
        set_prop(self.contrast_button, "active", session.high_contrast)
        self.home_button.setText(self.ctx.tr("bar.home"))


class Footer(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("Footer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.crisis = label("", "body", name="CrisisLine")
        self.crisis.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QHBoxLayout(self)
        layout.addWidget(self.crisis)
        self.layout_ = layout


class IdleOverlay(QFrame):
    """'Are you still reading?' with a countdown and one big button, over whatever screen is showing."""

    keep = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("IdleOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.card = QFrame()
        self.card.setObjectName("IdleCard")
        self.card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        card = QVBoxLayout(self.card)
        self.title = label("", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count = label("", "", wrap=False, name="Countdown")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = label("", "body")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = TouchButton("", "primary")
        self.button.clicked.connect(self.keep.emit)
        for widget in (self.title, self.count, self.body, self.button):
            card.addWidget(widget)
        self.card_layout = card
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.hide()

    def show_countdown(self, ctx: Context, seconds: int) -> None:
        pad = ctx.metrics.px(40)
        self.card_layout.setContentsMargins(pad, pad, pad, pad)
        self.card_layout.setSpacing(ctx.metrics.px(20))
        self.title.setText(ctx.tr("idle.title"))
        self.count.setText(str(seconds))
        self.body.setText(ctx.tr("idle.body", seconds=seconds))
        self.button.setText(ctx.tr("idle.keep"))
        self.cover()
        self.show()
        self.raise_()

    def cover(self) -> None:
        """Cover everything but the footer: the crisis line stays in sight."""
        window = self.parentWidget()
        if window is None:
            return
        footer = window.findChild(Footer)
        height = window.height() - (footer.height() if footer is not None and footer.isVisible() else 0)
        self.setGeometry(0, 0, window.width(), height)


class KioskWindow(QWidget):
    """The whole kiosk in one window."""

    screen_changed = Signal(str)
    session_reset = Signal()
    exit_requested = Signal()

    def __init__(self, source: ContentSource, *, kiosk_mode: bool = False, lang: str | None = None) -> None:
        super().__init__()
        self.setObjectName("KioskWindow")
        self.setWindowTitle("Ketamine patient education")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.kiosk_mode = kiosk_mode
        self.allow_close = not kiosk_mode
        self.source = source
        settings = source.settings()
        self.session = PatientSession(lang or settings.languages[0], settings.languages)
        if lang:
            self.session.default_lang = lang
        self.ctx = Context(source, self.session)

        self.bar = TopBar(self.ctx)
        self.bar.set_languages(settings.languages)
        self.bar.text_button.clicked.connect(lambda: self.session.set_large_text(not self.session.large_text))
        self.bar.contrast_button.clicked.connect(
            lambda: self.session.set_high_contrast(not self.session.high_contrast)
        )
        self.bar.home_button.clicked.connect(lambda: self.move_to("home"))
        self.footer = Footer()
        self.stack = QStackedWidget()
        self.screens: dict[
            str, Screen
        ] = {}  # built on first use: only the attract screen before the first frame
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.footer)

        self.overlay = IdleOverlay(self)
        self.overlay.keep.connect(self.keep_reading)
        self.idle = IdleWatcher(self)
        self.idle.configure(settings.idle_seconds, settings.countdown_seconds)
        self.idle.warned.connect(lambda: self.overlay.show_countdown(self.ctx, self.idle.left))
        self.idle.tick.connect(lambda seconds: self.overlay.show_countdown(self.ctx, seconds))
        self.idle.expired.connect(self.reset_session)
        self.gesture = CornerGesture(self)
        self.gesture.triggered.connect(self.enter_staff)
        self.gesture.install()
        self._wake_guard = QElapsedTimer()
        self._guarding = False
        self.restyle_timer = QTimer(self)
        self.restyle_timer.setObjectName("restyle_timer")
        self.restyle_timer.setSingleShot(True)
        self.restyle_timer.setInterval(50)
        self.restyle_timer.timeout.connect(self.restyle)

        self.current = ""
        self._stale: set[str] = set()  # screens to redraw before they are next shown
        self.session.changed.connect(self.restyle)
        source.content_changed.connect(self.restyle)
        source.settings_changed.connect(self._on_settings_changed)
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        self.restyle()
        self.move_to("attract")

    # --- screens -----------------------------------------------------------------------------------------------

    @property
    def attract(self) -> AttractScreen:
        screen = self.screen_named("attract")
        assert isinstance(screen, AttractScreen)
        return screen

    @property
    def staff_menu(self) -> StaffMenuScreen:
        screen = self.screen_named("staff-menu")
        assert isinstance(screen, StaffMenuScreen)
        return screen

    def screen_named(self, name: str) -> Screen:
        """The screen called `name`, built (and styled) the first time it is needed."""
        screen = self.screens.get(name)
        if screen is None:
            screen = self._build(name)
            self.screens[name] = screen
            self.stack.addWidget(screen)
            screen.navigate.connect(self._on_navigate)
            screen.refresh()
        return screen

    def _build(self, name: str) -> Screen:
        if name == "attract":
            attract = AttractScreen(self.ctx)
            attract.woken.connect(self.wake)
            return attract
        if name == "staff-menu":
            menu = StaffMenuScreen(self.ctx)
            menu.exit_requested.connect(self.request_exit)
            menu.console_requested.connect(self._open_console)
            menu.return_requested.connect(self.leave_staff)
            return menu
        if name == "staff-console":
            from kiosk.ui.staff.console import StaffConsole  # the staff tools load only when staff use them

            return StaffConsole(self.ctx)
        kinds: dict[str, type[Screen]] = {
            "home": HomeScreen,
            "reader": ReaderScreen,
            "faq": FaqScreen,
            "staff-login": StaffLoginScreen,
        }
        return kinds[name](self.ctx)

    def move_to(self, name: str, **args: Any) -> None:
        if name not in SCREEN_NAMES:
            log.warning("no screen called %r; going home", name)
            name, args = "home", {}
        previous = self.screens.get(self.current)
        if previous is not None and self.current != name:
            previous.leave()
        screen = self.screen_named(name)
        if name in self._stale:
            self._stale.discard(name)
            screen.refresh()
        self.stack.setCurrentWidget(screen)
        changed = self.current != name
        self.current = name
        screen.enter(**args)
        self.bar.setVisible(name in PATIENT_SCREENS)
        settings = self.source.settings()
        idle = STAFF_IDLE_SECONDS if name == "staff-console" else settings.idle_seconds
        self.idle.configure(idle, settings.countdown_seconds)
        if name in PATIENT_SCREENS or name in STAFF_SCREENS:  # staff who walk away are logged out too
            self.idle.start()
        else:
            self.idle.stop()
        self.overlay.hide()
        if changed:  # never logged: the log must not keep a trail of what each patient read
            self.screen_changed.emit(name)

    def _on_navigate(self, name: str, args: dict[str, Any]) -> None:
        self.move_to(name, **args)

    def wake(self) -> None:
        """The attract screen was touched: show home, and swallow input for a moment so the same touch cannot
        press anything on it."""
        self._wake_guard.start()
        self._guarding = True
        self.move_to("home")

    def keep_reading(self) -> None:
        self.overlay.hide()
        self.idle.keep()

    def enter_staff(self) -> None:
        """The staff gesture: the patient's session ends first (nothing they typed or chose waits behind the
        staff screens, or comes back after them), then the login."""
        if self.current in STAFF_SCREENS:
            return
        self._end_session(counted=False)
        self.move_to("staff-login")

    def leave_staff(self) -> None:
        """Staff are done: log them out and show the attract screen, as the next patient should find it."""
        self._end_session(counted=False)
        self.move_to("attract")
        self.session_reset.emit()

    def _end_session(self, *, counted: bool) -> None:
        if counted:
            self.source.record("idle-reset")
        self.overlay.hide()
        wipe_traces(self)
        for screen in self.screens.values():
            screen.reset()
        self.ctx.staff = None
        self.ctx.staff_lang = self.session.default_lang
        self.session.reset()
        self.source.flush_usage()
        self.source.check_outside_changes()

    def reset_session(self) -> None:
        """The patient walked away (or staff did): forget everything they did and return to the attract screen.
        Content another program changed meanwhile (a restore, an import) is loaded now, between patients."""
        log.info("idle reset: session wiped")
        self._end_session(counted=self.current not in STAFF_SCREENS)
        self.move_to("attract")
        self.session_reset.emit()

    def _open_console(self) -> None:
        problem = self.source.staff_store_problem()  # a deleted database is never silently made again, empty
        if problem is None:
            self.move_to("staff-console")
            return
        self.source.notify(problem)
        self.staff_menu.refresh()

    def go_home(self) -> None:
        """Recover from an error: a clean home screen."""
        self.overlay.hide()
        try:
            self.move_to("home")
        except Exception:  # the home screen itself is broken: the attract screen needs no content
            log.exception("home screen failed; showing the attract screen")
            self.move_to("attract")

    def request_exit(self) -> None:
        if self.ctx.staff is None or not self.ctx.staff.can("admin"):
            log.warning("exit refused: only an admin may close the kiosk")
            return
        log.info("staff asked to exit to the desktop")
        self.allow_close = True
        self.exit_requested.emit()
        self.close()

    # --- look --------------------------------------------------------------------------------------------------

    def restyle(self) -> None:
        """Apply the theme, sizes and language to every screen, keeping each screen's place."""
        ctx = self.ctx
        portrait = self.height() > self.width()
        ctx.portrait = portrait
        ctx.metrics = metrics_for(self.width(), self.height(), self.session.large_text)
        ctx.palette = HIGH_CONTRAST if self.session.high_contrast else NORMAL
        font = QFont(FONT_FAMILY)
        font.setPixelSize(ctx.metrics.body)
        self.setFont(font)
        sheet = stylesheet(ctx.palette, ctx.metrics)
        if sheet != self.styleSheet():  # setting it again restyles every widget, for nothing
            self.setStyleSheet(sheet)
        settings = self.source.settings()
        self.bar.refresh(settings.clinic_name, self.source.picture(settings.clinic_logo))
        m = ctx.metrics
        self.footer.layout_.setContentsMargins(m.px(24), m.px(12), m.px(24), m.px(12))
        self.footer.crisis.setText(settings.crisis_text(self.session.lang))
        # Only the screen on show is redrawn now; the others when they are next shown, so a change staff make
        # (5,000 new answers, say) never makes the event loop wait for screens nobody is looking at.
        for name, screen in self.screens.items():
            if name == self.current:
                screen.refresh()
                self._stale.discard(name)
            else:
                self._stale.add(name)
        if self.overlay.isVisible():
            self.overlay.show_countdown(ctx, self.idle.left)

    def _on_settings_changed(self) -> None:
        settings = self.source.settings()
        self.session.set_languages(settings.languages)
        self.bar.set_languages(settings.languages)
        self.idle.configure(settings.idle_seconds, settings.countdown_seconds)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.overlay.cover()
        self.restyle_timer.start()

    # --- input and closing -------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._guarding and event.type() in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchEnd,
        ):
            if self._wake_guard.elapsed() < WAKE_GUARD_MS:
                return True
            self._guarding = False
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.allow_close:
            self.idle.stop()
            self.gesture.uninstall()
            self.source.close()
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            event.accept()
        else:
            log.info("close refused: the kiosk is locked")
            event.ignore()

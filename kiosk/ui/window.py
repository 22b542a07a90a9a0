"""The kiosk window: a state machine over the screens, with the bar and footer every screen shares.

`move_to(name, **args)` is the only way between screens: it lets the old screen clean up, shows the new one,
logs the change, and starts or stops the idle watch. An idle reset is just "wipe the session, move to attract".

Patients move with `navigate`, which remembers where they were: Back returns there (a screen's `place`), across
screens and across steps inside one (an answer opened in a list). Home starts the trail again.

On a clinic group's hub (the office's console) there are no patients: the window rests on the staff login
instead of the attract screen, and every way out of the staff screens leads back to it.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QGuiApplication, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import LANGUAGE_NAMES
from kiosk.services import usage
from kiosk.ui.data import ContentSource
from kiosk.ui.lockdown import CornerGesture, IdleWatcher, wipe_traces
from kiosk.ui.screens import FONT_FAMILY, Context, Screen
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.privacy import PrivacyScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.screens.staff import StaffLoginScreen, StaffMenuScreen
from kiosk.ui.screens.take_home import TakeHomeScreen
from kiosk.ui.screens.teach_back import TeachBackScreen
from kiosk.ui.session import PatientSession
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, TEXT_SIZES, metrics_for, screen_mm_per_px, stylesheet
from kiosk.ui.widgets import BalancedLabel, FlowLayout, PictureView, TouchButton, label, set_prop

log = logging.getLogger(__name__)

PATIENT_SCREENS = ("home", "reader", "faq", "teach-back", "take-home", "privacy")
STAFF_SCREENS = ("staff-login", "staff-menu", "staff-console")
SCREEN_NAMES = ("attract", *PATIENT_SCREENS, *STAFF_SCREENS)
STAFF_IDLE_SECONDS = 600  # staff at work in the console get longer before they are logged out
WAKE_GUARD_MS = 400
HISTORY_LIMIT = 50  # places Back can return to
TEXT_SIZE_NAMES = ("bar.text_normal", "bar.text_large", "bar.text_largest")  # one per theme.TEXT_SIZES


class ScreenStack(QStackedWidget):
    """The screens, one at a time; only the one showing decides how small the window may be (a stacked widget
    otherwise asks for the room of the largest screen it holds, shown or not)."""

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()

    def sizeHint(self) -> QSize:
        current = self.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()


class TextSizes(QWidget):
    """Three buttons, one per text size, the active one filled; each "A" is drawn at the size it gives."""

    def __init__(self) -> None:
        super().__init__()
        self.caption = label("", "bar", wrap=False, name="TextSizeLabel")
        self.buttons: list[TouchButton] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.caption)
        for level in range(len(TEXT_SIZES)):
            button = TouchButton("A", "size")
            button.setProperty("level", str(level))
            self.buttons.append(button)
            row.addWidget(button)
        self.row = row
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)


class TopBar(QFrame):
    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.setObjectName("TopBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.ctx = ctx
        self.back_button = TouchButton("", "bar")
        self.back_button.setObjectName("BackButton")
        self.back_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.back_button.hide()
        self.logo = PictureView()
        self.logo.hide()
        self.clinic = label("", "heading", wrap=True, name="ClinicName")
        self.language_buttons: dict[str, TouchButton] = {}
        self.text_sizes = TextSizes()
        self.contrast_button = TouchButton("", "bar")
        self.home_button = TouchButton("", "bar")
        self.start_over_button = TouchButton("", "bar")
        self.start_over_button.setObjectName("StartOver")
        # Landscape: one row. Portrait: Back and the clinic's name above the buttons, so neither is squeezed. The
        # buttons wrap onto a second row when they do not fit (large text on a narrow screen).
        self.layout_ = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.name_row = QHBoxLayout()
        self.name_row.addWidget(self.back_button)
        self.name_row.addWidget(self.logo)
        self.name_row.addWidget(self.clinic, 1)
        self.buttons = FlowLayout()
        self.layout_.addLayout(self.name_row, 1)
        self.layout_.addLayout(self.buttons)
        self._clinic_name = ""
        for widget in (self.text_sizes, self.contrast_button, self.home_button):
            self.buttons.add(widget)
        self._place_start_over(portrait=False)

    def _place_start_over(self, *, portrait: bool) -> None:
        """Last of the buttons in landscape; in portrait, at the end of the name's row, which has the room."""
        button = self.start_over_button
        in_flow = self.buttons.indexOf(button) >= 0
        if portrait and in_flow:
            self.buttons.takeAt(self.buttons.indexOf(button))
            self.name_row.addWidget(button)
        elif not portrait and not in_flow:
            self.name_row.removeWidget(button)
            self.buttons.add(button)
        self.buttons.invalidate()

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
        self.name_row.setSpacing(m.px(14))
        self.buttons.set_spacing(m.px(10))
        self.buttons.set_align_right(not self.ctx.portrait)
        self._place_start_over(portrait=self.ctx.portrait)
        self.text_sizes.row.setSpacing(m.px(6))
        self.clinic.setText(clinic_name)
        self._clinic_name = clinic_name
        self.logo.setVisible(bool(logo))
        if logo:
            self.logo.set_picture(logo, clinic_name)
            self.logo.setFixedSize(m.px(220), m.target)
        self._fit_name()
        session = self.ctx.session
        for lang, button in self.language_buttons.items():
            set_prop(button, "active", lang == session.lang)
        self.back_button.setText("←  " + self.ctx.tr("bar.back"))
        self.text_sizes.caption.setText(self.ctx.tr("bar.text_size"))
        for level, button in enumerate(self.text_sizes.buttons):
            button.setAccessibleName(self.ctx.tr(TEXT_SIZE_NAMES[level]))
            set_prop(button, "active", level == session.text_size)
        # A toggle says what it is and shows whether it is on: filled, with a tick.
        on = session.high_contrast
        self.contrast_button.setText(("✓  " if on else "") + self.ctx.tr("bar.high_contrast"))
        set_prop(self.contrast_button, "active", on)
        self.home_button.setText(self.ctx.tr("bar.home"))
        self.start_over_button.setText(self.ctx.tr("bar.start_over"))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_name()

    def _fit_name(self) -> None:
        """In landscape the clinic's name shares the row with the buttons: it shows only if one line holds it,
        so the bar stays one row and the page below keeps its room."""
        if self.logo.isVisibleTo(self):
            self.clinic.hide()
            return
        if self.ctx.portrait:
            self.clinic.show()
            return
        margins = self.layout_.contentsMargins()
        spacing = self.layout_.spacing()
        back = self.back_button.sizeHint().width() + spacing if not self.back_button.isHidden() else 0
        room = (
            self.width() - margins.left() - margins.right() - self.buttons.sizeHint().width() - spacing - back
        )
        self.clinic.ensurePolished()
        lines = self.clinic.heightForWidth(max(room, 1)) / max(self.clinic.fontMetrics().lineSpacing(), 1)
        self.clinic.setVisible(room > 0 and bool(self._clinic_name) and lines < 1.5)


class Footer(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("Footer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.crisis = BalancedLabel()  # on two lines if need be, never one word alone on the second
        self.crisis.setObjectName("CrisisLine")
        self.crisis.setAlignment(Qt.AlignmentFlag.AlignCenter)
        #: "What this kiosk records", on every patient screen (not the attract screen: nothing there is pressable).
        self.records = TouchButton("", "footer")
        self.records.setObjectName("RecordsButton")
        self.records.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.addWidget(self.crisis, 1)
        layout.addWidget(self.records)
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
        self.body.setText(ctx.tr("idle.body", count=seconds))
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

    def __init__(
        self,
        source: ContentSource,
        *,
        kiosk_mode: bool = False,
        lang: str | None = None,
        dpi: float | None = None,
        physical_text: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("KioskWindow")
        #: Where the window rests between uses: the attract screen, or at the office (on a hub) the staff login.
        self.rest_screen = "staff-login" if source.is_hub else "attract"
        self.setWindowTitle(
            "Ketamine patient education: staff console on the hub"
            if source.is_hub
            else "Ketamine patient education"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.kiosk_mode = kiosk_mode
        self.allow_close = not kiosk_mode
        self.source = source
        settings = source.settings()
        self.session = PatientSession(lang or settings.languages[0], settings.languages)
        if lang:
            self.session.default_lang = lang
        self.ctx = Context(source, self.session)
        #: The screen's dots per inch, when known better than the screen reports it (`kiosk screenshot --dpi`).
        self.dpi = dpi
        #: False: text scales with the window whatever the screen reports (measuring for screens not this one).
        self.physical_text = physical_text
        #: Where Back goes: (screen, place) pairs, the most recent last.
        self.history: list[tuple[str, dict[str, Any]]] = []
        self._styled_for: tuple[object, ...] = ()

        self.bar = TopBar(self.ctx)
        self.bar.set_languages(settings.languages)
        for level, button in enumerate(self.bar.text_sizes.buttons):
            button.clicked.connect(lambda _=False, lv=level: self.session.set_text_size(lv))
        self.bar.contrast_button.clicked.connect(
            lambda: self.session.set_high_contrast(not self.session.high_contrast)
        )
        self.bar.home_button.clicked.connect(lambda: self.navigate("home"))
        self.bar.back_button.clicked.connect(self.go_back)
        self.bar.start_over_button.clicked.connect(self.start_over)
        self.footer = Footer()
        self.footer.records.clicked.connect(lambda: self.navigate("privacy"))
        self.stack = ScreenStack()
        self.screens: dict[
            str, Screen
        ] = {}  # built on first use: only the attract screen before the first frame
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # The window is the screen's size, whatever its contents ask for: were it to grow, the crisis line at the
        # bottom would leave the screen. (Tests hold every screen to fitting in it.)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetNoConstraint)
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
        #: How long the patient's session has lasted (counted only as a bucket of minutes when it ends).
        self.session_clock = QElapsedTimer()
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
        self.move_to(self.rest_screen)

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
            screen.remembered.connect(lambda s=screen: self._remember(s))
            screen.forgotten.connect(lambda s=screen: self._forget(s))
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
            "teach-back": TeachBackScreen,
            "take-home": TakeHomeScreen,
            "privacy": PrivacyScreen,
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
        changed = self.current != name
        self.current = name
        if self.ctx.metrics.text_size != self._text_level():
            self.restyle()  # before the screen shows, so it is never laid out in the wrong size
        self.stack.setCurrentWidget(screen)
        if name not in PATIENT_SCREENS or name == "home":
            self.history.clear()
        screen.enter(**args)
        self.bar.setVisible(name in PATIENT_SCREENS)
        self.footer.records.setVisible(name in PATIENT_SCREENS and name != "privacy")
        self._show_back()
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
        self.navigate(name, **args)

    def navigate(self, name: str, **args: Any) -> None:
        """A patient's move: remember where they were, so Back can return there. Home starts afresh."""
        if name == "home":
            self.history.clear()
        elif self.current in PATIENT_SCREENS and name in PATIENT_SCREENS:
            self._push(self.current, self.screens[self.current].place())
        self.move_to(name, **args)

    def go_back(self) -> None:
        """Return to the last place remembered, as it was (the same page, the same answer and scroll)."""
        if not self.history:
            self.move_to("home")
            return
        name, place = self.history.pop()
        self.move_to(name, **place)

    def _remember(self, screen: Screen) -> None:
        if screen is self.screens.get(self.current) and self.current in PATIENT_SCREENS:
            self._push(self.current, screen.place())
            self._show_back()

    def _forget(self, screen: Screen) -> None:
        if self.history and self.history[-1][0] == screen.name == self.current:
            self.history.pop()
            self._show_back()

    def _push(self, name: str, place: dict[str, Any]) -> None:
        if not self.history or self.history[-1] != (name, place):
            self.history.append((name, place))
            del self.history[:-HISTORY_LIMIT]

    def _show_back(self) -> None:
        shown = bool(self.history) and self.current in PATIENT_SCREENS
        if shown != self.bar.back_button.isVisibleTo(self.bar):
            self.bar.back_button.setVisible(shown)
            self.bar._fit_name()

    def start_over(self) -> None:
        """The patient is done: wipe the session now, as an idle reset would."""
        log.info("the patient chose to start over")
        self.reset_session(reason="start-over")

    def wake(self) -> None:
        """The attract screen was touched: show home, and swallow input for a moment so the same touch cannot
        press anything on it."""
        self._wake_guard.start()
        self._guarding = True
        self.session_clock.start()
        self.source.record("session")
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
        self.move_to(self.rest_screen)
        self.session_reset.emit()

    def _end_session(self, *, counted: bool, reason: str = "idle-reset") -> None:
        if counted:
            self._count_session_end(reason)
        self.session_clock.invalidate()
        self.overlay.hide()
        wipe_traces(self)
        for screen in self.screens.values():
            screen.reset()
        self.ctx.staff = None
        self.ctx.staff_lang = self.session.default_lang
        self.session.reset()
        self.source.flush_usage()
        self.source.check_outside_changes()

    def _count_session_end(self, reason: str) -> None:
        """How the session ended, and, as separate daily totals that no one can join back into a visit: how long
        it lasted (a bucket), its language and text size, and the page it stopped on."""
        self.source.record(reason)
        if not self.session_clock.isValid():
            return
        seconds = self.session_clock.elapsed() / 1000
        if reason == "idle-reset":  # the patient left when the screen went quiet, not when it reset
            settings = self.source.settings()
            seconds -= settings.idle_seconds + settings.countdown_seconds
        self.source.record("session-minutes", usage.minutes_bucket(seconds))
        self.source.record("session-language", self.session.lang)
        self.source.record("session-text-size", usage.TEXT_SIZE_NAMES[self.session.text_size])
        reader = self.screens.get("reader")
        if self.current == "reader" and isinstance(reader, ReaderScreen) and reader.current_page:
            self.source.record("exit-page", reader.current_page)

    def reset_session(self, reason: str = "idle-reset") -> None:
        """The patient walked away (or staff did): forget everything they did and return to the attract screen.
        Content another program changed meanwhile (a restore, an import) is loaded now, between patients."""
        log.info("idle reset: session wiped")
        self._end_session(counted=self.current not in STAFF_SCREENS, reason=reason)
        self.move_to(self.rest_screen)
        self.session_reset.emit()

    def _open_console(self) -> None:
        problem = self.source.staff_store_problem()  # a deleted database is never silently made again, empty
        if problem is None:
            self.move_to("staff-console")
            return
        self.source.notify(problem)
        self.staff_menu.refresh()

    def go_home(self) -> None:
        """Recover from an error: a clean home screen (on a hub, the staff login)."""
        self.overlay.hide()
        if self.source.is_hub:
            self._end_session(counted=False)
            self.move_to(self.rest_screen)
            return
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

    def mm_per_px(self) -> float | None:
        """The screen's pixel size in millimetres, if it reports a believable one (or `dpi` says)."""
        if self.dpi:
            return 25.4 / self.dpi
        if not self.physical_text:
            return None
        screen = self.screen()
        return screen_mm_per_px(
            screen.physicalSize().width(), screen.geometry().width(), QGuiApplication.platformName()
        )

    def restyle(self) -> None:
        """Apply the theme, sizes and language to every screen, keeping each screen's place."""
        ctx = self.ctx
        portrait = self.height() > self.width()
        ctx.portrait = portrait
        mm_per_px = self.mm_per_px()
        ctx.mm_per_px = mm_per_px
        ctx.metrics = metrics_for(self.width(), self.height(), self._text_level(), mm_per_px)
        self._styled_for = (self.width(), self.height(), mm_per_px)
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
        # The button (a 48 px target at least) sets the footer's height: no margin above or below it, so the
        # footer is no taller than the crisis line alone was, and the page keeps its room.
        self.footer.layout_.setContentsMargins(m.px(24), 0, m.px(8), 0)
        self.footer.crisis.set_balanced_text(settings.crisis_text(self.session.lang))
        self.footer.records.setText(ctx.tr("privacy.link"))
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

    def _text_level(self) -> int:
        """The patient's text size; staff screens always have the normal size (staff chose none)."""
        return 0 if self.current in STAFF_SCREENS else self.session.text_size

    def _on_settings_changed(self) -> None:
        settings = self.source.settings()
        self.session.set_languages(settings.languages)
        self.bar.set_languages(settings.languages)
        self.idle.configure(settings.idle_seconds, settings.countdown_seconds)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.overlay.cover()
        if self.isVisible():
            self.restyle_timer.start()  # a window being resized by hand: once it settles
        else:
            self._restyle_if_needed()

    def showEvent(self, event: QShowEvent) -> None:
        # Laid out for the size it is shown at before the first frame, whatever order show and resize came in.
        self._restyle_if_needed()
        super().showEvent(event)

    def _restyle_if_needed(self) -> None:
        if self._styled_for != (self.width(), self.height(), self.mm_per_px()):
            self.restyle_timer.stop()
            self.restyle()

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
            showing = self.screens.get(self.current)
            if showing is not None:  # its timers (the attract loop's) stop with it, not after the window
                showing.leave()
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

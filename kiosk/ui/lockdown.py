"""Kiosk behaviour that watches every input event: idle time, locked-down keys, and the staff corner gesture.

Each is an application-wide event filter, so it sees touch, mouse and keys wherever they land, before any widget.
`wipe_traces` is what an idle reset does beyond the screens: no window, dialog or clipboard outlives a session.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication, QKeyEvent, QMouseEvent, QTouchEvent, QWindow
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from kiosk.ui.widgets import first_delivery

log = logging.getLogger(__name__)

ACTIVITY = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseMove,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TouchEnd,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
    }
)


def wipe_traces(window: QWidget) -> None:
    """Close every popup, dialog and other window but `window` (a staff file chooser left open included: through
    it a stranger could open or delete files), and empty the clipboard and the selection, so nothing the last
    person saw, copied or typed is there for the next."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    for _ in range(20):  # a popup can sit on a popup
        popup = QApplication.activePopupWidget()
        if popup is None:
            break
        popup.close()
    for widget in QApplication.topLevelWidgets():
        if widget is window or not widget.isVisible():
            continue
        if isinstance(widget, QDialog):
            widget.reject()  # a modal dialog's exec() returns "cancelled" to whoever opened it
        widget.close()
    clipboard = QGuiApplication.clipboard()
    for mode, supported in (
        (QClipboard.Mode.Clipboard, True),
        (QClipboard.Mode.Selection, clipboard.supportsSelection()),
        (QClipboard.Mode.FindBuffer, clipboard.supportsFindBuffer()),
    ):
        if supported:
            clipboard.clear(mode)


class IdleWatcher(QObject):
    """Warns after `idle_seconds` without input, then counts down; `expired` when the countdown ends.

    Touch, mouse and keys all restart the idle timer. While the warning shows, only `keep()` (the patient's
    "keep reading") stops the countdown, so a stray touch behind the warning cannot silently extend a session.
    """

    warned = Signal()
    tick = Signal(int)  # seconds left in the countdown
    expired = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.idle_timer = QTimer(self)
        self.idle_timer.setObjectName("idle_timer")
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self._on_idle)
        self.countdown_timer = QTimer(self)
        self.countdown_timer.setObjectName("idle_countdown_timer")
        self.countdown_timer.setInterval(1000)
        self.countdown_timer.timeout.connect(self._on_countdown_tick)
        self.idle_ms = 90_000
        self.countdown_seconds = 30
        self.left = 0
        self.active = False

    def configure(self, idle_seconds: float, countdown_seconds: int) -> None:
        self.idle_ms = int(idle_seconds * 1000)
        self.countdown_seconds = countdown_seconds
        if self.idle_timer.isActive():
            self.idle_timer.start(self.idle_ms)

    def start(self) -> None:
        """Begin watching (a patient is using the kiosk)."""
        app = QApplication.instance()
        if not self.active and app is not None:
            app.installEventFilter(self)
        self.active = True
        self.countdown_timer.stop()
        self.idle_timer.start(self.idle_ms)

    def stop(self) -> None:
        """Stop watching (the attract screen is showing: there is nothing to reset)."""
        app = QApplication.instance()
        if self.active and app is not None:
            app.removeEventFilter(self)
        self.active = False
        self.idle_timer.stop()
        self.countdown_timer.stop()

    @property
    def warning(self) -> bool:
        return self.countdown_timer.isActive()

    def keep(self) -> None:
        """The patient is still here."""
        self.countdown_timer.stop()
        self.idle_timer.start(self.idle_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and not self.warning and self.active:
            self.idle_timer.start(self.idle_ms)
        return False

    def _on_idle(self) -> None:
        self.left = self.countdown_seconds
        self.countdown_timer.start()
        self.warned.emit()
        self.tick.emit(self.left)

    def _on_countdown_tick(self) -> None:
        self.left -= 1
        if self.left > 0:
            self.tick.emit(self.left)
            return
        self.countdown_timer.stop()
        self.expired.emit()


BLOCKED_KEYS = {
    (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
}
_MODIFIERS = (
    Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.ShiftModifier
    | Qt.KeyboardModifier.MetaModifier
)


class ApplicationFilter(QObject):
    """An event filter on the whole application: it sees every event before any widget does."""

    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class InputLock(ApplicationFilter):
    """In kiosk mode: the keys that close, quit or leave full screen do nothing, and there are no context menus,
    long-press menus or pinch gestures."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked = 0

    @staticmethod
    def is_blocked_key(event: QKeyEvent) -> bool:
        modifiers = event.modifiers() & _MODIFIERS
        key = Qt.Key(event.key())
        if key == Qt.Key.Key_Escape or key == Qt.Key.Key_F11:
            return True
        return (key, Qt.KeyboardModifier(modifiers.value)) in BLOCKED_KEYS

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        key = kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and isinstance(event, QKeyEvent)
        if key and self.is_blocked_key(event):  # type: ignore[arg-type]
            self.blocked += 1
            event.accept()
            return True
        touch = kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate) and isinstance(event, QTouchEvent)
        if touch and len(event.points()) > 1:  # type: ignore[attr-defined]  # a second finger: no pinch
            return True
        return kind in (QEvent.Type.ContextMenu, QEvent.Type.Gesture, QEvent.Type.NativeGesture)


class CornerGesture(ApplicationFilter):
    """The hidden staff gesture: three quick taps in the top-left corner, then a press held for two seconds.

    A patient leaning on the corner, or tapping it once or twice, never trips it; each step must follow the
    last quickly or the sequence starts over.
    """

    triggered = Signal()
    TAPS = 3
    TAP_MS = 450  # a tap is a press released within this
    GAP_MS = 700  # between one tap and the next press
    HOLD_MS = 2000

    def __init__(self, window: QWidget, corner: int = 120) -> None:
        super().__init__(window)
        self.window = window
        self.corner = corner
        self.taps = 0
        self._pressed_at = -1
        self._released_at = -1
        self._seen: list[tuple[object, ...]] = []
        self._clock = QElapsedTimer()
        self._clock.start()
        self.hold_timer = QTimer(self)
        self.hold_timer.setObjectName("staff_hold_timer")
        self.hold_timer.setSingleShot(True)
        self.hold_timer.timeout.connect(self._on_hold)

    def _in_corner(self, global_point: QPoint) -> bool:
        local = self.window.mapFromGlobal(global_point)
        return QRect(0, 0, self.corner, self.corner).contains(local)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            return False
        if not isinstance(event, QMouseEvent) or not first_delivery(event, self._seen):
            return False
        if not isinstance(watched, QWidget | QWindow) or (
            isinstance(watched, QWidget) and watched.window() is not self.window
        ):
            return False
        now = self._clock.elapsed()
        inside = self._in_corner(event.globalPosition().toPoint())
        if kind == QEvent.Type.MouseButtonPress:
            if not inside or (self.taps and now - self._released_at > self.GAP_MS):
                self._restart()
                if not inside:
                    return False
            self._pressed_at = now
            if self.taps >= self.TAPS:
                self.hold_timer.start(self.HOLD_MS)
            return False
        if self._pressed_at < 0:
            return False
        self._released_at = now
        if self.hold_timer.isActive():  # let go before the hold was long enough
            self._restart()
            return False
        if inside and now - self._pressed_at <= self.TAP_MS:
            self.taps += 1
        else:
            self._restart()
        return False

    def _restart(self) -> None:
        self.taps = 0
        self.hold_timer.stop()
        self._pressed_at = -1

    def _on_hold(self) -> None:
        self._restart()
        log.info("staff gesture recognised")
        self.triggered.emit()

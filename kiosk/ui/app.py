"""Starting the kiosk: the whole start-up in order, in `run`.

1. the Qt application, with Atkinson Hyperlegible loaded from its package (never from the system);
2. logging to stderr and to a rotating file in the data folder;
3. the data bridge over the already-opened store, the daily automatic backup, and the visits to the clinic
   group's hub (if the kiosk has joined one), each in a process of its own;
4. the window, and in kiosk mode the lockdown (frameless full screen, on top, no cursor, no escape keys);
5. an exception hook: an error in the UI is logged and the kiosk goes home; errors in a storm exit, so the
   service manager restarts a clean process;
6. after the first frame, READY=1 to systemd and a heartbeat from the UI thread for its watchdog.

`run_office` is the same window at a clinic group's office, on the hub: the staff console only, no lockdown,
backups, visits to a hub or watchdog (it is an ordinary program on an office computer).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import queue
import random
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import fontpkg_atkinson_hyperlegible as atkinson
from PySide6.QtCore import QEvent, QObject, QSize, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk import logs, paths
from kiosk.errors import KioskError
from kiosk.services import fleet
from kiosk.services.startup import KioskStart
from kiosk.ui.data import ContentSource
from kiosk.ui.lockdown import InputLock
from kiosk.ui.screens import FONT_FAMILY
from kiosk.ui.watchdog import SystemdNotifier
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.db.store import HubStore

log = logging.getLogger(__name__)

#: Exit status when staff leave the kiosk on purpose; the service unit does not restart after it.
STAFF_EXIT = 64
#: Exit status after repeated UI errors; the service unit restarts the kiosk.
CRASH_EXIT = 70
CRASH_STORM = (5, 60.0)  # this many errors within this many seconds


def create_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName(paths.APP_NAME)
    for font_file in sorted((Path(atkinson.ROOT) / "files").glob("*.ttf")):
        if QFontDatabase.addApplicationFont(str(font_file)) < 0:
            log.warning("could not load the font %s", font_file.name)
    font = QFont(FONT_FAMILY)
    font.setPixelSize(28)
    app.setFont(font)
    return app


class ErrorHandler:
    """Logs an unexpected error in the UI and sends the kiosk home; too many in a row end the process."""

    def __init__(self, window: KioskWindow) -> None:
        self.window = window
        self.recent: deque[float] = deque(maxlen=CRASH_STORM[0])
        self.previous_hook = sys.excepthook

    def install(self) -> None:
        sys.excepthook = self

    def uninstall(self) -> None:
        sys.excepthook = self.previous_hook

    def __call__(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        log.error("error in the kiosk UI; returning home", exc_info=(kind, error, trace))
        now = time.monotonic()
        self.recent.append(now)
        if len(self.recent) == self.recent.maxlen and now - self.recent[0] < CRASH_STORM[1]:
            log.critical("%d errors in %.0f seconds: exiting so the kiosk restarts clean", *CRASH_STORM)
            QApplication.exit(CRASH_EXIT)
            return
        QTimer.singleShot(0, self.window.go_home)


def lock_down(window: KioskWindow) -> InputLock:
    """Frameless full screen on the primary screen, always on top, no cursor, no escape keys or menus."""
    window.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        window.setGeometry(screen.geometry())
    window.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)
    lock = InputLock(window)
    lock.install()
    window.showFullScreen()
    return lock


class DailyBackup(QObject):
    """Takes the once-a-day automatic backup while the kiosk runs; a failure is logged, never shown to patients."""

    def __init__(self, source: ContentSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.timer = QTimer(self)
        self.timer.setObjectName("daily_backup_timer")
        self.timer.setInterval(60 * 60 * 1000)  # look every hour; back up when the last one is a day old
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.timer.start()
        QTimer.singleShot(30_000, self.check)  # not during start-up

    def check(self) -> None:
        try:
            self.source.database.daily_backup(self.source.settings().backup_keep)
        except (KioskError, OSError) as error:
            log.warning("the daily backup failed: %s", error)
            self.source.notify(f"The daily backup failed: {error}")


class HubSync(QObject):
    """Visits the clinic group's hub on a timer, each visit in a process of its own, so no patient ever waits on
    the network, nor on a release being checked and imported (a thread would share Python's interpreter lock with
    the screen, and a big import holds it for long stretches). The kiosk's process never loads psycopg either.

    Every `INTERVAL_S` (give or take a tenth, so a group's kiosks spread out); after a failure, again after a
    minute, then two, four... up to an hour. A kiosk that has not joined a hub is looked at again at the usual
    interval (a `kiosk hub join` made while it runs is taken up). A new release is imported by the visit and
    reaches patients at the next idle reset, like any change from outside. Staff hear of a release that was
    refused, and of a hub not reached for a day; patients never do.
    """

    INTERVAL_S = 15 * 60
    FIRST_S = 60
    RETRY_S = 60
    RETRY_LIMIT_S = 60 * 60
    POLL_MS = 200
    finished = Signal(object)  # fleet.Outcome, on the UI thread

    def __init__(self, db_path: Path, source: ContentSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.source = source
        self.failures = 0
        self.running = False
        self.quiet_notice: str | None = None
        self.timer = QTimer(self)
        self.timer.setObjectName("hub_sync_timer")
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.check_now)
        self.poll = QTimer(self)
        self.poll.setObjectName("hub_sync_poll_timer")
        self.poll.setInterval(self.POLL_MS)
        self.poll.timeout.connect(self._collect)
        self._process: Any = None
        self._results: Any = None
        self.finished.connect(self._on_self_finished)

    def start(self) -> None:
        self.timer.start(self.FIRST_S * 1000)

    def stop(self) -> None:
        """No more visits. One under way is left to finish by itself (its import is one transaction: ended
        early, it leaves the content as it was)."""
        self.timer.stop()
        self.poll.stop()

    def check_now(self) -> None:
        if self.running:
            return
        if not fleet.has_joined(self.db_path):  # nothing to visit: no process started, look again later
            self.finished.emit(fleet.Outcome(False, False, "not joined"))
            return
        self.running = True
        context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        self._results = context.Queue()
        self._process = context.Process(
            target=fleet.visit_in_child,
            args=(str(self.db_path), self._results),
            name="kiosk-hub-visit",
            daemon=True,
        )
        self._process.start()
        self.poll.start()

    def _collect(self) -> None:
        """Take the visit's outcome if it has one (never waiting for it)."""
        try:
            outcome = self._results.get_nowait()
        except queue.Empty:
            if self._process.is_alive():
                return
            code = self._process.exitcode
            outcome = fleet.Outcome(True, False, f"the visit stopped unexpectedly (exit status {code})")
        self.poll.stop()
        self._process.join(timeout=0)
        self.finished.emit(outcome)

    def _on_self_finished(self, outcome: fleet.Outcome) -> None:
        self.running = False
        if outcome.ok or not outcome.joined:
            self.failures = 0
            delay = self.INTERVAL_S * random.uniform(0.9, 1.1)
        else:
            self.failures += 1
            delay = fleet.backoff(self.failures, self.RETRY_S, self.RETRY_LIMIT_S)
        if outcome.joined:
            log.info("hub: %s", outcome.line)
        if outcome.refused:
            self.source.notify(
                f"The kiosk refused what its hub sent ({outcome.line}) and keeps the content it has: tell the "
                "group's content office."
            )
        if outcome.quiet_notice != self.quiet_notice:
            if self.quiet_notice:
                self.source.withdraw(self.quiet_notice)
            if outcome.quiet_notice:
                self.source.notify(outcome.quiet_notice)
            self.quiet_notice = outcome.quiet_notice
        self.timer.start(int(delay * 1000))


def quit_on_sigterm(app: QApplication) -> None:
    """systemd stops the kiosk with SIGTERM: leave the event loop cleanly (usage counts written, STOPPING=1 sent)
    instead of dying wherever Python was. Qt's loop does not let Python run its signal handlers by itself, so
    the signal also writes to a socket that Qt watches."""
    receiver, sender = socket.socketpair()
    receiver.setblocking(False)
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno())
    watcher = QSocketNotifier(receiver.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        with contextlib.suppress(OSError):
            receiver.recv(64)

    watcher.activated.connect(drain)
    # exit(), not quit(): quit() asks the windows first, and a locked kiosk window refuses.
    signal.signal(signal.SIGTERM, lambda _number, _frame: QApplication.exit(0))

    def restore() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        watcher.setEnabled(False)
        receiver.close()
        sender.close()

    app.aboutToQuit.connect(restore)


class FirstFrame(QObject):
    """Calls back once, after the window has painted for the first time."""

    def __init__(self, window: KioskWindow, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self.callback = callback
        self.done = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            QTimer.singleShot(0, self.callback)  # after this paint has finished
        return False


def run(
    start: KioskStart,
    *,
    kiosk_mode: bool,
    lang: str | None,
    size: QSize | None,
    exit_after_first_frame: bool = False,
    probe: bool = False,
) -> int:
    app = create_application()
    logs.setup(verbose=True, to_file=True)
    for notice in start.notices:
        log.warning("staff notice: %s", notice)
    source = ContentSource(start.db_path, start.notices, readonly=start.readonly)
    window = KioskWindow(source, kiosk_mode=kiosk_mode, lang=lang)
    errors = ErrorHandler(window)
    errors.install()
    notifier = SystemdNotifier(window)
    backups = DailyBackup(source, window)
    hub = HubSync(start.db_path, source, window)
    if not start.readonly:
        backups.start()
        hub.start()
        fleet.record_start(start.db_path)  # for the heartbeat's uptime and restarts

    def first_frame() -> None:
        log.info("first frame drawn")
        notifier.ready()
        if exit_after_first_frame:  # under a watchdog, after the first heartbeat: the start is then proven
            if notifier.heartbeat.isActive():
                notifier.heartbeat.timeout.connect(lambda: QApplication.exit(0))
            else:
                QApplication.exit(0)

    FirstFrame(window, first_frame)
    if probe:  # a test drives this window through stdin (kiosk/ui/probe.py)
        from kiosk.ui.probe import Probe

        Probe(window)
    app.aboutToQuit.connect(notifier.stopping)
    app.aboutToQuit.connect(hub.stop)
    app.aboutToQuit.connect(source.close)  # writes the usage counts still in memory
    quit_on_sigterm(app)
    staff_exit = {"requested": False}
    window.exit_requested.connect(lambda: staff_exit.update(requested=True))
    if kiosk_mode:
        lock_down(window)
    else:
        # A window for trying the kiosk out: the size asked for, but never larger than the screen it opens on.
        window.resize((size or QSize(1600, 900)).boundedTo(window.screen().availableGeometry().size()))
        window.show()
    log.info("kiosk started (%s)", "kiosk mode" if kiosk_mode else "window")
    code = app.exec()
    errors.uninstall()
    log.info("kiosk stopped (%d)", code)
    if code == 0 and kiosk_mode and staff_exit["requested"]:
        return STAFF_EXIT
    return code


def run_office(
    hub: HubStore, *, lang: str | None, size: QSize | None, exit_after_first_frame: bool = False
) -> int:
    """The staff console on a clinic group's hub (`kiosk --db postgresql://... run`), in a window that rests on the
    staff login. `hub` is open and checked; it is closed when the window is."""
    app = create_application()
    logs.setup(verbose=True, to_file=True)
    source = ContentSource(hub)
    window = KioskWindow(source, lang=lang)
    errors = ErrorHandler(window)
    errors.install()
    app.aboutToQuit.connect(source.close)
    quit_on_sigterm(app)
    if exit_after_first_frame:  # proves the console opens on this hub (the installer's and the tests' check)
        FirstFrame(window, lambda: QApplication.exit(0))
    window.resize((size or QSize(1600, 900)).boundedTo(window.screen().availableGeometry().size()))
    window.show()
    log.info("staff console started on the hub")
    code = app.exec()
    errors.uninstall()
    log.info("staff console stopped (%d)", code)
    return code

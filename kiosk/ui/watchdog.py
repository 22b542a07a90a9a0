"""Telling systemd the kiosk is up (READY=1) and still responsive (WATCHDOG=1), from the UI thread.

The heartbeat is a timer on the Qt event loop, so if the UI hangs the heartbeat stops and systemd (WatchdogSec in
deploy/ketamine-kiosk.service) restarts the kiosk. Outside systemd (no NOTIFY_SOCKET) this does nothing.
The protocol is one datagram per message to the socket systemd names; see sd_notify(3).
"""

from __future__ import annotations

import logging
import os
import socket

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)


class SystemdNotifier(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.address = os.environ.get("NOTIFY_SOCKET", "")
        if self.address.startswith("@"):  # an abstract socket
            self.address = "\0" + self.address[1:]
        watchdog_usec = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
        self.heartbeat = QTimer(self)
        self.heartbeat.setObjectName("watchdog_heartbeat_timer")
        self.heartbeat.setInterval(max(watchdog_usec // 2000, 500))  # twice per watchdog period
        self.heartbeat.timeout.connect(lambda: self.send("WATCHDOG=1"))
        self.watchdog = watchdog_usec > 0

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, message: str) -> bool:
        if not self.address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self.address)
                sock.sendall(message.encode())
            return True
        except OSError as error:
            log.warning("cannot notify systemd: %s", error)
            return False

    def ready(self) -> None:
        """The first screen is on the glass: start the heartbeat."""
        if self.send("READY=1\nSTATUS=showing the kiosk") and self.watchdog:
            self.heartbeat.start()

    def stopping(self) -> None:
        self.heartbeat.stop()
        self.send("STOPPING=1")

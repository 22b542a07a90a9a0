"""How long the Qt event loop went without running: the longest wait between two ticks of a 10 ms timer on the
UI thread. A patient's tap waits as long, and so does the watchdog's heartbeat, a timer on the same loop."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer


class GapMeter:
    """The longest wait between two ticks of a 10 ms timer on the UI thread."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.longest = 0
        self.ticks = 0
        self.timer = QTimer()
        self.timer.setObjectName("gap_meter_timer")
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def _tick(self) -> None:
        self.longest = max(self.longest, self.clock.restart())
        self.ticks += 1

    def stop(self) -> int:
        self.timer.stop()
        return max(self.longest, self.clock.elapsed())

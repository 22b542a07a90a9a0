"""How long the Qt event loop went without running: a timer asks to fire every few milliseconds and the longest
wait between two firings is the loop's worst stall (a patient's tap waits as long)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class LoopGaps(QObject):
    def __init__(self, every_ms: int = 10) -> None:
        super().__init__()
        self.times: list[float] = []
        self.timer = QTimer(self)
        self.timer.setObjectName("loop_gap_probe")
        self.timer.setInterval(every_ms)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))

    def start(self) -> None:
        self.times = [time.perf_counter()]
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.times.append(time.perf_counter())

    @property
    def worst_ms(self) -> float:
        return max(
            (later - earlier) * 1000 for earlier, later in zip(self.times, self.times[1:], strict=False)
        )

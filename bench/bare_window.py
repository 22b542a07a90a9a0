"""The reference the kiosk is measured against: a bare PySide6 window, started and measured the same way.

`python bench/bare_window.py first-frame` exits after the first paint; `... memory` prints its proportional set
size (PSS, in kB) once shown.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel


def pss_kb() -> int:
    with open("/proc/self/smaps_rollup", encoding="ascii") as smaps:
        for line in smaps:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


class FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, QApplication.quit)
        return False


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QLabel("Hello")
    window.resize(1920, 1080)
    mode = sys.argv[1] if len(sys.argv) > 1 else "first-frame"
    if mode == "first-frame":
        window.installEventFilter(FirstPaint(window))
    else:
        QTimer.singleShot(200, lambda: (print(pss_kb()), app.quit()))
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

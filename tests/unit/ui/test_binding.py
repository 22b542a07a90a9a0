"""The Qt binding must be safe to run for weeks: no reference leaks on the calls the kiosk makes constantly."""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.ui.widgets import PageDots


def test_void_methods_do_not_leak_references_to_none(qtbot: QtBot) -> None:
    """PySide6 6.12.0 drops a reference to None on every call of a method that returns nothing; on Python 3.11,
    where None is not immortal, a kiosk that paints all day then aborts ("deallocating None")."""
    label = QLabel("x")
    qtbot.addWidget(label)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("y")
        label.update()
    painter = QPainter(image)
    for _ in range(2000):
        painter.setBrush(QColor(1, 2, 3))
    painter.end()
    assert sys.getrefcount(None) - before > -100


def test_painting_kiosk_widgets_for_a_long_time_is_safe(qtbot: QtBot) -> None:
    dots = PageDots()
    qtbot.addWidget(dots)
    dots.resize(300, 40)
    dots.set_position(2, 6)
    dots.show()
    before = sys.getrefcount(None)
    for _ in range(3000):
        dots.repaint()
    assert sys.getrefcount(None) - before > -100

"""Take this home: a QR code for a chapter, an answer or the after-care checklist, with how to scan it.

The code is drawn dark on light with its quiet zone whatever the theme (a phone's camera needs that contrast the
right way round), each square a whole number of pixels so its edges stay sharp, and never under `MIN_MM` across
where the screen reports its size (else never under a fifth of the window's short side): large enough to scan
from arm's length. What it carries is decided in `kiosk.services.takehome`; nothing about the patient.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.services import takehome
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import label

log = logging.getLogger(__name__)

MIN_MM = 35.0  # the code's side, at least, where the screen's size is known
DARK, LIGHT = QColor("#000000"), QColor("#FFFFFF")


class QrCodeView(QWidget):
    """A QR code drawn square by square, as large as its room allows in whole pixels per square."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("QrCode")
        self.modules: list[list[bool]] = []
        self.minimum_side = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_modules(self, modules: list[list[bool]], minimum_side: int) -> None:
        self.modules = modules
        count = max(len(modules), 1)
        self.minimum_side = math.ceil(minimum_side / count) * count
        self.setMinimumSize(self.minimum_side, self.minimum_side)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.minimum_side, self.minimum_side)

    def code_rect(self) -> QRect:
        """Where the code (quiet zone included) is drawn."""
        count = max(len(self.modules), 1)
        module = max(1, min(self.width(), self.height()) // count)
        side = module * count
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.modules:
            return
        rect = self.code_rect()
        module = rect.width() // len(self.modules)
        painter = QPainter(self)
        try:
            painter.fillRect(rect, LIGHT)
            for row, bits in enumerate(self.modules):
                y = rect.y() + row * module
                column = 0
                while column < len(bits):  # runs of dark squares: one rectangle each
                    if not bits[column]:
                        column += 1
                        continue
                    start = column
                    while column < len(bits) and bits[column]:
                        column += 1
                    painter.fillRect(rect.x() + start * module, y, (column - start) * module, module, DARK)
        finally:
            painter.end()


class TakeHomeScreen(Screen):
    name = "take-home"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.target: dict[str, str] = {}
        self.item: takehome.TakeHome | None = None
        self.heading = label("", "title", name="TakeHomeHeading")
        self.topic = label("", "heading", name="TakeHomeTopic")
        self.steps = label("", "body", name="TakeHomeSteps")
        self.note = label("", "muted", name="TakeHomeNote")
        self.code = QrCodeView()
        text = QWidget()
        column = QVBoxLayout(text)
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.heading, self.topic, self.steps, self.note):
            column.addWidget(widget)
        column.addStretch(1)
        self.column = column
        self.text = text
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.addWidget(self.code, 1)
        self.body.addWidget(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.body, 1)
        self._layout = layout

    def enter(self, **args: Any) -> None:
        """Show the code for `chapter`, `question` or `page` (chapter-id/page-id)."""
        self.target = {k: str(v) for k, v in args.items() if k in ("chapter", "question", "page") and v}
        self.refresh()
        if self.item is not None:  # counted once per code shown, by the id of what it is for
            self.ctx.source.record("take-home", self.item.id)

    def place(self) -> dict[str, Any]:
        return dict(self.target)

    def reset(self) -> None:
        self.target, self.item = {}, None

    def refresh(self) -> None:
        ctx = self.ctx
        m = ctx.metrics
        margin = m.px(40)
        self._layout.setContentsMargins(margin, m.px(24), margin, m.px(24))
        self.body.setSpacing(m.px(48))
        self.column.setSpacing(m.px(20))
        self.body.setDirection(
            QBoxLayout.Direction.TopToBottom if ctx.portrait else QBoxLayout.Direction.LeftToRight
        )
        if not self.target:
            return
        catalogue = ctx.source.catalogue(ctx.lang)
        settings = ctx.source.settings()
        if "question" in self.target:
            self.item = takehome.for_question(catalogue, settings, self.target["question"])
        elif "page" in self.target:
            self.item = takehome.for_page(catalogue, settings, self.target["page"])
        else:
            self.item = takehome.for_chapter(catalogue, settings, self.target.get("chapter", ""))
        if self.item is None:
            log.warning("nothing to take home for %s", sorted(self.target))
            return
        self.heading.setText(ctx.tr("take.heading"))
        self.topic.setText(self.item.title)
        self.steps.setText(ctx.tr("take.steps_url") if self.item.is_url else ctx.tr("take.steps_text"))
        self.note.setText(ctx.tr("take.private"))
        self.text.setMaximumWidth(m.px(760))
        self.code.set_modules(takehome.qr_modules(self.item.payload), self.minimum_side())

    def minimum_side(self) -> int:
        """The code's smallest side in pixels: `MIN_MM` where the screen's size is known, and never under a fifth
        of the window's short side."""
        window = self.window()
        short = min(window.width(), window.height()) if window is not None else 800
        side = short // 5
        if self.ctx.mm_per_px:
            side = max(side, math.ceil(MIN_MM / self.ctx.mm_per_px))
        return side

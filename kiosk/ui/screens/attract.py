"""The attract screen: a calm, slow loop of pictures and chapter titles that invites a touch.

The touch that wakes it only wakes it: the screen changes on release, and the window ignores input for a
moment after, so the finger that woke the kiosk cannot also press whatever the next screen puts beneath it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEasingCurve, QPropertyAnimation, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGraphicsOpacityEffect, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.i18n import tr
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import PictureView, label


class AttractScreen(Screen):
    name = "attract"
    woken = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("AttractScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._slides: list[tuple[str | None, str]] = []
        self._index = 0
        self._pressed = False

        self.clinic = label("", "heading", wrap=True, name="ClinicName")
        self.clinic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture = PictureView()
        self.picture.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._fade = QGraphicsOpacityEffect(self.picture)
        self._fade.setOpacity(1.0)  # the effect starts at 0.7 otherwise
        self.picture.setGraphicsEffect(self._fade)
        self.topic = label("", "heading", name="AttractTitle")
        self.topic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.invite = label("", "title", name="AttractInvite")
        self.invite.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.second = label("", "body", name="AttractSecond")
        self.second.setAlignment(Qt.AlignmentFlag.AlignCenter)

        layout = QVBoxLayout(self)
        layout.addWidget(self.clinic)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.picture, 6)
        row.addStretch(1)
        layout.addLayout(row, 10)
        layout.addWidget(self.topic)
        layout.addSpacing(8)
        layout.addWidget(self.invite)
        layout.addWidget(self.second)
        layout.addSpacing(8)
        self._layout = layout

        self.slide_timer = QTimer(self)
        self.slide_timer.setObjectName("attract_slide_timer")
        self.slide_timer.timeout.connect(self.next_slide)
        self._animation = QPropertyAnimation(self._fade, b"opacity", self)
        self._animation.setEasingCurve(QEasingCurve.Type.InOutSine)
        self._animation.finished.connect(self._on_fade_done)
        self._phase = ""

    def enter(self, **args: Any) -> None:
        self.refresh()
        self._pressed = False
        self.slide_timer.start(self.ctx.source.settings().attract_seconds * 1000)

    def reset(self) -> None:
        self._index = 0  # the next patient's loop starts from the beginning

    def leave(self) -> None:
        self.slide_timer.stop()
        self._animation.stop()
        self._phase = ""
        self._fade.setOpacity(1.0)

    def refresh(self) -> None:
        settings = self.ctx.source.settings()
        catalogue = self.ctx.source.catalogue(self.ctx.lang)
        self._slides = [(c.card.image, c.title) for c in catalogue.chapters if c.card.kind == "topic"]
        self.clinic.setText(settings.clinic_name)
        self.invite.setText(self.ctx.tr("attract.invite"))
        # The patient has not chosen a language yet: invite them in the others too.
        others = [tr("attract.invite", lang) for lang in self.ctx.session.languages if lang != self.ctx.lang]
        self.second.setText(" · ".join(others) or self.ctx.tr("attract.start"))
        margin = self.ctx.metrics.px(48)
        self._layout.setContentsMargins(margin, margin, margin, margin)
        self.picture.set_ink(self.ctx.palette.ink)
        self._show(self._index)

    def _show(self, index: int) -> None:
        if not self._slides:
            self.picture.set_picture(None, "")
            self.topic.setText("")
            return
        self._index = index % len(self._slides)
        image, title = self._slides[self._index]
        self.picture.set_picture(self.ctx.source.picture(image), title)
        self.topic.setText(title)

    def next_slide(self) -> None:
        """Fade the current picture out, change it, fade the next one in."""
        self._animation.stop()
        self._phase = "out"
        self._animation.setDuration(900)
        self._animation.setStartValue(1.0)
        self._animation.setEndValue(0.0)
        self._animation.start()

    def _on_fade_done(self) -> None:
        if self._phase == "out":
            self._show(self._index + 1)
            self._phase = "in"
            self._animation.setStartValue(0.0)
            self._animation.setEndValue(1.0)
            self._animation.start()
        else:
            self._phase = ""

    @property
    def slide(self) -> int:
        return self._index

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = True
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pressed:
            self._pressed = False
            self.woken.emit()
        event.accept()

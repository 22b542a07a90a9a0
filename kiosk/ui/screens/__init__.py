"""The patient and staff screens. Each is a `Screen` the window's state machine moves between."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from kiosk.services.auth import Account
from kiosk.ui.data import ContentSource
from kiosk.ui.i18n import tr
from kiosk.ui.session import PatientSession
from kiosk.ui.theme import NORMAL, Metrics, Palette, document_css, metrics_for

FONT_FAMILY = "Atkinson Hyperlegible"


class Context:
    """What every screen needs: data, the patient's choices, and the current look."""

    def __init__(self, source: ContentSource, session: PatientSession) -> None:
        self.source = source
        self.session = session
        self.palette: Palette = NORMAL
        self.metrics: Metrics = metrics_for(1920, 1080)
        self.portrait = False
        #: The screen's millimetres per pixel, where it reports a believable physical size (None: unknown).
        self.mm_per_px: float | None = None
        #: Who is logged in to the staff screens (None: nobody), and the language they work in, which is theirs:
        #: it never changes what patients see.
        self.staff: Account | None = None
        self.staff_lang = session.default_lang

    def staff_tr(self, key: str, **values: object) -> str:
        return tr(key, self.staff_lang, **values)

    @property
    def lang(self) -> str:
        return self.session.lang

    def tr(self, key: str, **values: object) -> str:
        return self.session.translate(key, **values)

    def font(self, px: int | None = None, bold: bool = False) -> QFont:
        font = QFont(FONT_FAMILY)
        font.setPixelSize(px or self.metrics.body)
        font.setBold(bold)
        return font

    def css(self) -> str:
        return document_css(self.palette, self.metrics)


class Screen(QWidget):
    """One screen. The window calls `enter` when it is shown, `refresh` when the language, theme, size or
    content changes, and `reset` when a patient's session ends."""

    name: ClassVar[str] = ""
    #: Ask the window to move to another screen: (screen name, arguments for its `enter`).
    navigate = Signal(str, dict)
    #: This screen is about to take a step inside itself that Back should undo: keep its `place` now.
    remembered = Signal()
    #: The patient undid that step by hand (closed what they opened): the place kept for it is no longer a step.
    forgotten = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(f"{type(self).__name__}")

    def enter(self, **args: Any) -> None:
        """Shown, with arguments such as a chapter and page."""

    def place(self) -> dict[str, Any]:
        """Where the patient is on this screen, as arguments for `enter` that bring them back to it (Back)."""
        return {}

    def leave(self) -> None:
        """Another screen is about to be shown."""

    def refresh(self) -> None:
        """Re-read content and redraw in the current language, theme and size, keeping the patient's place."""

    def reset(self) -> None:
        """Forget everything this patient did here."""

    def go(self, screen: str, **args: Any) -> None:
        self.navigate.emit(screen, args)

    def remember(self) -> None:
        self.remembered.emit()

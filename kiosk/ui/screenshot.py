"""Rendering a screen of the real window to a PNG, offscreen: for the README, for reviews and for tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from kiosk.content.state import Key
from kiosk.errors import UsageError
from kiosk.ui.app import create_application
from kiosk.ui.data import ContentSource
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.staff.console import StaffConsole
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.db.store import Store

PATIENT = ("attract", "home", "reader", "faq", "idle-warning")
STAFF = ("staff-login", "staff-menu", "staff-editor")


@dataclass(frozen=True)
class Shot:
    screen: str
    width: int = 1920
    height: int = 1080
    lang: str | None = None
    page: str | None = None  # chapter-id/page-id, or chapter-id
    large_text: bool = False
    high_contrast: bool = False
    query: str = ""
    question: str = ""


def screens() -> tuple[str, ...]:
    return PATIENT + STAFF


def settle(app: QApplication, window: KioskWindow) -> None:
    for _ in range(3):
        app.processEvents()
    window.restyle()
    for _ in range(3):
        app.processEvents()


def prepare(window: KioskWindow, shot: Shot) -> None:
    """Put the window in the state the shot asks for."""
    window.session.set_large_text(shot.large_text)
    window.session.set_high_contrast(shot.high_contrast)
    if shot.screen in ("reader",):
        chapter, _, page = (shot.page or "").partition("/")
        if not chapter:
            chapter = window.source.catalogue(window.session.lang).chapters[0].id
        window.move_to("reader", chapter=chapter, page=page or 0)
    elif shot.screen == "faq":
        window.move_to("faq", question=shot.question) if shot.question else window.move_to("faq")
        faq = window.screen_named("faq")
        assert isinstance(faq, FaqScreen)
        if shot.query:
            faq.show_keyboard()
            faq.search.setText(shot.query)
            faq.search_timer.stop()
            faq._rebuild()
    elif shot.screen == "staff-editor":
        window.move_to("staff-console")
        console = window.screen_named("staff-console")
        assert isinstance(console, StaffConsole)
        chapter, _, page = (shot.page or "treatment-day/monitoring").partition("/")
        key = Key("page", f"{chapter}/{page}") if page else Key("chapter", chapter)
        if key not in console.statuses():
            key = next(iter(console.statuses()))
        console.open_item(key)
    elif shot.screen == "idle-warning":
        window.move_to("home")
        window.idle._on_idle()
    else:
        window.move_to(shot.screen)


def render(store: Store, shot: Shot, out: Path) -> Path:
    if shot.screen not in screens():
        raise UsageError(f"unknown screen {shot.screen!r}; choose one of: {', '.join(screens())}")
    app = create_application()
    source = ContentSource(store.path)
    window = KioskWindow(source, lang=shot.lang)
    try:
        window.resize(shot.width, shot.height)
        window.show()
        settle(app, window)
        prepare(window, shot)
        settle(app, window)
        if shot.screen == "idle-warning":
            window.overlay.show_countdown(window.ctx, window.idle.left)
            app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise UsageError(f"cannot write {out}")
    finally:
        window.idle.stop()
        window.allow_close = True
        window.close()
        window.deleteLater()
        app.processEvents()
    return out

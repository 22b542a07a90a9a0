"""Rendering a screen of the real window to a PNG, offscreen: for the README, for reviews and for tests.

The window is built the way `kiosk run` builds it (made, sized, shown, and then left to the event loop to
polish and lay out), and put in the shot's state the way a patient gets there: woken to the home screen, then
moved on with the same calls a tap makes. `tests/e2e` holds these pictures against the real window under X.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from kiosk.content.links import split_page_ref
from kiosk.errors import UsageError
from kiosk.services.auth import ROLES, Account
from kiosk.ui import pictures, probe
from kiosk.ui.app import create_application
from kiosk.ui.data import ContentSource
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.teach_back import TeachBackScreen
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.ui.staff.console import StaffConsole

PATIENT = ("attract", "home", "reader", "faq", "teach-back", "take-home", "privacy", "idle-warning")
STAFF = ("staff-login", "staff-menu", "staff-editor", "staff-insights")
#: Who is shown signed in on the staff screens' pictures (no account is needed to take them).
SHOWN_STAFF = Account("Clinic staff", ROLES)


@dataclass(frozen=True)
class Shot:
    screen: str
    width: int = 1920
    height: int = 1080
    lang: str | None = None
    page: str | None = None  # chapter-id/page-id, or chapter-id
    text_size: int = 0  # 0 normal, 1 large, 2 largest
    high_contrast: bool = False
    query: str = ""
    question: str = ""
    dpi: float | None = None  # the screen's, if known; else text scales with the window
    answer: int | None = None  # teach-back: the choice tapped (1-based), to show why


def screens() -> tuple[str, ...]:
    return PATIENT + STAFF


def settle(app: QApplication) -> None:
    """Let the event loop do what it does before the next frame (polish, lay out, delete what was let go), and
    draw the pictures."""
    probe.settle(app)
    for _ in range(3):  # pictures are drawn off the UI thread: wait for them, not their placeholders
        pictures.loader().wait_until_idle()
        app.processEvents()


def prepare(window: KioskWindow, shot: Shot) -> None:
    """Put the window in the state the shot asks for, the way a patient's taps would."""
    if shot.lang:
        window.session.set_lang(shot.lang)
    if shot.screen in PATIENT and shot.screen != "attract":
        window.wake()
        window._guarding = False  # the wake guard swallows the next tap's press, not a call
    window.session.set_text_size(shot.text_size)
    window.session.set_high_contrast(shot.high_contrast)
    if shot.screen in ("reader",):
        chapter, page = split_page_ref(shot.page or "")
        if not chapter:
            chapter = window.source.catalogue(window.session.lang).chapters[0].id
        window.navigate("reader", chapter=chapter, page=page or 0)
    elif shot.screen == "faq":
        window.navigate("faq", question=shot.question) if shot.question else window.navigate("faq")
        faq = window.screen_named("faq")
        assert isinstance(faq, FaqScreen)
        if shot.query:
            faq.show_keyboard()
            faq.search.setText(shot.query)
            faq.search_timer.stop()
            faq._rebuild()
    elif shot.screen == "teach-back":
        chapters = [c for c in window.source.catalogue(window.session.lang).chapters if c.checks]
        chapter = (shot.page or "").partition("/")[0] or (chapters[0].id if chapters else "")
        question: int | str = int(shot.question) - 1 if shot.question.isdigit() else shot.question or 0
        window.navigate("teach-back", chapter=chapter, question=question)
        teach = window.screen_named("teach-back")
        assert isinstance(teach, TeachBackScreen)
        if shot.answer:
            teach.choose(shot.answer - 1)
    elif shot.screen == "take-home":
        if shot.question:
            window.navigate("take-home", question=shot.question)
        elif "/" in (shot.page or ""):
            window.navigate("take-home", page=shot.page)
        else:
            chapter = shot.page or window.source.catalogue(window.session.lang).chapters[0].id
            window.navigate("take-home", chapter=chapter)
    elif shot.screen == "staff-editor":
        from kiosk.content.state import Key  # the staff side, and SQLAlchemy with it, only for its pictures

        console = _console(window)
        chapter, page = split_page_ref(shot.page or "treatment-day/monitoring")
        key = Key("page", f"{chapter}/{page}") if page else Key("chapter", chapter)
        if key not in console.statuses():
            key = next(iter(console.statuses()))
        console.open_item(key)
        # How the page fits the patients' screens is worked out over many turns of the event loop; staff see
        # its note once it is done, and so does the picture.
        deadline = time.monotonic() + 60
        while console.editor.fit_check.running and time.monotonic() < deadline:
            QApplication.processEvents()
    elif shot.screen == "staff-insights":
        _console(window).show_panel("insights")
    elif shot.screen == "idle-warning":
        window.idle._on_idle()
    elif shot.screen != "home":
        if shot.screen == "staff-menu":
            window.ctx.staff = SHOWN_STAFF
        window.move_to(shot.screen)


def _console(window: KioskWindow) -> StaffConsole:
    from kiosk.ui.staff.console import StaffConsole

    window.ctx.staff = SHOWN_STAFF
    window.move_to("staff-console")
    console = window.screen_named("staff-console")
    assert isinstance(console, StaffConsole)
    return console


def render(db_path: Path, shot: Shot, out: Path) -> Path:
    """The shot of the kiosk on the database at `db_path` (made ready as `kiosk run` makes it), as a PNG."""
    if shot.screen not in screens():
        raise UsageError(f"unknown screen {shot.screen!r}; choose one of: {', '.join(screens())}")
    app = create_application()
    source = ContentSource(db_path)
    window = KioskWindow(source, lang=shot.lang, dpi=shot.dpi)
    try:
        window.resize(shot.width, shot.height)
        window.show()
        window.activateWindow()  # the kiosk's only window is the active one: focus shows as it does there
        settle(app)
        prepare(window, shot)
        settle(app)
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

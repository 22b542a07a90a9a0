"""Measuring what patients see: how much of each page shows, in the real window's own widgets.

`fit_pages` walks every page in a window at each screen size, text size and language and measures the reader as
it is on screen: the share of the text that shows at once, whether it scrolls, whether the "More below" cue says
so, and the longest line. `kiosk content fit` runs it offscreen; `kiosk run --probe` (for tests) answers the
same questions about the real window, driven one JSON line at a time on stdin, so a test under X can hold the two
to the same standard and compare the real window with `kiosk screenshot`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from PySide6.QtCore import QObject, QRect, QSocketNotifier
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.ui.data import ContentSource
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.reader import PageCard, ReaderScreen
from kiosk.ui.theme import TEXT_SIZES
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)

#: The screens the kiosk is laid out for: landscape and portrait 1080p, and two smaller landscape screens.
SIZES = ((1920, 1080), (1080, 1920), (1366, 768), (1280, 800))
#: Where every page must fit without scrolling in normal text.
NO_SCROLL_SIZES = ((1920, 1080), (1080, 1920))
#: A summary page must never show less than this share of its text at once.
SUMMARY_SHARE = 0.9
#: Longest line allowed (the layout aims at about 70 characters).
MAX_LINE = 78
#: A text view shorter than this many lines is crushed, whatever scrolls.
MIN_LINES = 3


@dataclass(frozen=True)
class PageFit:
    """One page as one screen showed it."""

    page: str  # chapter-id/page-id
    lang: str
    size: str  # "1920x1080"
    text_size: str  # normal, large or largest
    visible_fraction: float
    scrolls: bool
    cue: bool  # the "More below" cue shows
    summary: bool  # the chapter's last page
    reference: bool  # a reference chapter (the sources), exempt from fitting without scrolling
    longest_line: int  # characters
    lines_in_view: float

    def problems(self) -> list[str]:
        """What breaks the standard (docs/CONTENT.md, "Does it fit?")."""
        found = []
        if self.scrolls and not self.cue:
            found.append("text is hidden and nothing says so")
        if self.summary and self.visible_fraction < SUMMARY_SHARE:
            found.append(f"a summary that shows only {self.visible_fraction:.0%} at once")
        if (
            self.scrolls
            and self.text_size == TEXT_SIZES[0]
            and not self.reference
            and tuple(int(n) for n in self.size.split("x")) in NO_SCROLL_SIZES
        ):
            found.append("needs scrolling in normal text")
        if self.longest_line > MAX_LINE:
            found.append(f"lines of {self.longest_line} characters")
        if self.lines_in_view < MIN_LINES:
            found.append("the text is squeezed into too little room")
        return found

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["visible_fraction"] = round(self.visible_fraction, 3)
        data["lines_in_view"] = round(self.lines_in_view, 1)
        return data


def settle(app: QApplication) -> None:
    """Let the event loop do what it does before the next frame: polish, lay out, delete what was let go."""
    for _ in range(4):
        app.sendPostedEvents()
        app.processEvents()


def measure_card(card: PageCard) -> tuple[float, bool, bool, int, float]:
    """(visible share, scrolls, cue shown, longest line, lines in view) of the page `card` shows, read from its
    widgets as they are on screen: the parts of the document each column shows, against the whole."""
    text = card.text
    document = text.document()
    document.setTextWidth(text.viewport().width())
    needed = document.size().height()
    top = text.verticalScrollBar().value()
    shown = [(top, top + text.viewport().height())]
    if card.second.isVisible():
        shown.append((card.second.top, card.second.top + card.second.height()))
    covered = 0.0
    reach = 0
    for start, end in sorted(shown):
        start = max(start, reach)
        if end > start:
            covered += min(end, needed) - min(start, needed)
            reach = end
    scrolls = covered < needed - 1
    longest = 0
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for index in range(layout.lineCount() if layout is not None else 0):
            longest = max(longest, layout.lineAt(index).textLength())
        block = block.next()
    line = max(text.fontMetrics().lineSpacing(), 1)
    fraction = 1.0 if needed <= 0 else min(1.0, covered / needed)
    return fraction, scrolls, card.cue.isVisible(), longest, sum(end - start for start, end in shown) / line


def fit_current(window: KioskWindow) -> PageFit:
    """The reader's page as the window shows it now."""
    reader = window.screen_named("reader")
    assert isinstance(reader, ReaderScreen) and reader.chapter is not None
    card = reader.stage.front
    assert card.page is not None, "the reader shows the end of a chapter, not a page"
    fraction, scrolls, cue, longest, lines = measure_card(card)
    return PageFit(
        page=f"{reader.chapter_id}/{card.page.id}",
        lang=window.session.lang,
        size=f"{window.width()}x{window.height()}",
        text_size=TEXT_SIZES[window.session.text_size],
        visible_fraction=fraction,
        scrolls=scrolls,
        cue=cue,
        summary=reader.on_last_page and reader.chapter.card.kind == "topic",
        reference=reader.chapter.card.kind != "topic",
        longest_line=longest,
        lines_in_view=lines,
    )


def walk_pages(
    window: KioskWindow, text_sizes: Iterable[int], langs: Iterable[str], app: QApplication
) -> Iterator[PageFit]:
    """Every page in every language and text size, as the window shows it, one at a time."""
    for lang in langs:
        window.session.set_lang(lang)
        for level in text_sizes:
            window.session.set_text_size(level)
            settle(app)
            catalogue = window.source.catalogue(lang)
            for chapter in catalogue.chapters:
                window.move_to("reader", chapter=chapter.id, page=0)
                reader = window.screen_named("reader")
                assert isinstance(reader, ReaderScreen)
                for index in range(len(chapter.pages)):
                    reader.show_page(index, animate=False)
                    settle(app)
                    yield fit_current(window)


def fit_pages(
    source: ContentSource,
    sizes: Iterable[tuple[int, int]] = SIZES,
    text_sizes: Iterable[int] = range(len(TEXT_SIZES)),
    langs: Iterable[str] | None = None,
    dpi: float | None = None,
) -> list[PageFit]:
    """Every page at every size, text size and language, each in a window built as `kiosk run` builds it."""
    from kiosk.ui.app import create_application

    app = create_application()
    langs = tuple(langs or source.settings().languages)
    levels = tuple(text_sizes)
    fits: list[PageFit] = []
    for width, height in sizes:
        window = KioskWindow(source, dpi=dpi)
        try:
            window.resize(width, height)
            window.show()
            settle(app)
            window.wake()
            fits.extend(walk_pages(window, levels, langs, app))
        finally:
            window.idle.stop()
            window.allow_close = True
            window.close()
            window.deleteLater()
            settle(app)
    return fits


# --- the real window, under test -----------------------------------------------------------------------------


def geometry(window: KioskWindow) -> dict[str, list[int]]:
    """Where the widgets that matter are, in window coordinates: for comparing two renderings of one screen."""
    found: dict[str, list[int]] = {}

    def add(name: str, widget: QWidget | None) -> None:
        if widget is not None and widget.isVisible():
            rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
            found[name] = [rect.x(), rect.y(), rect.width(), rect.height()]

    add("bar", window.bar)
    add("footer", window.footer)
    add("back", window.bar.back_button)
    screen = window.screens.get(window.current)
    if isinstance(screen, HomeScreen):
        add("questions-tile", screen.questions_tile)
        for chapter_id, tile in screen.tiles.items():
            add(f"tile:{chapter_id}", tile)
    elif isinstance(screen, ReaderScreen):
        card = screen.stage.front
        for name, widget in (
            ("page-title", card.title),
            ("page-text", card.text),
            ("picture", card.picture),
            ("cue", card.cue),
            ("previous", screen.back_button),
            ("next", screen.next_button),
        ):
            add(name, widget)
    elif isinstance(screen, FaqScreen):
        add("search", screen.search)
        add("keyboard", screen.keyboard)
        for category_id, chip in screen.chip_buttons.items():
            add(f"chip:{category_id or 'most-asked'}", chip)
        for question_id, item in screen.items.items():
            add(f"question:{question_id}", item.header)
    if window.overlay.isVisible():
        add("idle-card", window.overlay.card)
    if screen is not None and screen.name == "staff-login":
        keypad = getattr(screen, "keypad", None)
        if keypad is not None:
            for digit, key in keypad.buttons.items():
                add(f"key:{digit}", key)
    return found


class Probe(QObject):
    """Answers a test's questions about the running kiosk: one JSON command a line on stdin, one JSON answer a
    line on stdout. Only `kiosk run --probe` starts it; a kiosk in service never reads its input."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self._buffer = b""
        self.notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._on_input)
        self.commands: dict[str, Callable[[dict[str, Any]], object]] = {
            "shot": self._shot,
            "geometry": lambda _: geometry(self.window),
            "fit": self._fit,
            "state": lambda _: {"screen": self.window.current, "history": len(self.window.history)},
            "quit": self._quit,
        }

    def _on_input(self) -> None:
        chunk = sys.stdin.buffer.read1(65536) if hasattr(sys.stdin.buffer, "read1") else b""
        if not chunk:
            self.notifier.setEnabled(False)
            return
        self._buffer += chunk
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if line.strip():
                self._answer(json.loads(line))

    def _answer(self, command: dict[str, Any]) -> None:
        try:
            result = self.commands[command["do"]](command)
            reply: dict[str, object] = {"ok": True, "result": result}
        except Exception as error:  # a test asked something wrong: say so, keep running
            log.exception("probe command failed")
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()

    def _app(self) -> QApplication:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        return app

    def _shot(self, command: dict[str, Any]) -> object:
        from kiosk.ui.screenshot import Shot, prepare

        fields = {k: v for k, v in command.items() if k in Shot.__dataclass_fields__}
        shot = Shot(width=self.window.width(), height=self.window.height(), **fields)
        prepare(self.window, shot)
        settle(self._app())
        self.window.repaint()
        return geometry(self.window)

    def _fit(self, command: dict[str, Any]) -> object:
        levels = command.get("text_sizes", range(len(TEXT_SIZES)))
        langs = command.get("langs") or self.window.source.settings().languages
        self.window.wake()
        self.window._guarding = False
        return [fit.as_json() for fit in walk_pages(self.window, levels, langs, self._app())]

    def _quit(self, _command: dict[str, Any]) -> object:
        self.window.allow_close = True
        self._app().quit()
        return "bye"

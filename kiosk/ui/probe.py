"""Measuring what patients see: how much of each page shows, in the real window's own widgets.

`fit_pages` walks every page in a window at each screen size, text size and language and measures the reader as
it is on screen: the share of the text that shows at once, whether it scrolls, whether the "More below" cue says
so, and the longest line. `kiosk content fit` runs it offscreen; `kiosk run --probe` (for tests) answers the
same questions about the real window, driven one JSON line at a time on stdin, so a test under X can hold the two
to the same standard and compare the real window with `kiosk screenshot`. `FitCheck` measures one page the same
way while staff edit it, a little at a time so the console never stalls.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QRect, QSize, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.services.catalogue import PageView
from kiosk.ui.data import ContentSource
from kiosk.ui.screens import Context
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.reader import PageCard, ReaderScreen
from kiosk.ui.session import PatientSession
from kiosk.ui.theme import NORMAL, TEXT_SIZES, metrics_for, stylesheet
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
    shown: list[tuple[int, int]] = []
    columns = [column for column in (card.first, card.second) if column.isVisible()]
    if columns:  # two columns, each painting its part of one copy of the text
        document = columns[0].document()
        assert document is not None
        shown = [(column.top, column.top + column.height()) for column in columns]
    else:
        document = text.document()
        document.setTextWidth(text.viewport().width())
        top = text.verticalScrollBar().value()
        shown = [(top, top + text.viewport().height())]
    needed = document.size().height()
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
                # As a patient arrives: from home, so the bar holds its Back button (in portrait at the largest
                # text it takes a second row, and the page has that much less room).
                window.navigate("home")
                window.navigate("reader", chapter=chapter.id, page=0)
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


# --- one page, as staff edit it -------------------------------------------------------------------------------


class FitCheck(QObject):
    """How one page fits at every supported size and text size, on the reader's own page card at the size the
    reader gives it there. The work is done one rendering per turn of the event loop (the first time also one
    screen size per turn, to learn the reader's size in each), and `finished` brings the results."""

    finished = Signal(list)

    def __init__(self, source: ContentSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.stages: dict[
            tuple[int, int, int], QSize
        ] = {}  # (width, height, text size) -> the reader's page area
        self._window: KioskWindow | None = None
        self._host: QWidget | None = None
        self._cards: dict[tuple[int, int, int], PageCard] = {}
        self._jobs: list[Callable[[], None]] = []
        self._results: list[PageFit] = []
        self.timer = QTimer(self)
        self.timer.setObjectName("fit_check_timer")
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._step)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def start(self, page: PageView, *, summary: bool, reference: bool) -> None:
        keys = [(w, h, level) for w, h in SIZES for level in range(len(TEXT_SIZES))]
        self._results = []
        self._jobs = [partial(self._learn_stage, key) for key in keys if key not in self.stages]
        if self._jobs:
            self._jobs.append(self._forget_window)
        self._jobs += [partial(self._measure, key, page, summary, reference) for key in keys]
        self.timer.start()

    def _step(self) -> None:
        if not self._jobs:
            self.timer.stop()
            self.finished.emit(list(self._results))
            return
        self._jobs.pop(0)()

    def _learn_stage(self, key: tuple[int, int, int]) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        if self._window is None:
            window = KioskWindow(self.source.reader(), physical_text=False)
            window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            window.gesture.uninstall()
            app.removeEventFilter(window)
            window.show()
            window.move_to("reader", chapter=window.source.catalogue(window.session.lang).chapters[0].id)
            window.idle.stop()
            self._window = window
        width, height, level = key
        self._window.resize(width, height)
        self._window.session.set_text_size(level)
        self._window.restyle()
        settle(app)
        reader = self._window.screen_named("reader")
        assert isinstance(reader, ReaderScreen)
        self.stages[key] = reader.stage.size()

    def _forget_window(self) -> None:
        if self._window is not None:  # hidden and let go (closing it could end an application with no other)
            self._window.idle.stop()
            self._window.hide()
            self._window.source.close()
            self._window.deleteLater()
            self._window = None

    def _measure(self, key: tuple[int, int, int], page: PageView, summary: bool, reference: bool) -> None:
        width, height, level = key
        card = self._cards.get(key)
        if card is None:
            if self._host is None:
                self._host = QWidget()
                self._host.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
                self._host.show()
            ctx = Context(self.source, PatientSession(page.lang, (page.lang,)))
            ctx.metrics = metrics_for(width, height, level)
            ctx.portrait = height > width
            card = PageCard(ctx, self._host)
            card.setStyleSheet(stylesheet(NORMAL, ctx.metrics))
            card.setFont(ctx.font())
            card.show()
            self._cards[key] = card
        card.ctx.session.set_lang(page.lang)
        card.resize(self.stages[key])
        card.show_page(page)
        fraction, scrolls, cue, longest, lines = measure_card(card)
        self._results.append(
            PageFit(
                page=f"{page.chapter_id}/{page.id}",
                lang=page.lang,
                size=f"{width}x{height}",
                text_size=TEXT_SIZES[level],
                visible_fraction=fraction,
                scrolls=scrolls,
                cue=cue,
                summary=summary,
                reference=reference,
                longest_line=longest,
                lines_in_view=lines,
            )
        )


#: How each kind of problem is told to staff (by how `PageFit.problems` starts its line).
NOTES = {
    "a summary": "less than 9 in 10 of this summary shows at once",
    "needs scrolling": "patients must scroll to read it all in normal text",
    "text is hidden": "some text is hidden with nothing to say so",
    "lines of": "its lines are too long to read comfortably",
    "the text is squeezed": "the text gets too little room",
}


def fit_notes(fits: Iterable[PageFit]) -> list[str]:
    """What staff should know about how a page fits, in a few plain lines, the most widespread first."""
    fits = list(fits)
    places: dict[str, list[PageFit]] = {}
    for fit in fits:
        for problem in fit.problems():
            kind = next((k for k in NOTES if problem.startswith(k)), problem)
            places.setdefault(kind, []).append(fit)
    notes = []
    for kind, where in sorted(places.items(), key=lambda item: -len(item[1])):
        worst = min(where, key=lambda f: f.visible_fraction)
        named = sorted({f"{f.size} in {f.text_size} text" for f in where})
        more = f" and {len(named) - 2} more" if len(named) > 2 else ""
        notes.append(
            f"Too long for the screen: {NOTES.get(kind, kind)} ({', '.join(named[:2])}{more}; "
            f"at worst {worst.visible_fraction:.0%} shows)."
        )
    scrolling = [fit for fit in fits if fit.scrolls and not fit.problems()]
    if scrolling and not notes:
        notes.append(
            f"Patients scroll to read all of it at {len(scrolling)} of {len(fits)} screen and text sizes "
            "(a 'More below' cue shows). Shorter pages are easier to read."
        )
    return notes


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
            "state": lambda _: self._state(),
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

    def _state(self) -> dict[str, object]:
        window = self.window
        state: dict[str, object] = {
            "screen": window.current,
            "history": len(window.history),
            "size": [window.width(), window.height()],
            "mm_per_px": window.mm_per_px(),
            "text_size": window.session.text_size,
            "lang": window.session.lang,
        }
        screen = window.screens.get(window.current)
        if isinstance(screen, ReaderScreen):
            state.update(chapter=screen.chapter_id, index=screen.index, at_end=screen.at_end)
        elif isinstance(screen, FaqScreen):
            state.update(query=screen.search.text(), open=screen.open_id, category=screen.category)
        return state

    def _shot(self, command: dict[str, Any]) -> object:
        from kiosk.ui import screenshot

        fields = {k: v for k, v in command.items() if k in screenshot.Shot.__dataclass_fields__}
        shot = screenshot.Shot(width=self.window.width(), height=self.window.height(), **fields)
        self.window.reset_session()  # each shot from a fresh session, as `kiosk screenshot` starts one
        # Settled as `kiosk screenshot` settles it, pictures drawn included: the two are compared.
        screenshot.settle(self._app())
        screenshot.prepare(self.window, shot)
        screenshot.settle(self._app())
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

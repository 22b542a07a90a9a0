"""What patients see at every supported screen size: every tile on the first frame, the topics without
scrolling, every answer within three taps, and page text that shows whole or says there is more."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.db.store import Store
from kiosk.ui.data import ContentSource
from kiosk.ui.probe import SIZES, SUMMARY_SHARE, fit_current, fit_pages, measure_card
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.reader import PageCard
from kiosk.ui.screens.teach_back import TeachBackScreen
from kiosk.ui.theme import TEXT_SIZES
from kiosk.ui.widgets import MoreBelow, TapArea, balanced_lines
from kiosk.ui.window import KioskWindow
from tests.helpers.ui import faq, home, open_window, reader, tap, tap_again

IDS = [f"{w}x{h}" for w, h in SIZES]


def chips_on_screen(questions: FaqScreen, window: KioskWindow) -> bool:
    return all(on_screen(chip, window) for chip in questions.chip_buttons.values())


def on_screen(widget: QWidget, window: KioskWindow, within: QWidget | None = None) -> bool:
    """Whole, inside the window above the footer (and inside `within`, a scroll area's viewport)."""
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    room = window.rect().adjusted(0, 0, 0, -window.footer.height())
    if within is not None:
        room = room.intersected(QRect(within.mapTo(window, within.rect().topLeft()), within.size()))
    return widget.isVisible() and room.contains(rect)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=IDS)
def test_home_shows_every_chapter_tile_on_its_first_frame(
    qtbot: QtBot, bundled_store: Store, width: int, height: int, lang: str
) -> None:
    window = open_window(qtbot, bundled_store, width, height, lang=lang)
    tap(qtbot, window.attract)  # home is made now, as the patient wakes the kiosk
    screen = home(window)
    qtbot.wait(1)  # one turn of the event loop: the first frame
    viewport = screen.scroll_area.viewport()
    assert screen.scroll_area.verticalScrollBar().maximum() == 0
    assert screen.questions_tile is not None and on_screen(screen.questions_tile, window, viewport)
    hidden = [cid for cid, tile in screen.tiles.items() if not on_screen(tile, window, viewport)]
    assert hidden == [] and len(screen.tiles) >= 8
    for level in (2, 1, 0):  # each text size makes the tiles again: the old ones all go
        window.session.set_text_size(level)
    qtbot.wait(1)
    shown = [w for w in screen.body.children() if isinstance(w, TapArea) and w.isVisible()]
    assert len(shown) == len(screen.tiles) + 1
    window.allow_close = True


@pytest.mark.parametrize(("width", "height"), SIZES, ids=IDS)
def test_topics_show_without_scrolling_and_every_answer_is_three_taps_from_home(
    qtbot: QtBot, bundled_store: Store, width: int, height: int
) -> None:
    window = open_window(qtbot, bundled_store, width, height)
    catalogue = window.source.catalogue("en")
    every = {q.id for c in catalogue.categories for q in c.questions}
    for level in range(len(TEXT_SIZES)):
        window.reset_session()
        tap(qtbot, window.attract)
        window._guarding = False
        window.session.set_text_size(level)
        screen = home(window)
        tile = screen.questions_tile
        assert tile is not None
        viewport = screen.scroll_area.viewport()
        qtbot.wait_until(partial(on_screen, tile, window, viewport))
        tap(qtbot, tile)  # one
        questions = faq(window)
        assert window.current == "faq"
        qtbot.wait_until(partial(chips_on_screen, questions, window))
        two = set(questions.items)  # the most asked: two taps
        assert len(two) >= 5
        reached = set(two)
        for category_id, chip in questions.chip_buttons.items():
            if category_id:
                tap_again(qtbot, chip) if chip.guard._last >= 0 else tap(qtbot, chip)  # two
                reached |= set(questions.items)
        assert reached == every  # three: the question itself, in its topic's list
    first = next(iter(questions.items.values()))
    qtbot.wait_until(lambda: on_screen(first.header, window, questions.scroll_area.viewport()))
    tap(qtbot, first.header)  # three
    assert first.is_open
    window.allow_close = True


def test_lines_stay_about_seventy_characters_at_every_size(qtbot: QtBot, store: Store) -> None:
    fits = fit_pages(ContentSource(store.path))
    assert len(fits) == len(SIZES) * len(TEXT_SIZES) * 2 * 4  # sizes x text sizes x languages x pages
    assert max(fit.longest_line for fit in fits) <= 78
    assert all(fit.problems() == [] for fit in fits), [(f, f.problems()) for f in fits if f.problems()]


def show_long_page(window: KioskWindow, items: int, picture: bool) -> PageCard:
    """A page of `items` list items (with a picture, or not) on the reader's own card, as it shows pages."""
    reader_screen = reader(window)
    window.navigate("reader", chapter=window.source.catalogue("en").chapters[0].id, page=0)
    real = next(p for c in window.source.catalogue("en").chapters for p in c.pages if p.image)
    html = "<ul>" + "".join(
        f"<li>Point {n}: tell your care team if this is true for you.</li>" for n in range(items)
    )
    page = replace(real, title="A long list", html=html + "</ul>", image=real.image if picture else None)
    card = reader_screen.stage.front
    card.show_page(page)
    return card


def test_a_page_too_long_to_show_whole_says_there_is_more(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, store, 1280, 800)
    tap(qtbot, window.attract)
    window._guarding = False
    window.session.set_text_size(2)
    card = show_long_page(window, 60, picture=False)
    qtbot.wait(1)
    fraction, scrolls, cue, _, _ = measure_card(card)
    assert scrolls and fraction < 0.5 and cue and card.cue.text() == "↓  More below"
    assert on_screen(card.cue, window) and card.cue.height() >= 48
    bar = card.text.verticalScrollBar()
    tap(qtbot, card.cue)  # the cue pages on
    qtbot.wait_until(lambda: bar.value() > 0)
    bar.setValue(bar.maximum())
    qtbot.wait_until(lambda: not card.cue.isVisible())  # at the end, it goes
    window.allow_close = True


def test_a_long_list_takes_two_columns_beside_a_smaller_picture(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, store, 1920, 1080)
    tap(qtbot, window.attract)
    window._guarding = False
    card = show_long_page(window, 14, picture=True)
    qtbot.wait(1)
    fraction, scrolls, _, _, _ = measure_card(card)
    assert card.arrangement.columns == 2 and card.first.isVisible() and card.second.isVisible()
    assert not scrolls and fraction == 1.0  # every point shows
    assert card.second.top > 0 and card.picture.width() < card.width() * 0.45
    card = show_long_page(window, 5, picture=True)  # a short list: one column, a generous picture
    assert card.arrangement.columns == 1 and card.picture.width() > card.width() * 0.4
    window.allow_close = True


@pytest.mark.parametrize(("width", "height"), SIZES, ids=IDS)
def test_summaries_show_at_least_nine_tenths_at_every_text_size(
    qtbot: QtBot, bundled_store: Store, width: int, height: int
) -> None:
    window = open_window(qtbot, bundled_store, width, height, lang="es")
    tap(qtbot, window.attract)
    window._guarding = False
    for level in range(len(TEXT_SIZES)):
        window.session.set_text_size(level)
        for chapter in window.source.catalogue("es").chapters:
            if chapter.card.kind != "topic":
                continue
            window.navigate("reader", chapter=chapter.id, page=len(chapter.pages) - 1)
            qtbot.wait(1)
            fit = fit_current(window)
            assert fit.summary and fit.visible_fraction >= SUMMARY_SHARE, fit
    window.allow_close = True


def test_a_page_after_one_that_scrolled_still_shows_its_cue(qtbot: QtBot, bundled_store: Store) -> None:
    """Walking every page in turn, as a patient does: nothing left over from one page (a scroll bar that
    narrows the text by a line) hides text on the next without the cue."""
    fits = fit_pages(
        ContentSource(bundled_store.path), sizes=[(1920, 1080)], text_sizes=[2], langs=["en"], dpi=96
    )
    assert any(fit.scrolls for fit in fits)
    assert [fit for fit in fits if fit.scrolls and not fit.cue] == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_teach_back_question_shows_its_choices_and_why_or_says_there_is_more(
    qtbot: QtBot, bundled_store: Store, lang: str
) -> None:
    """The smallest screen at the largest text: the words of every choice, and after an answer of the page to
    read, are in sight, or "More below" says there is more; the cue brings up what was below."""
    window = open_window(qtbot, bundled_store, 1280, 800, lang=lang)
    tap(qtbot, window.attract)
    window.session.set_text_size(len(TEXT_SIZES) - 1)
    screen = window.screen_named("teach-back")
    assert isinstance(screen, TeachBackScreen)
    viewport, bar = screen.scroll_area.viewport(), screen.scroll_area.verticalScrollBar()
    seen = 0
    for chapter in window.source.catalogue(lang).chapters:
        for index in range(len(chapter.checks)):
            window.navigate("teach-back", chapter=chapter.id, question=index)
            for answered in (False, True):
                if answered:
                    screen.choose(0)
                qtbot.wait(20)  # a few turns of the event loop: the layout settles
                parts = [*screen.choices, *([screen.read_page] if answered else [])]
                hidden = [part.text() for part in parts if not on_screen(part.text_label, window, viewport)]
                assert screen.cue.isVisible() == (bar.maximum() > bar.value() + MoreBelow.SLACK_PX)
                assert screen.cue.isVisible() or not hidden, (chapter.id, index, answered, hidden)
                if screen.cue.isVisible():
                    screen.cue.click()
                    assert bar.value() > 0
                seen += 1
    assert seen >= 2 * 20  # every chapter's questions were looked at
    window.allow_close = True


def test_a_line_too_long_for_one_line_breaks_where_it_reads_best() -> None:
    spanish = "¿Está en crisis? Llame al 988 y marque el 2, o envíe AYUDA al 988"
    assert balanced_lines("In crisis? Call or text 988", len, 40) == "In crisis? Call or text 988"
    # Greedy wrapping at 62 characters would leave "988" alone on the second line.
    assert (
        balanced_lines(spanish, len, 62)
        == "¿Está en crisis? Llame al 988 y marque el 2,\no envíe AYUDA al 988"
    )
    assert (
        balanced_lines("call the clinic or call nine one one", len, 30)
        == "call the clinic or\ncall nine one one"
    )
    assert balanced_lines("incomprehensibilities", len, 10) == "incomprehensibilities"  # the label wraps it


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_crisis_line_never_leaves_a_word_alone_on_the_small_screen(
    qtbot: QtBot, bundled_store: Store, lang: str
) -> None:
    window = open_window(qtbot, bundled_store, 1280, 800, lang=lang)
    tap(qtbot, window.attract)
    for level in range(len(TEXT_SIZES)):
        window.session.set_text_size(level)
        qtbot.wait(1)
        crisis = window.footer.crisis
        lines = crisis.text().split("\n")
        assert " ".join(lines) == crisis.full_text() and all(len(line.split()) > 1 for line in lines), lines
        assert crisis.heightForWidth(crisis.width()) <= crisis.height()  # every line shows
        width = QFontMetricsF(crisis.font()).horizontalAdvance
        assert all(width(line) <= crisis.contentsRect().width() for line in lines), lines
    window.allow_close = True

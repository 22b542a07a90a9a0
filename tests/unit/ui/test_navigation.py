"""Moving between screens by touch: attract, home, reader (buttons, swipes, dots, links) and questions."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.content.state import Key, RowWriter, read_state
from kiosk.db.store import Store
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.window import KioskWindow


def tap(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def reader(window: KioskWindow) -> ReaderScreen:
    screen = window.screen_named("reader")
    assert isinstance(screen, ReaderScreen)
    return screen


def faq(window: KioskWindow) -> FaqScreen:
    screen = window.screen_named("faq")
    assert isinstance(screen, FaqScreen)
    return screen


def home(window: KioskWindow) -> HomeScreen:
    screen = window.screen_named("home")
    assert isinstance(screen, HomeScreen)
    return screen


def wake(qtbot: QtBot, window: KioskWindow) -> None:
    tap(qtbot, window.attract)
    qtbot.wait_until(lambda: window.current == "home")
    window._guarding = False  # the wake guard is tested on its own


def test_starts_on_the_attract_screen_without_the_bar(window: KioskWindow) -> None:
    assert window.current == "attract"
    assert window.bar.isHidden() and window.footer.isVisible()
    assert window.footer.crisis.text() == "In crisis? Call or text 988"


def test_the_touch_that_wakes_only_wakes(qtbot: QtBot, window: KioskWindow) -> None:
    tap(qtbot, window.attract)
    assert window.current == "home"
    tile = home(window).tiles["first-steps"]
    tap(qtbot, tile)  # the same finger, still on the glass: swallowed
    assert window.current == "home"


def test_home_to_reader_and_through_a_chapter_with_buttons(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    home(window).tiles["first-steps"].clicked.emit()
    screen = reader(window)
    assert window.current == "reader" and screen.chapter_id == "first-steps" and screen.index == 0
    assert screen.position.text() == "Page 1 of 3"
    tap(qtbot, screen.next_button)
    assert screen.index == 1 and screen.dots.current == 1 and screen.position.text() == "Page 2 of 3"
    assert screen.stage.front.title.text() == "Links and lists"
    tap(qtbot, screen.back_button)
    assert screen.index == 0
    tap(qtbot, screen.back_button)  # "All topics" on the first page
    assert window.current == "home"


def test_last_page_offers_the_next_chapter_and_related_questions(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page="summary")
    screen = reader(window)
    assert screen.on_last_page and screen.next_button.text().startswith("Next topic")
    assert screen.up_next.text() == "Up next: The second chapter"
    window.move_to("reader", chapter="second", page=0)
    assert not screen.end_panel.isHidden()
    related = [screen.related_flow.itemAt(i).widget() for i in range(screen.related_flow.count())]
    assert [w.text() for w in related] == ["Can I drive myself home afterwards?"]  # type: ignore[union-attr]
    related[0].clicked.emit()  # type: ignore[union-attr]
    assert window.current == "faq" and faq(window).open_id == "can-i-drive"


def test_next_on_the_last_page_of_the_last_chapter_goes_home(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page="summary")
    tap(qtbot, reader(window).next_button)
    assert reader(window).chapter_id == "second" and reader(window).index == 0
    tap(qtbot, reader(window).next_button)
    assert window.current == "home"


def swipe(qtbot: QtBot, widget: QWidget, dx: int) -> None:
    start = widget.rect().center()
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, start + QPoint(dx // 2, 0))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=start + QPoint(dx, 0), delay=60)


def test_swiping_turns_pages_both_ways_with_an_animation(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page=0)
    screen = reader(window)
    swipe(qtbot, screen.stage.front.text.viewport(), -500)
    assert screen.index == 1
    assert screen.stage.turning  # the page slides in
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.stage.front.pos() == QPoint(0, 0) and screen.stage.back.isHidden()
    swipe(
        qtbot,
        screen.stage.front.picture if screen.stage.front.figure.isVisible() else screen.stage.front,
        500,
    )
    assert screen.index == 0


def test_short_or_vertical_drags_are_not_swipes(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page=0)
    screen = reader(window)
    swipe(qtbot, screen.stage.front.text.viewport(), -20)
    target = screen.stage.front.text.viewport()
    start = target.rect().center()
    qtbot.mousePress(target, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseRelease(target, Qt.MouseButton.LeftButton, pos=start + QPoint(-120, 300), delay=60)
    assert screen.index == 0


def test_rapid_taps_never_break_navigation(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page=0)
    screen = reader(window)
    tap(qtbot, screen.next_button)
    tap(qtbot, screen.next_button)  # a second tap while the first page is still sliding
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.index == 2
    assert screen.stage.front.page is not None and screen.stage.front.page.id == "summary"
    assert screen.stage.front.pos() == QPoint(0, 0) and screen.stage.back.isHidden()
    for _ in range(6):  # and a flurry past the end of the chapter and beyond
        tap(qtbot, screen.next_button)
    assert window.current in ("reader", "home")
    if window.current == "reader":
        assert 0 <= screen.index < screen.page_count
        assert screen.stage.front.page is not None
        assert screen.stage.front.page.id == screen.chapter.pages[screen.index].id  # type: ignore[union-attr]


def test_double_tap_on_a_tile_opens_the_chapter_once(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    tile = home(window).tiles["second"]
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton, pos=tile.rect().center())
    tap(qtbot, tile)
    assert window.current == "reader" and reader(window).chapter_id == "second"


def test_links_in_text_open_pages_and_answers(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page=0)
    screen = reader(window)
    screen.stage.front.text.link_activated.emit("page:first-steps/links")
    assert screen.index == 1
    screen.stage.front.text.link_activated.emit("page:second/driving")
    assert screen.chapter_id == "second" and screen.index == 0
    screen.stage.front.text.link_activated.emit("faq:can-i-drive")
    assert window.current == "faq" and faq(window).items["can-i-drive"].is_open


def test_a_missing_picture_shows_its_alt_text(qtbot: QtBot, store: Store) -> None:
    with store.session() as session, session.begin():
        key = Key("asset", "dot.svg")
        RowWriter(session).write(key, {**read_state(session)[key].fields, "deleted": True})
    from tests.unit.ui.conftest import open_window

    window = open_window(qtbot, store)
    window.move_to("reader", chapter="first-steps", page=0)
    picture = reader(window).stage.front.picture
    assert picture.is_missing and picture.accessibleName() == "A teal dot on a light card"
    image = picture.grab().toImage()
    assert image.width() > 0  # painting the fallback does not fail
    window.allow_close = True


def test_home_button_and_questions_tile(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    assert home(window).questions_tile is not None
    home(window).questions_tile.clicked.emit()
    assert window.current == "faq"
    tap(qtbot, window.bar.home_button)
    assert window.current == "home"


def test_each_screen_change_is_counted_once_and_never_logged(
    qtbot: QtBot, window: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.ui.window")
    wake(qtbot, window)
    window.move_to("faq")
    window.move_to("faq")  # not a change
    counted = {
        target: n for (_day, event, target), n in window.source.usage.pending.items() if event == "screen"
    }
    assert counted == {"attract": 1, "home": 1, "faq": 1}
    assert not [r for r in caplog.records if "faq" in r.getMessage() or "home" in r.getMessage()]


@pytest.mark.logs_warnings
def test_unknown_screens_go_home(window: KioskWindow) -> None:
    window.move_to("nowhere")
    assert window.current == "home"


def test_the_attract_screen_loops_calmly_through_the_chapters(qtbot: QtBot, window: KioskWindow) -> None:
    attract = window.attract
    assert attract.slide_timer.isActive() and attract.slide_timer.interval() == 8000
    first = attract.topic.text()
    attract.next_slide()
    qtbot.wait_until(lambda: attract.topic.text() != first and attract._phase == "", timeout=5000)
    assert attract.slide == 1 and attract.topic.text() == "The second chapter"
    assert attract._fade.opacity() == pytest.approx(1.0)
    assert "Toque para aprender" in attract.second.text()

"""Moving between screens by touch: attract, home, reader (buttons, drags, dots, links), questions, Back."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.content.state import Key, RowWriter, read_state
from kiosk.db.store import Store
from kiosk.ui.widgets import REPEAT_TAP_MS
from kiosk.ui.window import KioskWindow
from tests.helpers.ui import faq, home, open_window, reader, tap, tap_again, wake


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
    reader(window).boundary_ms = 0  # the pause at a chapter's edge has its own tests
    home(window).tiles["first-steps"].clicked.emit()
    screen = reader(window)
    assert window.current == "reader" and screen.chapter_id == "first-steps" and screen.index == 0
    assert screen.position.text() == "Page 1 of 3"
    tap(qtbot, screen.next_button)
    assert screen.index == 1 and screen.dots.current == 1 and screen.position.text() == "Page 2 of 3"
    assert screen.stage.front.title.text() == "Links and lists"
    tap(qtbot, screen.back_button)
    assert screen.index == 0
    assert screen.back_button.text() == "←  All topics"
    tap_again(qtbot, screen.back_button)
    assert window.current == "home"


def test_after_the_last_page_comes_the_chapters_end(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    screen = reader(window)
    screen.boundary_ms = 0  # the pause at a chapter's edge has its own tests
    window.navigate("reader", chapter="first-steps", page="summary")
    assert screen.on_last_page and screen.next_button.text() == "Next  →"
    tap(qtbot, screen.next_button)
    card = screen.stage.front
    assert screen.at_end and card.ending and screen.position.text() == "End of topic"
    assert card.end.finished.text() == "You finished: First steps"
    assert card.end.up_next.text() == "Up next: The second chapter  →"  # a button, not a heading
    assert screen.next_button.text() == "Next topic  →"
    tap(qtbot, card.end.up_next)
    assert screen.chapter_id == "second" and screen.index == 0
    tap_again(qtbot, screen.next_button)
    end = screen.stage.front.end
    assert [b.text() for b in end.questions] == ["Can I drive myself home afterwards?"]
    assert end.up_next.isHidden()  # the last chapter: nothing comes next
    tap(qtbot, end.questions[0])
    assert window.current == "faq" and faq(window).open_id == "can-i-drive"


def test_next_on_the_end_of_the_last_chapter_goes_home(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    reader(window).boundary_ms = 0
    window.navigate("reader", chapter="first-steps", page=3)  # the end of the chapter
    tap(qtbot, reader(window).next_button)
    assert reader(window).chapter_id == "second" and reader(window).index == 0
    tap_again(qtbot, reader(window).next_button)
    assert reader(window).at_end
    tap_again(qtbot, reader(window).next_button)
    assert window.current == "home"


def drag(
    qtbot: QtBot, window: KioskWindow, widget: QWidget, dx: int, steps: int = 6, pause: int = 10
) -> None:
    """A finger on `widget` moving `dx` pixels sideways, as the window receives it (touch arrives as mouse)."""
    handle = window.windowHandle()
    start = widget.mapTo(window, widget.rect().center())
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, steps + 1):
        QTest.mouseMove(handle, start + QPoint(dx * step // steps, 0), pause)
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start + QPoint(dx, 0), delay=pause)


def test_a_quick_swipe_turns_the_page_both_ways_with_an_animation(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    drag(qtbot, window, screen.stage.front.text, -300)
    assert screen.index == 1
    assert screen.stage.turning  # the page slides the rest of the way
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.stage.front.pos() == QPoint(0, 0) and screen.stage.back.isHidden()
    assert screen.stage.front.page is not None and screen.stage.front.page.id == "links"
    drag(qtbot, window, screen.stage.front, 300)
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.index == 0


def test_the_page_follows_the_finger(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    handle = window.windowHandle()
    start = screen.stage.mapTo(window, screen.stage.rect().center())
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(handle, start + QPoint(-60, 0), 20)
    QTest.mouseMove(handle, start + QPoint(-200, 0), 20)
    assert screen.stage.front.x() == -200  # the page moved with the finger
    assert screen.stage.back.isVisible() and screen.stage.back.x() == screen.stage.width() - 200
    assert (
        screen.stage.back.page is not None and screen.stage.back.page.id == "links"
    )  # the next page, coming in
    QTest.mouseMove(handle, start + QPoint(-100, 0), 20)
    assert screen.stage.front.x() == -100  # and back again
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start + QPoint(-100, 0), delay=400)
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert (
        screen.index == 0 and screen.stage.front.x() == 0
    )  # let go short of a third, slowly: it settles back


def test_a_slow_drag_past_a_third_of_the_width_turns_the_page(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    width = screen.stage.width()
    drag(
        qtbot, window, screen.stage, -(width // 3 - 20), steps=10, pause=200
    )  # two seconds, short of a third
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.index == 0
    drag(qtbot, window, screen.stage, -(width // 3 + 20), steps=10, pause=200)  # two seconds, past a third
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.index == 1


def test_short_or_vertical_drags_do_not_turn_pages(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    drag(qtbot, window, screen.stage.front.text, -10)  # a tap that wobbled
    handle = window.windowHandle()
    start = screen.stage.mapTo(window, screen.stage.rect().center())
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(handle, start + QPoint(-20, 120), 20)  # mostly down: scrolling, not turning
    QTest.mouseMove(handle, start + QPoint(-400, 200), 20)
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start + QPoint(-400, 200), delay=20)
    assert screen.index == 0 and screen.stage.front.x() == 0


def test_a_drag_past_the_chapters_first_page_gives_a_little_and_settles(
    qtbot: QtBot, window: KioskWindow
) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    drag(qtbot, window, screen.stage, 400)
    assert window.current == "reader" and screen.chapter_id == "first-steps" and screen.index == 0
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.stage.front.x() == 0


def test_a_double_tap_on_next_turns_one_page(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    qtbot.mouseDClick(screen.next_button, Qt.MouseButton.LeftButton, pos=screen.next_button.rect().center())
    tap(qtbot, screen.next_button)  # a third tap, still within the moment
    qtbot.wait_until(lambda: not screen.stage.turning)
    assert screen.index == 1
    tap_again(qtbot, screen.next_button)  # a deliberate tap later on counts
    assert screen.index == 2


def test_quick_taps_stop_at_the_summary_and_never_cross_into_the_next_chapter(
    qtbot: QtBot, window: KioskWindow
) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    for _ in range(6):  # tap, tap, tap..., each a deliberate tap but quicker than anyone reads
        tap_again(qtbot, screen.next_button)
    assert screen.chapter_id == "first-steps" and screen.on_last_page  # held at the summary
    qtbot.wait(screen.boundary_ms + 100)
    tap(qtbot, screen.next_button)
    assert screen.at_end  # a fresh tap moves on, to this chapter's end
    tap(qtbot, screen.stage.front.end.up_next)  # "Up next", the moment it appears: not yet
    tap_again(qtbot, screen.next_button)
    tap_again(qtbot, screen.next_button)
    assert screen.chapter_id == "first-steps"  # the end holds too
    qtbot.wait(screen.boundary_ms + 100)
    tap(qtbot, screen.next_button)
    assert screen.chapter_id == "second" and screen.index == 0


def test_a_press_already_down_when_the_summary_arrives_does_not_leave_it(
    qtbot: QtBot, window: KioskWindow
) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=1)
    screen = reader(window)
    screen.boundary_ms = 0
    qtbot.mousePress(screen.next_button, Qt.MouseButton.LeftButton, pos=screen.next_button.rect().center())
    screen.boundary_ms = 1000
    screen.show_page(2)  # the summary arrives while the finger is still on Next
    qtbot.mouseRelease(screen.next_button, Qt.MouseButton.LeftButton, pos=screen.next_button.rect().center())
    assert screen.on_last_page


def test_quick_taps_on_previous_stop_at_the_first_page(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=2)
    screen = reader(window)
    for _ in range(4):
        tap_again(qtbot, screen.back_button)
    assert window.current == "reader" and screen.index == 0  # "All topics" waits for a fresh tap
    qtbot.wait(screen.boundary_ms + 100)
    tap(qtbot, screen.back_button)
    assert window.current == "home"


def test_double_tap_on_a_tile_opens_the_chapter_once(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    tile = home(window).tiles["second"]
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton, pos=tile.rect().center())
    tap(qtbot, tile)
    assert window.current == "reader" and reader(window).chapter_id == "second"
    assert len(window.history) == 1  # one move, remembered once


def test_links_in_text_open_pages_and_answers(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    screen.stage.front.text.link_activated.emit("page:first-steps/links")
    assert screen.index == 1
    screen.stage.front.text.link_activated.emit("page:second/driving")
    assert screen.chapter_id == "second" and screen.index == 0
    screen.stage.front.text.link_activated.emit("faq:can-i-drive")
    assert window.current == "faq" and faq(window).items["can-i-drive"].is_open


def back(qtbot: QtBot, window: KioskWindow) -> None:
    assert window.bar.back_button.isVisible()
    tap_again(qtbot, window.bar.back_button)


def test_back_returns_from_an_answer_to_the_page_and_from_a_page_to_the_answer(
    qtbot: QtBot, window: KioskWindow
) -> None:
    wake(qtbot, window)
    assert window.bar.back_button.isHidden()  # home: nowhere to go back to
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    screen.stage.front.text.link_activated.emit("faq:can-i-drive")  # page -> answer
    questions = faq(window)
    assert window.current == "faq" and questions.items["can-i-drive"].is_open
    questions.items["can-i-drive"].answer_text.link_activated.emit("page:second/driving")  # answer -> page
    assert window.current == "reader" and screen.chapter_id == "second"
    back(qtbot, window)
    assert window.current == "faq" and questions.open_id == "can-i-drive"  # the answer, still open
    assert questions.items["can-i-drive"].is_open
    back(qtbot, window)
    assert window.current == "reader" and (screen.chapter_id, screen.index) == ("first-steps", 0)
    back(qtbot, window)
    assert window.current == "home"


def test_back_from_a_page_reached_by_a_link_returns_to_the_linking_page(
    qtbot: QtBot, window: KioskWindow
) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=0)
    screen = reader(window)
    screen.stage.front.text.link_activated.emit("page:first-steps/summary")
    assert screen.index == 2
    back(qtbot, window)
    assert screen.index == 0  # the page the link was on, not the page before the summary


def test_back_from_an_answer_returns_to_the_list_with_the_typed_question_and_scroll(
    qtbot: QtBot, bundled_store: Store
) -> None:

    window = open_window(qtbot, bundled_store, 1280, 800)
    wake(qtbot, window)
    window.navigate("faq")
    questions = faq(window)
    tap(qtbot, questions.search)
    for char in "side effects":
        questions.keyboard.type(char)
    qtbot.wait_until(lambda: len(questions.items) >= 4 and not questions.search_timer.isActive())
    bar = questions.scroll_area.verticalScrollBar()
    qtbot.wait_until(lambda: bar.maximum() > 100)
    bar.setValue(100)
    listed = list(questions.items)
    opened = listed[2]
    questions.items[opened].header.clicked.emit()  # list -> answer
    assert questions.items[opened].is_open and questions.keyboard.isHidden()
    questions.items[opened].answer_text.link_activated.emit("page:treatment-day/monitoring")
    assert window.current == "reader"
    back(qtbot, window)  # page -> answer
    assert window.current == "faq" and questions.items[opened].is_open
    assert questions.search.text() == "side effects"
    back(qtbot, window)  # answer -> list
    assert questions.search.text() == "side effects" and questions.open_id == ""
    assert list(questions.items) == listed and not any(item.is_open for item in questions.items.values())
    qtbot.wait_until(lambda: bar.value() == 100)
    window.allow_close = True


def test_closing_an_answer_again_leaves_no_step_behind(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("faq")
    questions = faq(window)
    steps = len(window.history)
    questions.toggle("can-i-drive")
    assert len(window.history) == steps + 1
    questions.toggle("is-it-addictive")  # another answer in the same list: the same step back
    assert len(window.history) == steps + 1
    questions.toggle("is-it-addictive")  # closed again by hand: nothing left to go back to here
    assert len(window.history) == steps


def test_chapters_resume_where_the_patient_left_off_until_the_session_ends(
    qtbot: QtBot, window: KioskWindow
) -> None:
    wake(qtbot, window)
    tap(qtbot, home(window).tiles["first-steps"])
    screen = reader(window)
    tap(qtbot, screen.next_button)
    assert screen.index == 1
    tap(qtbot, window.bar.home_button)
    tile = home(window).tiles["first-steps"]
    assert tile.resume.isVisible() and tile.resume.text() == "You were on page 2 of 3"
    qtbot.wait(REPEAT_TAP_MS)
    tap(qtbot, tile)
    assert screen.chapter_id == "first-steps" and screen.index == 1  # where they were
    window.reset_session()
    wake(qtbot, window)
    assert not home(window).tiles["first-steps"].resume.isVisible()
    tap(qtbot, home(window).tiles["first-steps"])
    assert screen.index == 0  # a new patient starts at the beginning


def test_a_finished_chapter_starts_again_at_its_first_page(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=3)
    window.navigate("home")
    window.navigate("reader", chapter="first-steps")
    assert reader(window).index == 0


def test_start_over_ends_the_session(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.session.set_lang("es")
    window.session.set_text_size(2)
    window.navigate("reader", chapter="first-steps", page=1)
    assert (
        window.bar.start_over_button.isVisible() and window.bar.start_over_button.text() == "Empezar de nuevo"
    )
    with qtbot.wait_signal(window.session_reset):
        tap(qtbot, window.bar.start_over_button)
    assert window.current == "attract" and window.history == []
    assert (window.session.lang, window.session.text_size, window.session.positions) == ("en", 0, {})


def test_a_missing_picture_shows_its_alt_text(qtbot: QtBot, store: Store) -> None:
    with store.session() as session, session.begin():
        key = Key("asset", "dot.svg")
        RowWriter(session).write(key, {**read_state(session)[key].fields, "deleted": True})

    window = open_window(qtbot, store)
    window.move_to("reader", chapter="first-steps", page=0)
    picture = reader(window).stage.front.picture
    assert picture.is_missing and picture.accessibleName() == "A teal dot on a light card"
    image = picture.grab().toImage()
    assert image.width() > 0  # painting the fallback does not fail
    window.allow_close = True


def test_home_button_and_questions_tile(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    tile = home(window).questions_tile
    assert tile is not None
    tile.clicked.emit()
    assert window.current == "faq" and window.history
    tap(qtbot, window.bar.home_button)
    assert window.current == "home" and window.history == []  # home starts the way back afresh


def test_screen_changes_are_neither_counted_nor_logged(
    qtbot: QtBot, window: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.ui.window")
    wake(qtbot, window)
    window.move_to("faq")
    window.move_to("faq")
    # A session begun is counted; moving between screens is not (only a page read or an answer opened is).
    assert [event for _day, event, _target in window.source.usage.pending] == ["session"]
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

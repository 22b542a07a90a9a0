"""Check what you learned: both kinds of answer explain, only first answers count, skipping is always possible, and
the dashboard shows what a patient's session recorded."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.content.state import Key
from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import insights, usage
from kiosk.services import staff as staff_service
from kiosk.services.catalogue import load_catalogue
from kiosk.services.settings import HUB_LINK_KEY
from kiosk.ui.screens.privacy import PrivacyScreen
from kiosk.ui.screens.reader import END, ReaderScreen
from kiosk.ui.screens.take_home import TakeHomeScreen
from kiosk.ui.screens.teach_back import TeachBackScreen
from kiosk.ui.window import KioskWindow
from tests.helpers.db import every_byte_kept
from tests.helpers.ui import ANA, console, faq, reader, tap, wake


def teach(window: KioskWindow) -> TeachBackScreen:
    screen = window.screen_named("teach-back")
    assert isinstance(screen, TeachBackScreen)
    return screen


def pending(window: KioskWindow, event: str) -> dict[str, int]:
    return {t: n for (_, e, t), n in window.source.usage.pending.items() if e == event}


def open_questions(qtbot: QtBot, window: KioskWindow) -> TeachBackScreen:
    wake(qtbot, window)
    window.navigate("reader", chapter="first-steps", page=END)
    end = reader(window).stage.front.end
    assert end.check.isVisible() and "2 quick questions" in end.check.text()
    tap(qtbot, end.check)
    assert window.current == "teach-back"
    return teach(window)


def test_a_wrong_answer_and_a_right_one_both_explain_and_offer_the_page(
    qtbot: QtBot, window: KioskWindow
) -> None:
    screen = open_questions(qtbot, window)
    assert screen.question.text() == "True or false: each page has one idea."
    assert not screen.feedback.isVisible() and not screen.next_button.isEnabled()
    tap(qtbot, screen.choices[1])  # "False": not the right one
    assert screen.feedback.isVisible()
    assert screen.verdict.text().startswith("Not quite") and "care team" in screen.verdict.text()
    assert "Each page has one idea" in screen.explanation.toPlainText()
    assert "Read the first page" in screen.read_page.text()  # the explanation's link, as a button
    assert screen.choices[0].text().startswith("✓") and "(your answer)" in screen.choices[1].text()
    qtbot.wait(450)
    tap(qtbot, screen.next_button)
    tap(qtbot, screen.choices[1])  # "The nurse": right
    assert screen.verdict.text() == "Yes, that's right."
    assert "ask the nurse" in screen.explanation.toPlainText()
    assert pending(window, "check-not-yet") == {"first-steps/one-idea": 1}
    assert pending(window, "check-right") == {"first-steps/ask": 1}
    tap(qtbot, screen.read_page)
    assert window.current == "reader" and reader(window).current_page == "first-steps/links"


def test_only_the_first_answer_counts_and_coming_back_shows_it(qtbot: QtBot, window: KioskWindow) -> None:
    screen = open_questions(qtbot, window)
    tap(qtbot, screen.choices[0])
    screen.choose(1)  # a second answer to the same question: not taken, not counted
    assert (
        pending(window, "check-right") == {"first-steps/one-idea": 1}
        and pending(window, "check-not-yet") == {}
    )
    tap(qtbot, screen.read_page)
    window.go_back()
    assert window.current == "teach-back" and screen.index == 0 and screen.feedback.isVisible()
    window.session.set_lang("es")  # the same question, now in Spanish, still answered
    assert screen.verdict.text() == "Así es, muy bien." and screen.choices[0].text() == "✓  Verdadero"


def test_the_questions_can_be_skipped_and_a_session_forgets_its_answers(
    qtbot: QtBot, window: KioskWindow
) -> None:
    screen = open_questions(qtbot, window)
    tap(qtbot, screen.skip_button)
    assert window.current == "reader" and reader(window).at_end
    assert pending(window, "check-skipped") == {"first-steps/one-idea": 1}
    teach(window).answers["first-steps/one-idea"] = 0
    window.start_over()
    assert teach(window).answers == {}


def test_the_dashboard_shows_what_a_scripted_session_recorded(
    qtbot: QtBot, store: Store, window: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wake(qtbot, window)
    window.session.set_text_size(1)
    window.navigate("reader", chapter="first-steps", page=0)
    screen: ReaderScreen = reader(window)
    while not screen.at_end:
        screen.next()
    window.navigate("teach-back", chapter="first-steps")
    teach(window).choose(0)  # right
    teach(window).index = 1
    teach(window).show_question()
    teach(window).choose(0)  # "Nobody": not yet
    window.navigate("take-home", chapter="first-steps")
    assert isinstance(window.screen_named("take-home"), TakeHomeScreen)
    window.navigate("faq")
    questions = faq(window)
    questions.toggle("can-i-drive")
    questions.items["can-i-drive"].helpful_yes.click()
    questions.items["can-i-drive"].helpful_no.click()  # asked once: the second tap is not a second vote
    questions._set_query("xylophone quokka")
    questions._rebuild()
    questions.pause_timer.stop()
    questions._on_pause()
    window.navigate("reader", chapter="second", page=0)
    window.start_over()
    window.source.flush_usage()

    connection = lite.connect(store.path, readonly=True)
    try:
        found = insights.summarize(connection, 7, catalogue=load_catalogue(connection, "en"))
        rows = connection.execute("SELECT * FROM usage_counts").fetchall()
        columns = [c[1] for c in connection.execute("PRAGMA table_info(usage_counts)")]
    finally:
        connection.close()
    assert found.sessions == 1 and found.sessions_by_day[-1] == (dt.date.today(), 1)
    assert sum(n for _, n in found.minutes) == 1 and dict(found.minutes)["0-1"] == 1
    chapters = {c.id: (c.started, c.finished) for c in found.chapters}
    assert chapters["first-steps"] == (1, 1) and chapters["second"] == (1, 0)
    assert [(c.id, c.right, c.not_yet, c.skipped) for c in found.checks] == [
        ("first-steps/one-idea", 1, 0, 0),
        ("first-steps/ask", 0, 1, 0),
    ]
    assert [(a.id, a.count) for a in found.answers] == [("can-i-drive", 1)]
    assert found.answers[0].title == "Can I drive myself home afterwards?"
    assert [(h.id, h.yes, h.no) for h in found.helpful] == [("can-i-drive", 1, 0)]
    assert [(p.id, p.count) for p in found.exit_pages] == [("second/driving", 1)]
    assert found.searches_empty == 1 and found.start_overs == 1 and found.idle_resets == 0
    assert found.take_home == 1
    assert found.languages == (("en", 1),) and dict(found.text_sizes)["large"] == 1
    # Private by construction: daily totals of known events on content ids only; nothing typed, no time of day.
    assert columns == ["day", "event", "target", "count"]
    assert all(len(str(day)) == 10 and dt.date.fromisoformat(str(day)) for day, *_ in rows)
    assert {event for _, event, _, _ in rows} <= set(usage.EVENTS)
    kept = every_byte_kept(store).lower()
    for word in (b"xylophone", b"quokka"):
        assert word not in kept and word.decode() not in caplog.text.lower()


def test_staff_edit_a_question_in_the_console_and_can_undo_it(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    key = Key("check", "first-steps/ask")
    assert staff.find_item(key) is not None  # listed under its chapter, after the pages
    staff.open_item(key)
    editor = staff.editor.editors["en"]
    assert editor.title.text() == "Who can you ask?" and "- [x] The nurse" in editor.markdown.toPlainText()
    editor.markdown.setPlainText(editor.markdown.toPlainText().replace("- [x] The nurse", "- [ ] The nurse"))
    editor.check()
    assert any(
        "tick exactly one choice" in editor.warnings.item(n).text() for n in range(editor.warnings.count())
    )
    editor.markdown.setPlainText(
        "- [ ] Nobody\n- [x] The nurse\n\nThe nurse can help. [More](page:first-steps/links)"
    )
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert staff.status.text().startswith("Saved"), staff.status.text()
    check = window.source.catalogue("en").chapter("first-steps")
    assert check is not None and check.checks[1].choices == ("Nobody", "The nurse")
    assert "The nurse can help." in check.checks[1].html
    with window.source.store.session() as session:
        latest = staff_service.recent_changes(session)[0]
        history = staff_service.history(session, Key("check_text", "first-steps/ask", "en"))
    assert latest.author == ANA.name and len(history) >= 2  # the import's version and this one
    with window.source.store.session() as session, session.begin():
        staff_service.undo(session, latest.id, by=ANA)
    window.source.reload()
    chapter = window.source.catalogue("en").chapter("first-steps")
    assert chapter is not None and chapter.checks[1].choices == ("Nobody", "The nurse", "A web page")


def test_what_this_kiosk_records_is_a_tap_away_and_says_where_the_totals_go(
    qtbot: QtBot, store: Store, window: KioskWindow
) -> None:
    wake(qtbot, window)
    assert window.footer.records.isVisible()
    tap(qtbot, window.footer.records)
    assert window.current == "privacy"
    screen = window.screen_named("privacy")
    assert isinstance(screen, PrivacyScreen)
    texts = " ".join(label.text() for pair in screen.parts for label in pair)
    assert "Nothing leaves the kiosk" in texts and "What you type" in texts
    connection = lite.connect(store.path)
    try:
        with lite.write_now(connection):
            lite.put_setting(
                connection, HUB_LINK_KEY, {"url": "postgresql://hub", "group": "g", "kiosk": "k", "key": "x"}
            )
    finally:
        connection.close()
    screen.refresh()
    texts = " ".join(label.text() for pair in screen.parts for label in pair)
    assert "Only daily totals leave the kiosk" in texts and "Nothing leaves" not in texts

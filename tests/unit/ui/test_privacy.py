"""Private by construction, and no trace between patients and staff: what a patient types is never stored or
logged, a view is counted once, and a staff visit neither shows the last patient's session nor changes the next's."""

from __future__ import annotations

import logging

import pytest
from pytestqt.qtbot import QtBot

from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import auth, usage
from kiosk.services.auth import Account
from kiosk.ui.staff.console import StaffConsole
from kiosk.ui.window import KioskWindow
from tests.helpers.db import every_byte_kept
from tests.helpers.ui import faq, reader, tap, wake

TYPED = "zebra finch"  # words no content uses, so finding them anywhere means they were kept


def test_a_question_typed_on_the_keyboard_is_found_nowhere(
    qtbot: QtBot, store: Store, window: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wake(qtbot, window)
    window.move_to("faq")
    screen = faq(window)
    screen.show_keyboard()
    for char in TYPED + " can i drive":
        tap(qtbot, screen.keyboard.space_key if char == " " else screen.keyboard.keys[char])
    assert screen.search.text() == TYPED + " can i drive"
    # searched as typed: the list shows the results for what was typed
    qtbot.wait_until(lambda: screen._listed is not None and screen._listed[2] == screen.query)
    assert "can-i-drive" in screen.items
    screen.items["can-i-drive"].header.clicked.emit()  # an answer opened from the results
    assert screen.items["can-i-drive"].is_open
    window.reset_session()  # the usage counted in memory is written now
    window.source.close()
    kept = every_byte_kept(store)
    with store.session() as session:
        assert usage.totals(session, "question") == {"can-i-drive": 1}  # the answer was counted, by its id
    for word in (*TYPED.split(), TYPED):
        assert word.encode() not in kept.lower() and word.encode("utf-16-le") not in kept
        assert word not in caplog.text.lower()


def test_a_page_is_counted_once_however_often_it_is_redrawn(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page="picture")
    window.session.set_high_contrast(True)
    window.session.set_text_size(2)
    window.resize(1080, 1920)  # turned to portrait
    window.restyle()
    window.session.set_lang("es")
    screen = reader(window)
    assert screen.index == 0
    pages = [page.id for page in screen.chapter.pages] if screen.chapter else []
    while not screen.at_end:  # to the end of the chapter: a chapter finished
        screen.next()  # the patient turns a page: that is a new view
    window.restyle()
    window.source.flush_usage()
    connection = lite.connect(window.source.db_path)
    try:
        assert usage.totals(connection, "page") == {f"first-steps/{page}": 1 for page in pages}
        assert usage.totals(connection, "chapter-end") == {"first-steps": 1}
    finally:
        connection.close()


def test_staff_mode_ends_the_patients_session_and_leaves_theirs_alone(
    qtbot: QtBot, store: Store, window: KioskWindow
) -> None:
    with store.session() as session, session.begin():
        auth.add_account(session, "Ana Ruiz", ["reviewer", "admin"], "482916")
    wake(qtbot, window)
    window.session.set_lang("es")
    window.move_to("faq")
    faq(window).search.setText("mi pregunta a medias")
    window.enter_staff()  # the hidden corner gesture
    assert window.current == "staff-login" and faq(window).search.text() == ""
    assert window.session.lang == "en"  # the patient's choices are gone, not waiting behind the staff screens
    login = window.screen_named("staff-login")
    for digit in "482916":
        login.keypad.buttons[digit].click()  # type: ignore[attr-defined]
    login.keypad.enter_key.click()  # type: ignore[attr-defined]
    assert window.current == "staff-menu" and window.ctx.staff is not None
    window.staff_menu.console_button.click()
    console = window.screen_named("staff-console")
    assert isinstance(console, StaffConsole)
    console.set_language("es")  # staff edit (and read the console) in Spanish
    assert window.session.lang == "en" and console.editor.languages() == ("es",)
    console.back_button.click()
    window.staff_menu.return_button.click()
    assert window.current == "attract" and logged_in(window) is None and window.session.lang == "en"


@pytest.mark.logs_warnings
def test_exit_to_the_desktop_is_for_an_admin_who_has_read_what_it_means(window: KioskWindow) -> None:
    exits: list[bool] = []
    window.exit_requested.connect(lambda: exits.append(True))
    window.ctx.staff = auth.Account("Ed", ("editor",))
    window.move_to("staff-menu")
    menu = window.staff_menu
    menu.exit_button.click()
    assert menu.confirm_text.text() == "Only an admin can close the kiosk." and menu.exit_yes.isHidden()
    window.request_exit()  # not even by another way in
    assert exits == []
    window.ctx.staff = auth.Account("Al", ("admin",))
    menu.exit_button.click()
    assert "the service does not restart it by itself" in menu.confirm_text.text() and exits == []
    menu.exit_no.click()
    assert menu.confirm.isHidden() and exits == []
    menu.exit_button.click()
    menu.exit_yes.click()
    assert exits == [True]


def logged_in(window: KioskWindow) -> Account | None:
    """Who is logged in now (read afresh: the screens change it)."""
    return window.ctx.staff

"""Nothing of one patient is left for the next: no undo history, clipboard, dialog or log line outlives a session,
and nothing can be pasted or dropped into the patient's search field."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from kiosk.db.store import Store
from kiosk.services import auth
from kiosk.ui.screens.faq import FaqScreen, SearchField
from kiosk.ui.staff.panels import choose_file
from kiosk.ui.window import KioskWindow


def search_field(qtbot: QtBot, window: KioskWindow) -> SearchField:
    window.move_to("faq")
    screen = window.screen_named("faq")
    assert isinstance(screen, FaqScreen)
    screen.show_keyboard()
    screen.search.setFocus()
    qtbot.wait_until(screen.search.hasFocus)
    return screen.search


def test_an_idle_reset_forgets_the_search_fields_undo_history(qtbot: QtBot, window: KioskWindow) -> None:
    field = search_field(qtbot, window)
    qtbot.keyClicks(field, "can I drive")
    window.reset_session()
    field = search_field(qtbot, window)
    qtbot.keySequence(field, QKeySequence.StandardKey.Undo)
    assert field.text() == ""
    qtbot.keyClicks(field, "ok")  # undo still works within one patient's own typing
    qtbot.keySequence(field, QKeySequence.StandardKey.Undo)
    assert field.text() == ""


def test_nothing_can_be_pasted_copied_or_cut(qtbot: QtBot, window: KioskWindow) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("the last patient's question")
    field = search_field(qtbot, window)
    qtbot.keySequence(field, QKeySequence.StandardKey.Paste)
    qtbot.keyClick(field, Qt.Key.Key_Insert, Qt.KeyboardModifier.ShiftModifier)
    assert field.text() == ""
    qtbot.keyClicks(field, "nausea")
    field.selectAll()
    qtbot.keySequence(field, QKeySequence.StandardKey.Copy)
    qtbot.keySequence(field, QKeySequence.StandardKey.Cut)
    assert field.text() == "nausea" and clipboard.text() == "the last patient's question"


def test_a_middle_click_pastes_nothing(qtbot: QtBot, window: KioskWindow) -> None:
    field = search_field(qtbot, window)
    pasted: list[str] = []
    field.textChanged.connect(pasted.append)
    qtbot.mouseClick(field, Qt.MouseButton.MiddleButton, pos=QPoint(10, 10))
    assert pasted == []
    # Offscreen Qt has no X selection to paste from; tests/e2e checks the real thing under X.


def test_nothing_can_be_dropped_into_the_search_field(qtbot: QtBot, window: KioskWindow) -> None:
    field = search_field(qtbot, window)
    data = QMimeData()
    data.setText("dropped text")
    event = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(field, event)
    assert not event.isAccepted() and not field.acceptDrops() and field.text() == ""


def test_an_idle_reset_empties_the_clipboard(qtbot: QtBot, window: KioskWindow) -> None:
    QGuiApplication.clipboard().setText("something a patient copied")
    search_field(qtbot, window)
    window.reset_session()
    assert QGuiApplication.clipboard().text() == ""


def test_an_idle_reset_closes_a_staff_file_chooser_and_leaves_the_console(
    qtbot: QtBot, store: Store, window: KioskWindow
) -> None:
    with store.session() as session, session.begin():
        auth.set_pin(session, "482916")
    window.move_to("staff-console")
    read_only: list[bool] = []
    survived: list[str] = []

    def reset_once_it_is_open() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(20, reset_once_it_is_open)
            return
        read_only.extend(dialog.testOption(QFileDialog.Option.ReadOnly) for dialog in dialogs)
        window.reset_session()  # what the idle timer does when staff walk away
        for dialog in dialogs:
            if (
                dialog.isVisible()
            ):  # the reset left it open: close it here, so the test fails instead of hanging
                survived.append(dialog.windowTitle())
                dialog.reject()

    QTimer.singleShot(0, reset_once_it_is_open)
    chosen = choose_file(window, "Choose a content pack", "Content packs (*.zip)")
    assert survived == [] and chosen is None  # the chooser was cancelled, as if staff had pressed Cancel
    assert read_only == [True]  # while it was open, it could not delete or rename files either
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]
    assert window.current == "attract"


def test_the_log_keeps_no_trail_of_what_a_patient_read_or_typed(
    qtbot: QtBot, window: KioskWindow, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    window.move_to("home")
    window.move_to("reader", chapter="second", page=0)
    window.move_to("reader", chapter="first-steps", page=1)
    window.move_to("faq", question="is-it-addictive")
    field = search_field(qtbot, window)
    qtbot.keyClicks(field, "methadone")
    window.reset_session()
    for trace in ("second", "first-steps", "picture", "links", "is-it-addictive", "methadone", "meth"):
        assert trace not in caplog.text, trace
    assert "idle reset" in caplog.text  # events are still logged, just not what was read

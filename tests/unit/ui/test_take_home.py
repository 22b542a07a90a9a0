"""Take-home QR codes read back from a picture of the screen: what a phone would find is what was meant."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from kiosk.content.state import Key
from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.errors import KioskError
from kiosk.services import staff as staff_service
from kiosk.services import takehome
from kiosk.services.auth import COMMAND_LINE, Account
from kiosk.services.catalogue import load_catalogue
from kiosk.services.settings import load_settings, update_settings
from kiosk.ui import screenshot
from kiosk.ui.screens.take_home import MIN_MM, TakeHomeScreen
from tests.helpers.db import dump, export, import_dir
from tests.helpers.ui import ANA, console, open_window

SIZES = [(1920, 1080, 0), (1280, 800, 2)]  # the largest text on the small screen


def decode(path: Path) -> list[str]:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(image.constBits())[: image.height() * image.bytesPerLine()]
    pixels = memoryview(data).cast("B", shape=[image.height(), image.bytesPerLine()])
    return [
        found.text
        for found in zxingcpp.read_barcodes(pixels)
        if found.format == zxingcpp.BarcodeFormat.QRCode
    ]


def set_clinic(store: Store, **values: object) -> None:
    with store.session() as session, session.begin():
        update_settings(session, {"clinic_phone": "555-0100", **values}, by=COMMAND_LINE)


def expected(store: Store, lang: str, **target: str) -> takehome.TakeHome:
    connection = lite.connect(store.path, readonly=True)
    try:
        catalogue, settings = load_catalogue(connection, lang), load_settings(connection)
    finally:
        connection.close()
    if "question" in target:
        found = takehome.for_question(catalogue, settings, target["question"])
    else:
        found = takehome.for_chapter(catalogue, settings, target["chapter"])
    assert found is not None
    return found


@pytest.mark.parametrize(("width", "height", "text_size"), SIZES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_text_summary_code_reads_back_as_the_summary(
    qtbot: QtBot, store: Store, tmp_path: Path, width: int, height: int, text_size: int, lang: str
) -> None:
    set_clinic(store)
    for target, page, question in (
        ({"chapter": "first-steps"}, "first-steps", ""),
        ({"question": "can-i-drive"}, None, "can-i-drive"),
    ):
        out = screenshot.render(
            store.path,
            screenshot.Shot("take-home", width, height, lang, page, text_size=text_size, question=question),
            tmp_path / f"{lang}.png",
        )
        meant = expected(store, lang, **target)
        assert not meant.is_url and decode(out) == [meant.payload]
        assert len(meant.payload) <= takehome.MAX_TEXT
        assert "555-0100" in meant.payload  # the clinic's phone, from the settings
        assert ("988" in meant.payload) and meant.payload.splitlines()[0] == meant.title


@pytest.mark.parametrize(("width", "height", "text_size"), SIZES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_with_a_website_pattern_the_code_opens_the_topics_page(
    store: Store, tmp_path: Path, width: int, height: int, text_size: int, lang: str
) -> None:
    set_clinic(store, take_home_url="https://clinic.example/learn/{lang}/{id}")
    out = screenshot.render(
        store.path,
        screenshot.Shot("take-home", width, height, lang, page="second", text_size=text_size),
        tmp_path / "url.png",
    )
    assert decode(out) == [f"https://clinic.example/learn/{lang}/second"]


def test_a_long_answer_is_cut_to_fit_at_a_line_and_keeps_the_phone_and_crisis_line(store: Store) -> None:
    set_clinic(store)
    connection = lite.connect(store.path, readonly=True)
    try:
        settings = load_settings(connection)
    finally:
        connection.close()
    lines = [f"- Point number {n} is a sentence of some length to read at home." for n in range(40)]
    text = takehome.text_summary("A long chapter", lines, settings, "en")
    assert len(text) <= takehome.MAX_TEXT
    assert text.splitlines()[:2] == ["A long chapter", lines[0]]
    assert text.splitlines()[-2:] == [
        f"Questions? Call {settings.clinic_name}: 555-0100",
        settings.crisis_text("en"),
    ]


def test_the_code_is_at_least_35_mm_where_the_screen_says_its_size(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, store, 1920, 1080, dpi=254.0)  # 0.1 mm a pixel: a small, dense screen
    try:
        window.wake()
        window.navigate("take-home", chapter="first-steps")
        screen = window.screen_named("take-home")
        assert isinstance(screen, TakeHomeScreen)
        qtbot.wait_until(lambda: screen.code.isVisible() and screen.code.width() > 0)
        mm = window.mm_per_px()
        assert mm is not None
        assert screen.code.code_rect().width() * mm >= MIN_MM
        side = screen.code.code_rect().width()
        assert side % len(screen.code.modules) == 0  # whole pixels a square: sharp edges
    finally:
        window.idle.stop()
        window.allow_close = True
        window.close()


def test_the_treatment_day_code_carries_the_after_care_checklist(bundled_store: Store) -> None:
    connection = lite.connect(bundled_store.path, readonly=True)
    try:
        for lang, title in (("en", "After your visit"), ("es", "Después de su cita")):
            catalogue, settings = load_catalogue(connection, lang), load_settings(connection)
            found = takehome.for_chapter(catalogue, settings, "treatment-day")
            assert found is not None and found.id == "treatment-day/after" and found.title.startswith(title)
            assert len(found.payload) <= takehome.MAX_TEXT and settings.crisis_text(lang) in found.payload
            other = takehome.for_chapter(
                catalogue, settings, "side-effects-and-risks"
            )  # no page named: summary
            assert other is not None and other.id == "side-effects-and-risks"
    finally:
        connection.close()


def test_staff_write_a_chapters_take_home_text_and_it_goes_out_and_comes_back_with_the_files(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    window = open_window(qtbot, store)
    staff = console(window)
    staff.open_item(Key("chapter", "first-steps"))
    staff.set_language("es")
    editor = staff.editor.editors["es"]
    editor.take_home.setPlainText("Beba agua hoy.\n\nNo maneje hasta mañana.")
    assert (
        editor.take_home_count.text()
        == f"38 de los {editor.take_home_room} caracteres que caben en el código"
    )
    assert editor.save()
    code = expected(store, "es", chapter="first-steps")
    assert code.payload.startswith("Primeros pasos\nBeba agua hoy.\nNo maneje hasta mañana.\n\n")
    connection = lite.connect(store.path, readonly=True)
    try:
        assert code.payload.endswith(
            "\n" + load_settings(connection).crisis_text("es")
        )  # then the crisis line
    finally:
        connection.close()
    assert "Beba" not in expected(store, "en", chapter="first-steps").payload  # the English code is its own
    with store.session() as session:
        latest = staff_service.recent_changes(session)[0]
        assert Key("chapter_text", "first-steps", "es") in {
            e.key for e in staff_service.history(session, Key("chapter", "first-steps"))
        }
    files = export(store, tmp_path / "out")
    written = files["es/topics/01-first-steps.md"].decode()
    assert "take_home_text:" in written and "No maneje hasta mañana." in written
    with store.session() as session, session.begin():
        staff_service.undo(session, latest.id, by=ANA)
    assert "Beba" not in expected(store, "es", chapter="first-steps").payload  # undone
    import_dir(store, tmp_path / "out")
    assert expected(store, "es", chapter="first-steps").payload == code.payload  # and back from the files
    window.allow_close = True


def test_a_take_home_text_too_long_for_its_code_is_refused_in_one_line_and_nothing_is_saved(
    qtbot: QtBot, store: Store
) -> None:
    window = open_window(qtbot, store)
    staff = console(window)
    staff.open_item(Key("chapter", "first-steps"))
    staff.set_language("es")
    editor = staff.editor.editors["es"]
    before = dump(store.path)
    editor.take_home.setPlainText("Beba agua. " * 60)
    assert editor.take_home_count.text().startswith("659 caracteres: demasiado largo")
    assert editor.take_home_count.property("problem")
    assert not editor.save()
    said = staff.status.text()
    assert said.startswith("No se guardó: el texto para llevar a casa es demasiado largo (659 caracteres;")
    assert "\n" not in said and "Traceback" not in said
    assert dump(store.path) == before
    assert editor.take_home.toPlainText().startswith("Beba agua.")  # the text stays, to be shortened
    window.allow_close = True


def test_a_take_home_text_waits_for_a_reviewer_like_other_medical_text(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, store)
    staff = console(window, self_review=False)  # a reviewer's own change waits for another reviewer
    staff.open_item(Key("chapter", "first-steps"))
    editor = staff.editor.editors["en"]
    editor.take_home.setPlainText("Drink water today.")
    assert editor.save()
    assert editor.state.text() == "Saved as a draft, waiting for a reviewer"
    assert "Drink water" not in expected(store, "en", chapter="first-steps").payload
    editor.load()
    assert editor.take_home.toPlainText() == "Drink water today."  # the draft is what staff go on editing
    window.allow_close = True


def test_a_kept_draft_too_long_for_the_code_is_not_published(store: Store) -> None:
    key = Key("chapter_text", "first-steps", "en")
    with store.session() as session, session.begin():
        fields = {"title": "First steps", "summary": "", "take_home_text": "Drink water. " * 60}
        staff_service.save_draft(
            session, key, fields, by=Account("Bea", ("editor",))
        )  # as the console locked
    before = dump(store.path)
    too_long = r"^the take-home text is too long \(779 characters;"
    with pytest.raises(KioskError, match=too_long), store.session() as session, session.begin():
        staff_service.publish_draft(session, key, by=ANA)
    assert dump(store.path) == before

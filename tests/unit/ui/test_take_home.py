"""Take-home QR codes read back from a picture of the screen: what a phone would find is what was meant."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import takehome
from kiosk.services.auth import COMMAND_LINE
from kiosk.services.catalogue import load_catalogue
from kiosk.services.settings import load_settings, update_settings
from kiosk.ui import screenshot
from kiosk.ui.screens.take_home import MIN_MM, TakeHomeScreen
from tests.helpers.ui import open_window

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

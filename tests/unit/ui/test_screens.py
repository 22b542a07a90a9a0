"""The questions screen, language and text sizes, colours, and how every screen is laid out at every size."""

from __future__ import annotations

import ast
import datetime as dt
import re
from functools import partial
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QPushButton, QScroller
from pytestqt.qtbot import QtBot

from kiosk.config import SETTINGS
from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import usage
from kiosk.ui.i18n import catalogue, tr
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.theme import (
    HIGH_CONTRAST,
    NORMAL,
    TEXT_FACTORS,
    Palette,
    contrast,
    document_css,
    metrics_for,
    stylesheet,
)
from kiosk.ui.widgets import WrapButton
from kiosk.ui.window import KioskWindow
from tests.helpers.ui import (
    clipped_labels,
    faq,
    home,
    open_window,
    overlapping,
    reader,
    search_settled,
    settled,
    tap,
    visible,
    wake,
)

SIZES = [(1920, 1080), (1080, 1920), (1366, 768), (1280, 800)]
SCREENS = ["attract", "home", "reader", "faq", "staff-login", "staff-menu"]


def test_two_taps_from_home_to_an_answer(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.screen_named("home").questions_tile.clicked.emit()  # type: ignore[attr-defined]
    screen = faq(window)
    screen.items["is-it-addictive"].header.clicked.emit()
    assert screen.items["is-it-addictive"].is_open
    assert "careful doses" in screen.items["is-it-addictive"].answer_text.toPlainText()


def test_an_empty_field_shows_the_most_asked_questions(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    assert screen.search.text() == "" and screen.chip_buttons[""].text() == "Most asked"
    assert screen.chip_buttons[""].property("selected") is True
    assert list(screen.items) == [q.id for q in window.source.most_asked("en")]
    assert screen.chips_box.isVisible() and screen.no_results.isHidden()


def test_most_asked_counts_earlier_days_only(store: Store) -> None:
    """What one patient opens today never shows up for the next patient as "most asked"."""
    connection = lite.connect(store.path)
    today = dt.date.today()
    with lite.transaction(connection):
        for _ in range(5):
            usage.record(connection, "question", "is-it-addictive", today - dt.timedelta(days=3))
        for _ in range(2):
            usage.record(
                connection, "question", "can-i-drive", today - dt.timedelta(days=2)
            )  # too few to say
        for _ in range(50):
            usage.record(connection, "question", "can-i-drive", today)  # today: not counted
    assert usage.popular(connection, "question", today) == ["is-it-addictive"]
    connection.close()
    from kiosk.ui.data import ContentSource

    source = ContentSource(store.path)
    assert [q.id for q in source.most_asked("en")] == ["is-it-addictive", "can-i-drive"]
    source.close()


def test_one_answer_open_at_a_time(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    screen.toggle("can-i-drive")
    screen.toggle("is-it-addictive")
    assert [qid for qid, item in screen.items.items() if item.is_open] == ["is-it-addictive"]
    screen.toggle("is-it-addictive")
    assert not any(item.is_open for item in screen.items.values())


def test_going_to_another_question_opens_it_in_the_list_already_shown(
    qtbot: QtBot, window: KioskWindow
) -> None:
    window.move_to("faq", question="can-i-drive")
    screen = faq(window)
    shown = screen.items["is-it-addictive"]
    window.move_to("home")
    window.move_to("faq", question="is-it-addictive")
    assert screen.items["is-it-addictive"] is shown and shown.is_open
    assert not screen.items["can-i-drive"].is_open


def test_a_question_far_down_the_list_opens_in_view(qtbot: QtBot, bundled_store: Store) -> None:
    window = open_window(qtbot, bundled_store)
    screen = faq(window)

    def in_view(question_id: str) -> bool:
        item = screen.items[question_id]
        top = item.mapTo(screen.scroll_area.viewport(), item.rect().topLeft()).y()
        return item.is_open and 0 <= top < screen.scroll_area.viewport().height() // 2

    window.move_to("faq", question="can-i-drive")
    qtbot.wait_until(lambda: in_view("can-i-drive"))
    window.restyle()  # as after a language or text size change: the list is made again
    qtbot.wait_until(lambda: in_view("can-i-drive"))
    window.move_to("home")
    screen.scroll_area.verticalScrollBar().setValue(0)
    window.move_to("faq", question="cost")
    qtbot.wait_until(lambda: in_view("cost"))
    window.allow_close = True


def test_a_list_that_is_made_again_lets_the_old_one_go(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    old = list(screen.items.values())
    for category in ("general", "", "general", ""):
        screen.choose_category(category)
    assert all(item not in screen.items.values() for item in old)
    # The event loop deletes what the screen let go of, so a kiosk that changes lists all day does not grow.
    qtbot.wait_until(lambda: not any(shiboken6.isValid(item) for item in old))


def test_category_chips_filter_the_questions(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    assert set(screen.chip_buttons) == {"", "general"}
    tap(qtbot, screen.chip_buttons["general"])
    assert screen.category == "general" and screen.chip_buttons["general"].property("selected") is True
    assert set(screen.items) == {"can-i-drive", "is-it-addictive"}


def test_search_as_you_type_with_the_on_screen_keyboard(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    assert screen.search_label.text() == "Type your question" and screen.search_label.buddy() is screen.search
    tap(qtbot, screen.search)
    assert screen.keyboard.isVisible()
    for char in "drive":
        tap(qtbot, screen.keyboard.keys[char])
    assert screen.search.text() == "drive"
    assert screen.search_timer.isActive()  # results follow the typing, after a short pause
    qtbot.wait_until(lambda: not screen.search_timer.isActive())
    assert list(screen.items) == ["can-i-drive"]
    assert screen.page_results and "Driving after treatment" in screen.page_results[0].text()
    tap(qtbot, screen.keyboard.backspace_key)
    assert screen.search.text() == "driv"
    tap(qtbot, screen.keyboard.clear_key)
    assert screen.search.text() == ""


@pytest.mark.parametrize(
    ("lang", "delete", "clear"),
    [("en", "Delete a letter", "Clear all"), ("es", "Borrar una letra", "Borrar todo")],
)
def test_keys_say_what_they_do_in_words_and_digits_are_there(
    qtbot: QtBot, window: KioskWindow, lang: str, delete: str, clear: str
) -> None:
    window.session.set_lang(lang)
    window.move_to("faq")
    keyboard = faq(window).keyboard
    assert (keyboard.backspace_key.text(), keyboard.clear_key.text()) == (delete, clear)
    assert keyboard.hide_key.text() and keyboard.space_key.text()
    for digit in "0123456789":
        tap(qtbot, keyboard.keys[digit])
    tap(qtbot, keyboard.keys["1"])
    tap(qtbot, keyboard.keys["1"])  # "11": a key may be pressed twice in a row
    assert faq(window).search.text() == "012345678911"


def test_spanish_letters_and_accents_on_the_keyboard(qtbot: QtBot, window: KioskWindow) -> None:
    window.session.set_lang("es")
    window.move_to("faq")
    screen = faq(window)
    for char in "¿adictivá?":
        assert screen.keyboard.keys[char].isVisibleTo(screen.keyboard), char
    for char in "ñáéíóúü":
        tap(qtbot, screen.keyboard.keys[char])
    tap(qtbot, screen.keyboard.space_key)
    assert screen.search.text() == "ñáéíóúü "
    window.session.set_lang("en")
    assert not screen.keyboard.keys["á"].isVisibleTo(screen.keyboard)  # English: a row less, more room


def type_slowly(qtbot: QtBot, screen: FaqScreen, text: str) -> None:
    for char in text:
        screen.keyboard.type(char)
        qtbot.wait(150)  # a patient finding each key


def test_no_answer_only_after_three_letters_and_a_pause(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    screen.pause_timer.setInterval(300)
    screen.show_keyboard()
    type_slowly(qtbot, screen, "zx")
    qtbot.wait(600)  # a pause, but on two letters: not yet a question
    assert screen.no_results.isHidden()
    type_slowly(qtbot, screen, "qw")  # nothing matches, but the patient is still typing
    assert screen.no_results.isHidden() and screen.keyboard.isVisible()
    qtbot.wait_until(lambda: screen.no_results.isVisible())  # then they stop
    assert not screen.items


def test_half_a_word_keeps_the_answers_found_so_far(qtbot: QtBot, bundled_store: Store) -> None:
    window = open_window(qtbot, bundled_store, lang="es")
    window.move_to("faq")
    screen = faq(window)
    screen.pause_timer.setInterval(300)
    type_slowly(qtbot, screen, "tengo mie")
    assert screen.no_results.isHidden()
    qtbot.wait_until(lambda: bool(screen.items) and not screen.search_timer.isActive())
    type_slowly(qtbot, screen, "do")  # "tengo miedo": whatever half-words matched, nothing said about none
    assert screen.no_results.isHidden()
    window.allow_close = True


def test_when_nothing_matches_the_topics_and_the_front_desk_are_offered_together(
    qtbot: QtBot, window: KioskWindow
) -> None:
    window.move_to("faq")
    screen = faq(window)
    screen.show_keyboard()
    screen.search.setText("zebra xylophone")
    qtbot.wait_until(lambda: screen.no_results.isVisible(), timeout=4000)
    assert "ask the front desk" in screen.no_results.text() and not screen.items
    assert screen.chips_box.isVisible() and screen.keyboard.isHidden()  # the topics, with room to show
    assert not any(chip.property("selected") for chip in screen.chip_buttons.values())
    window.session.set_lang("es")
    assert "recepción" in screen.no_results.text()
    tap(qtbot, screen.chip_buttons["general"])
    assert screen.search.text() == "" and set(screen.items) == {"can-i-drive", "is-it-addictive"}


def test_a_finger_that_scrolls_the_list_does_not_open_the_question_it_started_on(
    qtbot: QtBot, bundled_store: Store
) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    window = open_window(qtbot, bundled_store, 1280, 800)
    window.move_to("faq")
    screen = faq(window)
    biggest = max(window.source.catalogue("en").categories, key=lambda c: len(c.questions))
    screen.choose_category(biggest.id)
    qtbot.wait_until(lambda: screen.scroll_area.verticalScrollBar().maximum() > 0)
    item = next(iter(screen.items.values()))
    handle = window.windowHandle()
    start = item.header.mapTo(window, item.header.rect().center())
    QTest.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 9):
        QTest.mouseMove(handle, start - QPoint(0, 25 * step), 16)
    QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start - QPoint(0, 200), delay=16)
    qtbot.wait_until(lambda: screen.scroll_area.verticalScrollBar().value() > 0)
    assert not item.is_open and item.header.property("pressed") is not True
    window.allow_close = True


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_an_answer_reads_in_lines_of_about_seventy_characters(
    qtbot: QtBot, bundled_store: Store, width: int, height: int
) -> None:
    from kiosk.ui.widgets import line_width

    window = open_window(qtbot, bundled_store, width, height)
    window.move_to("faq", question="can-i-drive")
    text = faq(window).items["can-i-drive"].answer_text
    card = faq(window).items["can-i-drive"].header
    wanted = min(line_width(text.font()), card.width() - 100)
    qtbot.wait_until(lambda: abs(text.width() - wanted) <= 60)  # as wide as a comfortable line, no narrower
    longest = 0
    block = text.document().begin()
    while block.isValid():
        layout = block.layout()
        longest = max([longest] + [layout.lineAt(i).textLength() for i in range(layout.lineCount())])
        block = block.next()
    assert 40 <= longest <= 78
    window.allow_close = True


def test_opening_an_answer_puts_the_keyboard_away(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    tap(qtbot, screen.search)
    assert screen.keyboard.isVisible()
    tap(qtbot, screen.items["can-i-drive"].header)
    assert screen.items["can-i-drive"].is_open and screen.keyboard.isHidden()


def test_the_placeholder_is_legible_and_not_the_only_label(window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    from PySide6.QtGui import QPalette

    placeholder = screen.search.palette().color(QPalette.ColorRole.PlaceholderText).name().upper()
    assert placeholder == NORMAL.muted and contrast(placeholder, NORMAL.surface) >= 7
    assert screen.search_label.isVisible() and screen.search_label.text() != screen.search.placeholderText()


def test_an_answer_link_opens_the_reader(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("faq")
    screen = faq(window)
    screen.toggle("can-i-drive")
    screen.items["can-i-drive"].answer_text.link_activated.emit("page:second/driving")
    assert window.current == "reader" and reader(window).chapter_id == "second"


def test_switching_language_keeps_the_place(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.move_to("reader", chapter="first-steps", page=1)
    screen = reader(window)
    tap(qtbot, window.bar.language_buttons["es"])
    assert window.session.lang == "es"
    assert screen.index == 1 and screen.chapter_title.text() == "Primeros pasos"
    assert screen.stage.front.title.text() == "Enlaces y listas"
    assert window.bar.home_button.text() == "Inicio" and window.footer.crisis.text().startswith(
        "¿Está en crisis?"
    )
    window.move_to("faq", question="is-it-addictive")
    tap(qtbot, window.bar.language_buttons["en"])
    assert faq(window).items["is-it-addictive"].is_open
    assert faq(window).items["is-it-addictive"].text.text() == "Is ketamine addictive?"


def test_three_text_sizes_and_high_contrast_are_one_tap_away_everywhere(
    qtbot: QtBot, window: KioskWindow
) -> None:
    wake(qtbot, window)
    sizes = window.bar.text_sizes.buttons
    assert [b.accessibleName() for b in sizes] == ["Normal text", "Large text", "Largest text"]
    assert [b.property("active") for b in sizes] == [True, False, False]  # the active one shows
    body = window.ctx.metrics.body
    tap(qtbot, sizes[1])
    assert window.ctx.metrics.body == round(body * 1.25)
    tap(qtbot, sizes[2])
    assert window.ctx.metrics.body == round(body * 1.5)  # the largest is the standard's 1.5x
    assert [b.property("active") for b in sizes] == [False, False, True]
    assert window.bar.contrast_button.text() == "High contrast"
    tap(qtbot, window.bar.contrast_button)
    assert window.ctx.palette is HIGH_CONTRAST
    assert window.bar.contrast_button.text() == "✓  High contrast"  # a toggle shows it is on
    assert window.bar.contrast_button.property("active") is True
    window.move_to("reader", chapter="first-steps", page=0)
    assert window.bar.isVisible() and sizes[2].isVisible()


def test_text_is_sized_in_millimetres_where_the_screen_says_how_big_it_is() -> None:
    reference = metrics_for(1920, 1080)  # no size reported: the window's own scale
    assert reference.body == 28
    assert metrics_for(1920, 1080, mm_per_px=0.248).body == 28  # 21.5": about 4.8 mm capitals
    assert metrics_for(1920, 1080, mm_per_px=0.277).body == 25  # 24": the same millimetres, fewer pixels
    assert (
        metrics_for(1280, 800, mm_per_px=0.26).body > metrics_for(1280, 800).body
    )  # small pixels, more of them
    # ...within the range the layout is built for, and the largest text never beyond 1.5x the window's scale
    assert metrics_for(1280, 800, 2, mm_per_px=0.17).body == round(28 * 800 / 1080 * 1.5)
    assert [metrics_for(1920, 1080, level).text for level in range(3)] == list(TEXT_FACTORS)


def test_the_window_takes_the_screens_dots_per_inch(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, store, dpi=110.0)
    assert window.mm_per_px() == pytest.approx(25.4 / 110)
    assert window.ctx.metrics.body == round(6.94 / (25.4 / 110))
    window.allow_close = True


@pytest.mark.parametrize(
    ("lang", "one", "other"), [("en", "1 second.", "2 seconds."), ("es", "1 segundo.", "2 segundos.")]
)
def test_plurals_agree_in_both_languages(lang: str, one: str, other: str) -> None:
    assert tr("idle.body", lang, count=1).endswith(one)
    assert tr("idle.body", lang, count=2).endswith(other)
    assert tr("staff.locked", lang, count=1).endswith(one)


def test_the_countdown_says_one_second(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.overlay.show_countdown(window.ctx, 1)
    assert window.overlay.body.text().endswith("in 1 second.")


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("text_size", [0, 2], ids=["normal-text", "largest-text"])
def test_every_screen_is_laid_out_without_overlap_or_clipping(
    qtbot: QtBot, store: Store, width: int, height: int, lang: str, text_size: int
) -> None:
    window = open_window(qtbot, store, width, height, lang=lang)
    window.session.set_text_size(text_size)
    for name in SCREENS:
        args = {"chapter": "first-steps", "page": 0} if name == "reader" else {}
        window.move_to(name, **args)
        window.restyle()
        # Nothing on any screen may need more room than the screen has (the window would grow past its edges).
        assert window.minimumSizeHint().width() <= width, name
        assert window.minimumSizeHint().height() <= height, name
        assert window.width() == width and window.height() == height, (name, window.size())
        screen = window.screen_named(name)
        assert settled(qtbot, partial(clipped_labels, screen)) == [], name
        assert settled(qtbot, partial(overlapping, screen)) == [], name
        if isinstance(screen, FaqScreen):
            questions = screen
            questions.toggle("can-i-drive")
            assert settled(qtbot, partial(clipped_labels, questions)) == [], "faq with an answer open"
            questions.show_keyboard()
            questions.search.setText("zebra")
            qtbot.wait_until(partial(search_settled, questions))
            assert window.minimumSizeHint().height() <= height, "faq with the keyboard"
            assert window.height() == height
    assert settled(qtbot, lambda: clipped_labels(window.bar) + clipped_labels(window.footer)) == []
    window.allow_close = True


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_tap_targets_are_large_enough(qtbot: QtBot, store: Store, width: int, height: int) -> None:
    window = open_window(qtbot, store, width, height)
    for name, args in (("home", {}), ("reader", {"chapter": "second", "page": 0}), ("faq", {})):
        window.move_to(name, **args)
        window.restyle()
        qtbot.wait(10)
        for button in window.findChildren(QPushButton) + window.findChildren(WrapButton):
            if visible(button, window):
                assert button.height() >= 48, (name, button.text())
        screen = window.screen_named(name)
        if isinstance(screen, ReaderScreen):
            assert screen.next_button.height() >= 64 and screen.back_button.height() >= 64
    assert window.bar.home_button.height() >= 48
    window.allow_close = True


def text_colour_pairs(palette: Palette) -> list[tuple[str, str, str]]:
    """Every (rule, text colour, background) the style sheet can draw text in, for `palette`.

    A rule's text sits on its own background, else on the background of the rule it refines (the same selector
    with fewer conditions), else on whatever holds it: the footer, the questions tile, or any of the page,
    card and highlight backgrounds.
    """
    sheet = re.sub(r"/\*.*?\*/", "", stylesheet(palette, metrics_for(1920, 1080)), flags=re.S)
    rules: list[tuple[str, dict[str, str]]] = []
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", sheet):
        declarations = dict(
            (k.strip(), v.strip()) for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        for selector in selectors.split(","):
            rules.append((" ".join(selector.split()), declarations))

    def inherited(selector: str, key: str) -> str | None:
        found = [(len(s), d[key]) for s, d in rules if key in d and selector.startswith(s) and s != selector]
        return max(found)[1] if found else None

    pairs = []
    for selector, declarations in rules:
        for key in ("color", "placeholder-text-color"):
            colour = declarations.get(key)
            if colour is None and key == "color" and "background" in declarations:
                colour = inherited(selector, "color")  # a new background under the text colour it refines
            if colour is None or not colour.startswith("#"):
                continue
            background = declarations.get("background") or inherited(selector, "background")
            if background and background.startswith("#"):
                grounds = [background]
            elif "#Footer" in selector:
                grounds = [palette.footer]
            elif "#FaqTile" in selector:
                grounds = [palette.accent]
            else:
                grounds = [palette.background, palette.surface, palette.accent_soft]
            pairs += [(selector, colour, ground) for ground in grounds]
    css = document_css(palette, metrics_for(1920, 1080))
    for colour in re.findall(r"color: (#[0-9A-Fa-f]{6})", css):  # page and answer text, links included
        pairs += [("content", colour, palette.surface), ("content", colour, palette.accent_soft)]
    return pairs


@pytest.mark.parametrize("palette", [NORMAL, HIGH_CONTRAST], ids=["normal", "high-contrast"])
def test_every_text_colour_pair_in_the_style_sheet_reaches_7_to_1(palette: Palette) -> None:
    pairs = text_colour_pairs(palette)
    selectors = {selector for selector, _, _ in pairs}
    for expected in (
        "QLineEdit#SearchField",
        "#AttractInvite",
        "#PinMessage",
        "#Countdown",
        "#Footer QLabel",
    ):
        assert expected in selectors, expected  # the parse found the rules that matter
    low = [(s, f, b, round(contrast(f, b), 2)) for s, f, b in pairs if contrast(f, b) < 7]
    assert low == []
    assert contrast(palette.border, palette.background) >= 3  # controls' outlines
    assert contrast(palette.accent, palette.background) >= 3


def test_body_text_is_about_28_px_at_1080p(window: KioskWindow) -> None:
    assert window.ctx.metrics.body == 28


def test_scrolling_areas_scroll_kinetically(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("reader", chapter="first-steps", page=0)
    areas = [home(window).scroll_area, faq(window).scroll_area, reader(window).stage.front.text]
    for area in areas:
        assert QScroller.hasScroller(area.viewport()), type(area).__name__


def test_the_font_is_the_bundled_atkinson_hyperlegible(window: KioskWindow) -> None:
    from PySide6.QtGui import QFontInfo

    assert QFontInfo(window.font()).family() == "Atkinson Hyperlegible"


def test_every_ui_string_exists_in_both_languages() -> None:
    strings = catalogue()
    for key, texts in strings.items():
        assert set(texts) == {"en", "es"}, key
        forms = {lang: text if isinstance(text, dict) else {"other": text} for lang, text in texts.items()}
        assert set(forms["en"]) == set(forms["es"]) and "other" in forms["en"], key  # plural forms agree
        for form in forms["en"]:
            assert forms["en"][form].strip() and forms["es"][form].strip(), key
            assert re.findall(r"{(\w+)}", forms["en"][form]) == re.findall(r"{(\w+)}", forms["es"][form]), key
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (Path(__file__).parents[3] / "kiosk" / "ui").rglob("*.py")
    )
    used = set(re.findall(r"""tr\(\s*["']([a-z_]+\.[a-z_]+)["']""", source))
    used |= set(
        re.findall(
            r"""["']((?:bar|reader|faq|idle|staff|home|attract|keyboard|console)\.[a-z_]+)["']""", source
        )
    )
    used |= {f"setting.{key}" for key in SETTINGS}  # the settings panel captions each declared setting
    # The staff console's words are found by the English its controls are made with (`i18n.phrase`), or by the
    # English of a message (the console's own, or content's problems it shows) once its places are filled.
    kiosk = Path(__file__).parents[3] / "kiosk"
    literals: set[str] = set()
    for path in [p for part in ("ui", "content", "services") for p in (kiosk / part).rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(re.sub(r"{\w*}", "{}", node.value))
            elif isinstance(node, ast.JoinedStr):  # an f-string: its places, whatever fills them
                literals.add(
                    "".join(
                        str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
                    )
                )
    used |= {
        key
        for key, texts in strings.items()
        if key.startswith("console.")
        and all(
            re.sub(r"{\w*}", "{}", form) in literals
            for form in (texts["en"].values() if isinstance(texts["en"], dict) else [texts["en"]])
        )
    }
    missing = used - set(strings)
    assert not missing, missing
    assert not (set(strings) - used), set(strings) - used

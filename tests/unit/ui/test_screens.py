"""The questions screen, language switching, and how every screen is laid out at every size."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton, QScroller, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import SETTINGS
from kiosk.db.store import Store
from kiosk.ui.i18n import catalogue
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, contrast
from kiosk.ui.widgets import TapArea, WrapButton
from kiosk.ui.window import KioskWindow
from tests.unit.ui.conftest import open_window
from tests.unit.ui.test_navigation import faq, reader, tap, wake

SIZES = [(1920, 1080), (1080, 1920), (1280, 800)]
SCREENS = ["attract", "home", "reader", "faq", "staff-login", "staff-menu"]


def test_two_taps_from_home_to_an_answer(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    window.screen_named("home").questions_tile.clicked.emit()  # type: ignore[attr-defined]
    screen = faq(window)
    screen.items["is-it-addictive"].header.clicked.emit()
    assert screen.items["is-it-addictive"].is_open
    assert "careful doses" in screen.items["is-it-addictive"].answer_text.toPlainText()


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


def test_spanish_letters_and_accents_on_the_keyboard(qtbot: QtBot, window: KioskWindow) -> None:
    window.session.set_lang("es")
    window.move_to("faq")
    screen = faq(window)
    for char in "¿adictivá?":
        assert char in screen.keyboard.keys or char == "v", char
    screen.keyboard.attach(screen.search)
    for char in "ñáéíóúü":
        tap(qtbot, screen.keyboard.keys[char])
    tap(qtbot, screen.keyboard.space_key)
    assert screen.search.text() == "ñáéíóúü "


def test_when_nothing_matches_a_kind_line_sends_the_patient_to_the_front_desk(
    qtbot: QtBot, window: KioskWindow
) -> None:
    window.move_to("faq")
    screen = faq(window)
    screen.search.setText("zebra xylophone")
    qtbot.wait_until(lambda: screen.no_results.isVisible())
    assert "ask the front desk" in screen.no_results.text() and not screen.items
    window.session.set_lang("es")
    assert "recepción" in screen.no_results.text()


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


def test_larger_text_and_high_contrast_are_one_tap_away_everywhere(qtbot: QtBot, window: KioskWindow) -> None:
    wake(qtbot, window)
    body = window.ctx.metrics.body
    tap(qtbot, window.bar.text_button)
    assert window.ctx.metrics.body >= body * 1.5 - 1
    tap(qtbot, window.bar.contrast_button)
    assert window.ctx.palette is HIGH_CONTRAST
    window.move_to("reader", chapter="first-steps", page=0)
    assert window.bar.isVisible() and window.bar.text_button.text() == "Normal text"


def visible(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.width() > 0 and widget.height() > 0


def settled(qtbot: QtBot, check: Callable[[], list[str]], timeout: int = 2000) -> list[str]:
    """The problems `check` still finds once layouts have had time to settle (nested layouts finish over a few
    turns of the event loop, more slowly on a busy machine); a real problem persists and is returned."""
    try:
        qtbot.wait_until(lambda: check() == [], timeout=timeout)
    except Exception:
        return check()
    return []


def clipped_labels(root: QWidget) -> list[str]:
    problems = []
    for text_label in root.findChildren(QLabel):
        if not visible(text_label, root) or not text_label.text().strip():
            continue
        if text_label.wordWrap():
            needed = text_label.heightForWidth(text_label.contentsRect().width())
            if needed > text_label.contentsRect().height() + 2:
                problems.append(f"{text_label.text()[:40]!r} needs {needed}px, has {text_label.height()}")
        else:
            needed = text_label.fontMetrics().horizontalAdvance(text_label.text())
            if needed > text_label.contentsRect().width() + 2:
                problems.append(f"{text_label.text()[:40]!r} needs {needed}px wide, has {text_label.width()}")
    for button in root.findChildren(QPushButton):
        if visible(button, root) and button.text():
            needed = button.fontMetrics().horizontalAdvance(button.text())
            if needed > button.width():
                problems.append(f"button {button.text()[:40]!r} is too narrow")
    return problems


def overlapping(root: QWidget) -> list[str]:
    """Interactive widgets that cover each other (siblings only: a child inside its parent is fine)."""
    problems = []
    targets = [
        w for w in root.findChildren(QWidget) if isinstance(w, QAbstractButton | TapArea) and visible(w, root)
    ]
    by_parent: dict[int, list[QWidget]] = {}
    for widget in targets:
        by_parent.setdefault(id(widget.parentWidget()), []).append(widget)
    for group in by_parent.values():
        for index, first in enumerate(group):
            for second in group[index + 1 :]:
                if first.geometry().intersects(second.geometry()):
                    problems.append(
                        f"{first.objectName() or type(first).__name__} overlaps {second.objectName()}"
                    )
    return problems


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("large_text", [False, True], ids=["normal-text", "large-text"])
def test_every_screen_is_laid_out_without_overlap_or_clipping(
    qtbot: QtBot, store: Store, width: int, height: int, lang: str, large_text: bool
) -> None:
    window = open_window(qtbot, store, width, height, lang=lang)
    window.session.set_large_text(large_text)
    for name in SCREENS:
        args = {"chapter": "first-steps", "page": 0} if name == "reader" else {}
        window.move_to(name, **args)
        window.restyle()
        # Nothing on any screen may need more room than the screen has (the window would grow past its edges).
        assert window.minimumSizeHint().width() <= width, name
        assert window.minimumSizeHint().height() <= height, name
        assert window.width() == width and window.height() == height, (name, window.size())
        screen = window.screen_named(name)
        assert settled(qtbot, lambda s=screen: clipped_labels(s)) == [], name
        assert settled(qtbot, lambda s=screen: overlapping(s)) == [], name
        if name == "faq":
            assert isinstance(screen, FaqScreen)
            screen.toggle("can-i-drive")
            assert settled(qtbot, lambda s=screen: clipped_labels(s)) == [], "faq with an answer open"
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


def test_text_and_controls_meet_the_contrast_targets() -> None:
    for palette in (NORMAL, HIGH_CONTRAST):
        for foreground, background in [
            (palette.ink, palette.background),
            (palette.ink, palette.surface),
            (palette.muted, palette.background),
            (palette.muted, palette.surface),
            (palette.link, palette.surface),
            (palette.accent_ink, palette.accent),
            (palette.footer_ink, palette.footer),
            (palette.ink, palette.accent_soft),
        ]:
            assert contrast(foreground, background) >= 7, (palette.name, foreground, background)
        assert contrast(palette.border, palette.background) >= 3
        assert contrast(palette.accent, palette.background) >= 3
    assert contrast(HIGH_CONTRAST.ink, HIGH_CONTRAST.background) >= 15


def test_body_text_is_about_28_px_at_1080p(window: KioskWindow) -> None:
    assert window.ctx.metrics.body == 28


def test_scrolling_areas_scroll_kinetically(qtbot: QtBot, window: KioskWindow) -> None:
    window.move_to("reader", chapter="first-steps", page=0)
    areas = [
        window.screen_named("home").scroll_area,
        faq(window).scroll_area,
        reader(window).stage.front.text,
    ]  # type: ignore[attr-defined]
    for area in areas:
        assert QScroller.hasScroller(area.viewport()), type(area).__name__


def test_the_font_is_the_bundled_atkinson_hyperlegible(window: KioskWindow) -> None:
    from PySide6.QtGui import QFontInfo

    assert QFontInfo(window.font()).family() == "Atkinson Hyperlegible"


def test_every_ui_string_exists_in_both_languages() -> None:
    strings = catalogue()
    for key, texts in strings.items():
        assert set(texts) == {"en", "es"} and all(t.strip() for t in texts.values()), key
        assert re.findall(r"{(\w+)}", texts["en"]) == re.findall(r"{(\w+)}", texts["es"]), key
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
    missing = used - set(strings)
    assert not missing, missing
    assert not (set(strings) - used), set(strings) - used

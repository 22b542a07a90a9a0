"""The staff console, used the way a nurse would: edit, preview, publish, add, translate, undo, move content."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import SETTINGS
from kiosk.content.state import Key
from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import auth, usage
from kiosk.services import staff as staff_service
from kiosk.ui.i18n import phrase
from kiosk.ui.screens.faq import FaqScreen
from kiosk.ui.screens.reader import ReaderScreen
from kiosk.ui.window import KioskWindow
from tests.helpers.hostile import png, use_bomb
from tests.helpers.ui import ANA, clipped_labels, console, open_window, overlapping, settled

#: Packs, backups and restores run in a process of their own, which a loaded machine is slow to start.
JOB_MS = 60_000


def test_fixing_a_typo_reaches_the_kiosk_at_once(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    item = staff.find_item(Key("page", "second/driving"))
    assert item is not None
    staff.tree.setCurrentItem(item)
    staff._on_tree_clicked(item, 0)
    editor = staff.editor.editors["en"]
    editor.markdown.setPlainText(editor.markdown.toPlainText().replace("next day", "next morning"))
    assert editor.state.text() == "Not saved yet"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert staff.status.text().startswith("Saved")
    window.move_to("reader", chapter="second", page="driving")
    reader = window.screen_named("reader")
    assert isinstance(reader, ReaderScreen)
    assert "next morning" in reader.stage.front.text.toPlainText()


def test_the_preview_is_the_kiosk_page_and_follows_typing(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    staff.open_item(Key("page", "first-steps/picture"))
    before = staff.editor.preview.rendered
    assert before is not None and (before.width(), before.height()) == (1856, 760)
    editor = staff.editor.editors["en"]
    editor.title.setText("A brand new heading")
    editor.title.textEdited.emit("A brand new heading")
    qtbot.wait_until(lambda: staff.editor.preview.rendered is not before, timeout=2000)


def test_errors_block_a_save_and_warnings_show_while_typing(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    staff.open_item(Key("faq_entry", "can-i-drive"))
    editor = staff.editor.editors["en"]
    editor.markdown.setPlainText("See [this](page:nowhere/at-all).")
    qtbot.wait_until(lambda: editor.warnings.count() > 0, timeout=2000)
    assert editor.warnings.item(0).text().startswith("Error: link to unknown page")
    assert not editor.save()
    assert staff.status.text().startswith("Not saved")


def test_the_editor_warns_as_staff_type_when_a_page_will_not_fit_the_screen(
    qtbot: QtBot, window: KioskWindow
) -> None:
    staff = console(window)
    staff.open_item(Key("page", "first-steps/summary"))
    editor = staff.editor.editors["en"]
    check = staff.editor.fit_check
    qtbot.wait_until(lambda: not check.running and len(check.stages) == 12, timeout=10000)
    assert not any("Too long" in editor.warnings.item(i).text() for i in range(editor.warnings.count()))
    many = "\n".join(f"- Point {n}: a summary that goes on and on, longer than a screen." for n in range(30))
    editor.markdown.setPlainText(many)
    qtbot.wait_until(
        lambda: any(
            "Too long for the screen" in editor.warnings.item(i).text()
            for i in range(editor.warnings.count())
        ),
        timeout=10000,
    )
    notes = [editor.warnings.item(i).text() for i in range(editor.warnings.count())]
    assert any("less than 9 in 10 of this summary shows at once" in note for note in notes)
    assert any("1920x1080 in normal text" in note for note in notes)


def test_a_nurse_adds_a_question_in_both_languages_publishes_and_undoes_it(
    qtbot: QtBot, window: KioskWindow
) -> None:
    staff = console(window)
    staff.open_item(Key("faq_category", "general"))
    staff.editor.add_button.click()
    assert staff.current_panel == "add"
    staff.adder.title.setText("Is there parking?")
    staff.adder.body.setPlainText("Yes, behind the building.")
    staff.adder.create_button.click()
    assert staff.current_panel == "editor" and staff.editor.key == Key("faq_entry", "is-there-parking")
    assert "draft" in staff.editor.badges.text() and "missing es" in staff.editor.badges.text()
    staff.set_language("both")
    spanish = staff.editor.editors["es"]
    spanish.title.setText("¿Hay estacionamiento?")
    spanish.markdown.setPlainText("Sí, detrás del edificio.")
    assert spanish.save()
    staff.editor.publish_button.click()
    assert "published" in staff.editor.badges.text()
    window.session.set_lang("es")
    window.move_to("faq", question="is-there-parking")
    faq = window.screen_named("faq")
    assert isinstance(faq, FaqScreen)
    assert faq.items["is-there-parking"].text.text() == "¿Hay estacionamiento?"
    staff = console(window)
    staff.show_panel("changes")
    staff.changes.list.setCurrentRow(0)  # the newest change: publishing
    staff.changes.undo_button.click()
    assert staff.changes.question.text() == "It changes 1 answer back."  # said before anything is done
    staff.changes.confirm_button.click()
    window.move_to("faq")
    assert "is-there-parking" not in faq.items


def test_history_shows_earlier_versions_and_restores_one(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    staff.open_item(Key("faq_entry", "is-it-addictive"))
    editor = staff.editor.editors["en"]
    original = editor.markdown.toPlainText()
    editor.markdown.setPlainText("A wrong answer.")
    assert editor.save()
    staff.editor.history_button.click()
    assert staff.current_panel == "history" and staff.history.versions.count() >= 3
    assert " by Ana Ruiz: edited question is-it-addictive (en)" in staff.history.versions.item(0).text()
    staff.history.versions.setCurrentRow(staff.history.versions.count() - 1)  # the first version
    assert (
        "This version" in staff.history.diff.toHtml()
        or "same as the current" in staff.history.diff.toPlainText()
    )
    target = next(
        i for i, e in enumerate(staff.history.entries) if e.key.lang == "en" and e.kind == "bundled-import"
    )
    staff.history.versions.setCurrentRow(target)
    assert "A wrong answer." in staff.history.diff.toPlainText()
    staff.history.restore_button.click()
    staff.open_item(Key("faq_entry", "is-it-addictive"))
    assert staff.editor.editors["en"].markdown.toPlainText() == original


def test_linking_to_a_page_and_choosing_a_picture(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    staff.open_item(Key("page", "second/driving"))
    editor = staff.editor.editors["en"]
    editor.markdown.moveCursor(editor.markdown.textCursor().MoveOperation.End)
    editor.tool_buttons["page"].click()
    assert staff.current_panel == "picker" and staff.picker.list.count() == 4
    staff.picker.list.setCurrentRow(1)
    staff.picker.insert_button.click()
    assert staff.current_panel == "editor"
    assert editor.markdown.toPlainText().endswith("[Links and lists](page:first-steps/links)")
    editor.tool_buttons["picture"].click()
    row = next(i for i in range(staff.picker.list.count()) if staff.picker.list.item(i).text() == "dot.svg")
    staff.picker.list.setCurrentRow(row)
    staff.picker.alt.setText("A teal dot")
    staff.picker.caption.setText("One idea")
    staff.picker.insert_button.click()
    assert editor.markdown.toPlainText().startswith('![A teal dot](dot.svg "One idea")')
    assert editor.markdown.toPlainText().count("![") == 1  # the old picture was replaced, not doubled
    assert editor.save()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 16_000, "Error: the text is too long (16,000 characters; at most 10,000)"),
        ("[" * 9_000, "Error: the text has too many '[' (links and pictures; at most 50)"),
        ("Fine.\n" + "- " * 600 + "x", "Error: lists or quotes are nested too deeply (at most 8 levels)"),
    ],
)
def test_a_text_bomb_typed_in_the_editor_is_refused_in_one_line(
    qtbot: QtBot, window: KioskWindow, text: str, words: str
) -> None:
    """Python-Markdown would take a minute over 16,000 '[' (the heartbeat stops meanwhile) or recurse until it
    fails on 600 nested lists. The editor's live check refuses them instead, and the preview is not drawn: had
    either rendered the text, the render would raise inside a slot and fail this test."""
    staff = console(window)
    staff.open_item(Key("page", "second/driving"))
    editor = staff.editor.editors["en"]
    editor.markdown.setPlainText(text)
    qtbot.wait_until(lambda: editor.warnings.count() > 0, timeout=3000)
    assert [editor.warnings.item(i).text() for i in range(editor.warnings.count())] == [words]
    assert not editor.save() and staff.status.text().startswith("Not saved")
    staff.editor.update_preview()
    assert staff.editor.preview.text().startswith("No preview: the text goes over a limit")


def test_large_photos_are_scaled_down_and_stored(qtbot: QtBot, window: KioskWindow, tmp_path: Path) -> None:
    staff = console(window)
    staff.show_panel("pictures")
    photo = QImage(3200, 2400, QImage.Format.Format_RGB32)
    photo.fill(QColor("#2A9D8F"))
    path = tmp_path / "Waiting Room.jpg"
    assert photo.save(str(path))  # a JPEG, by its name
    key = staff.pictures.add_file(path)
    assert key == Key("asset", "waiting-room.jpg")
    stored = QImage.fromData(window.source.picture("waiting-room.jpg") or b"")
    assert max(stored.width(), stored.height()) == 1600
    bad = tmp_path / "evil.svg"
    bad.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    assert staff.pictures.add_file(bad) is None and "not allowed" in staff.status.text()


def test_hostile_picture_files_are_refused_before_they_are_opened_as_pictures(
    qtbot: QtBot, window: KioskWindow, tmp_path: Path
) -> None:
    staff = console(window)
    staff.show_panel("pictures")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png(100_000, 100_000))  # unpacking it would take 40 GB
    assert staff.pictures.add_file(bomb) is None
    assert staff.status.text().startswith(
        "Cannot use bomb.png: the picture is too large (100000 x 100000 pixels"
    )
    pipe = tmp_path / "pipe.svg"
    os.mkfifo(pipe)  # reading it would wait for ever
    assert staff.pictures.add_file(pipe) is None
    assert staff.status.text() == (
        "Cannot use pipe.svg: is not a plain file (a device, pipe or folder); only plain files are read"
    )
    uses = tmp_path / "uses.svg"
    uses.write_bytes(use_bomb(8, 10))
    assert staff.pictures.add_file(uses) is None and "copies parts that copy parts" in staff.status.text()


def test_packs_and_backups_from_the_console(qtbot: QtBot, window: KioskWindow, tmp_path: Path) -> None:
    staff = console(window)  # an admin's, on a kiosk: backups are offered, and there is no fleet of kiosks
    assert "fleet" not in staff.sections and staff.sections["transfer"].text() == "Packs and backups"
    staff.show_panel("transfer")
    assert staff.transfer.backup_button.isVisibleTo(staff) and not staff.transfer.kiosk_only.isVisibleTo(
        staff
    )
    finished = lambda: not staff.transfer.busy  # noqa: E731
    staff.transfer.export_pack(tmp_path / "usb" / "clinic")
    qtbot.wait_until(finished, timeout=JOB_MS)
    assert (tmp_path / "usb" / "clinic.zip").exists()
    staff.transfer.review_pack(tmp_path / "usb" / "clinic.zip")
    qtbot.wait_until(finished, timeout=JOB_MS)
    assert "Nothing would change." in staff.transfer.plan_view.toPlainText()
    assert not staff.transfer.apply_button.isEnabled()
    (tmp_path / "broken.zip").write_text("not a zip")
    staff.transfer.review_pack(tmp_path / "broken.zip")
    qtbot.wait_until(finished, timeout=JOB_MS)
    assert "not a content pack" in staff.status.text()
    staff.transfer.backup_now()
    qtbot.wait_until(finished, timeout=JOB_MS)
    assert staff.transfer.backups.count() == 1
    staff.open_item(Key("faq_entry", "can-i-drive"))
    staff.editor.editors["en"].markdown.setPlainText("Changed after the backup.")
    assert staff.editor.editors["en"].save()
    staff.show_panel("transfer")
    staff.transfer.backups.setCurrentRow(0)
    staff.transfer.review_restore()
    assert "Restore the backup" in staff.transfer.plan_view.toPlainText()
    staff.transfer.apply_button.click()
    qtbot.wait_until(finished, timeout=JOB_MS)
    assert "Backup applied" in staff.status.text()
    window.move_to("faq", question="can-i-drive")
    faq = window.screen_named("faq")
    assert isinstance(faq, FaqScreen)
    assert "Changed after the backup" not in faq.items["can-i-drive"].answer_text.toPlainText()


def test_settings_reach_the_kiosk_and_the_pin_can_be_changed(
    qtbot: QtBot, store: Store, window: KioskWindow
) -> None:
    with store.session() as session, session.begin():
        auth.add_account(session, ANA.name, list(ANA.roles), "482916")
    staff = console(window)
    staff.show_panel("settings")
    panel = staff.settings_panel
    assert set(panel.controls) == set(SETTINGS)  # every declared setting, review interval included
    assert panel.controls["clinic_name"].text() == "Test Clinic"
    panel.controls["clinic_name"].setText("Lakeside Ketamine Clinic")
    panel.controls["crisis_line"]["en"].setText("Need help now? Call or text 988")
    panel.save_button.click()
    assert window.bar.clinic.text() == "Lakeside Ketamine Clinic"
    assert window.footer.crisis.text() == "Need help now? Call or text 988"
    idle = panel.controls["idle_seconds"]
    while idle.down.isEnabled():  # the large "−" button, down to the least allowed
        idle.down.click()
    panel.controls["countdown_seconds"].setValue(20)
    panel.controls["languages"]["es"].click()  # Spanish off
    panel.save_button.click()
    assert window.session.languages == ("en",)
    window.move_to("home")
    assert window.idle.idle_ms == 20_000
    panel.current_pin.setText("482916")
    panel.new_pin.setText("739215")
    panel.repeat_pin.setText("739215")
    panel.pin_button.click()
    assert staff.status.text() == "Your PIN is changed."
    with store.session() as session, session.begin():
        assert auth.verify(session, ANA.name, "739215") == ANA
    panel.current_pin.setText("000000")
    panel.new_pin.setText("111222")
    panel.repeat_pin.setText("111222")
    panel.pin_button.click()
    assert "not right" in staff.status.text()


def test_reviews_are_recorded_per_chapter(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    staff.open_item(Key("chapter", "second"))
    assert staff.editor.review.isVisible() and "never reviewed" in staff.editor.badges.text()
    staff.editor.review_button.click()
    assert staff.staff.recent()[0].line().endswith("review by Ana Ruiz: Ana Ruiz reviewed chapter second")
    window.move_to("reader", chapter="second", page="end")  # patients see who signed it off, and when
    reader = window.screen_named("reader")
    assert isinstance(reader, ReaderScreen) and reader.at_end
    shown = [card.end.reviewed for card in reader.stage.cards() if card.end.reviewed.isVisible()]
    assert [label.text() for label in shown] == [f"Reviewed by Ana Ruiz on {dt.date.today().isoformat()}"]
    assert "never reviewed" not in staff.editor.badges.text()


def test_staff_get_longer_before_the_idle_reset(window: KioskWindow) -> None:
    console(window)
    assert window.idle.idle_ms == 600_000


def test_a_console_left_alone_locks_itself(
    qtbot: QtBot, window: KioskWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff who walk away are logged out: the console's own idle watch runs out and the kiosk goes back to the
    attract screen, where only the corner gesture and the PIN lead to the console again. (The watch is made
    quick here; its length is the test above.)"""
    configure = window.idle.configure
    monkeypatch.setattr(window.idle, "configure", lambda _idle, _countdown: configure(0.2, 1))
    console(window)
    qtbot.wait_until(lambda: window.overlay.isVisible(), timeout=3000)  # "are you still there?"
    with qtbot.wait_signal(window.session_reset, timeout=5000):
        pass
    assert window.current == "attract"


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 800)])
def test_the_console_is_laid_out_properly(qtbot: QtBot, store: Store, width: int, height: int) -> None:
    window = open_window(qtbot, store, width, height)
    staff = console(window)
    for panel in ("welcome", "settings", "transfer", "pictures", "changes"):
        staff.show_panel(panel)
        assert settled(qtbot, lambda: overlapping(staff)) == [], panel
        assert window.size().width() == width and window.size().height() == height, panel
    staff.open_item(Key("page", "first-steps/picture"))
    assert settled(qtbot, lambda: clipped_labels(staff.editor)) == []
    assert settled(qtbot, lambda: overlapping(staff)) == []
    assert window.size().width() == width and window.size().height() == height
    window.allow_close = True


def test_every_text_field_opens_the_full_on_screen_keyboard(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window)
    staff.open_item(Key("page", "second/driving"))
    editor = staff.editor.editors["en"]
    editor.markdown.setFocus()
    qtbot.wait_until(lambda: staff.keyboard.isVisible() and staff.keyboard.target is editor.markdown)
    editor.markdown.moveCursor(editor.markdown.textCursor().MoveOperation.End)
    keys = staff.keyboard
    keys.enter_key.click()
    for char in "## ":
        (keys.space_key if char == " " else keys.keys[char]).click()
    keys.shift_key.click()
    for char in "tip: 3 _x_":
        (keys.space_key if char == " " else keys.keys[char]).click()
    assert editor.markdown.toPlainText().endswith("\n## Tip: 3 _x_")  # capitals, digits and Markdown
    assert not keys.clear_key.isVisible()  # one tap must not empty a whole page
    staff.show_panel("settings")
    field = staff.settings_panel.controls["clinic_phone"]
    field.setFocus()
    qtbot.wait_until(lambda: keys.target is field and keys.clear_key.isVisible())
    for char in "555-0100":
        keys.keys[char].click()
    assert field.text() == "555-0100"
    keys.hide_key.click()
    assert not keys.isVisible()


def test_typed_text_is_never_lost_silently(qtbot: QtBot, window: KioskWindow) -> None:
    staff = console(window, self_review=False)
    staff.open_item(Key("faq_entry", "can-i-drive"))
    staff.editor.editors["en"].markdown.setPlainText("Half a new answer")
    other = staff.find_item(Key("faq_entry", "is-it-addictive"))
    assert other is not None
    staff._on_tree_clicked(other, 0)
    assert staff.unsaved_bar.isVisible() and staff.editor.key == Key("faq_entry", "can-i-drive")
    staff.unsaved_keep.click()  # Keep editing: nothing moves, nothing is lost
    assert staff.editor.editors["en"].markdown.toPlainText() == "Half a new answer"
    staff.language_buttons["es"].click()  # switching language asks too
    assert staff.unsaved_bar.isVisible() and staff.editing_lang == "en"
    staff.unsaved_discard.click()
    assert staff.editing_lang == "es" and window.session.lang == "en"
    staff.set_language("en")
    staff.open_item(Key("faq_entry", "can-i-drive"))
    staff.editor.editors["en"].markdown.setPlainText("Typed, then the nurse walked away.")
    window.reset_session()  # the staff idle lock
    assert window.current == "attract" and window.ctx.staff is None
    with window.source.store.session() as session:
        kept = staff_service.load_text(session, Key("faq_entry_text", "can-i-drive", "en"))
    assert kept is not None and kept.draft is not None  # kept as a draft, not published
    assert kept.draft["markdown"] == "Typed, then the nurse walked away." and kept.draft_author == ANA.name
    question = window.source.catalogue("en").question("can-i-drive")
    assert question is not None and "walked away" not in question.html


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_the_preview_is_never_under_half_the_size_patients_see(
    qtbot: QtBot, store: Store, width: int, height: int
) -> None:
    window = open_window(qtbot, store, width, height)
    staff = console(window)
    staff.open_item(Key("page", "first-steps/picture"))
    preview = staff.editor.preview
    rendered = preview.rendered
    assert rendered is not None and rendered.width() == round(1856 * width / 1920)  # this screen's page area
    qtbot.wait_until(lambda: preview.pixmap().width() > 0)
    assert (
        preview.pixmap().width() >= rendered.width() / 2
        and preview.pixmap().height() >= rendered.height() / 2
    )
    assert preview.width() <= staff.panels.width()  # and it fits the editor: nothing runs off its side
    window.allow_close = True


def test_staff_read_the_console_in_their_language_without_changing_the_patients(
    qtbot: QtBot, window: KioskWindow, store: Store
) -> None:
    staff = console(window)
    staff.open_item(Key("page", "second/driving"))
    staff.set_language("es")
    assert window.session.lang == "en"  # patients still see English
    assert staff.back_button.text() == "Volver al menú del personal"
    assert staff.sections["settings"].text() == "Configuración"
    assert staff.editor.editors["es"].save_button.text() == "Guardar"
    assert staff.editor.history_button.text() == "Historial"
    staff.show_panel("changes")
    assert staff.changes.undo_button.text() == "Deshacer el cambio elegido…"
    staff.set_language("en")
    assert staff.changes.undo_button.text() == "Undo the selected change…"

    # The insights dashboard and the teach-back question editor, every word of them, charts included.
    count_today(
        store,
        {
            ("session", ""): 2,
            ("session-minutes", "3-5"): 1,
            ("session-minutes", "20+"): 1,
            ("chapter-start", "first-steps"): 2,
            ("chapter-end", "first-steps"): 1,
            ("exit-page", "second/driving"): 1,
            ("question", "can-i-drive"): 1,
            ("helpful-yes", "can-i-drive"): 1,
            ("check-right", "first-steps/ask"): 1,
            ("session-language", "es"): 1,
            ("session-text-size", "large"): 1,
        },
    )
    shown: dict[str, set[str]] = {}
    for lang in ("en", "es"):
        staff.set_language(lang)
        staff.show_panel("insights")
        words = texts_of(staff.insights)
        staff.open_item(Key("check", "first-steps/ask"))
        editor = staff.editor.editors[lang]
        body = editor.markdown.toPlainText()
        editor.markdown.setPlainText(body.replace("[x]", "[ ]").replace("](page:", "](page:nowhere/"))
        staff.editor.update_preview()
        editor.check()
        words |= texts_of(staff.editor)
        editor.save()  # refused: the problems are listed in the status line
        words.add(staff.status.text())
        editor.markdown.setPlainText(body)
        editor.save()
        words.add(staff.status.text())
        shown[lang] = words
    assert "Repase lo que aprendió: primeras respuestas" in shown["es"]  # a chart's heading, translated
    assert (
        "¿A quién le puede preguntar?" in shown["es"]
    )  # the chart's rows and the editor: the Spanish content
    assert any(w.startswith("Error: marque con [x] una sola opción") for w in shown["es"])  # the hints
    same = {w for w in shown["es"] & shown["en"] if re.search("[A-Za-z]{2}", w)}
    assert not same, sorted(same)
    english = {w for w in shown["es"] if ENGLISH.search(re.sub(r"'[^']*'", "", w))}  # (not the ids quoted)
    assert not english, "\n".join(sorted(english))


#: Words that only English uses, to find an English text left among Spanish ones.
ENGLISH = re.compile(
    r"\b(the|an|of|to|and|or|is|are|with|per|day|days|last|yet|not|right|first|try|shown|started|finished|"
    r"helpful|text|saved|draft|question|choice|choices|why|link|preview|warning|missing|published)\b",
    re.IGNORECASE,
)


def texts_of(root: QWidget) -> set[str]:
    """Every text `root` shows or draws: labels, buttons, hints, lists, and the words charts paint."""
    found: set[str] = set()
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, (QLabel, QAbstractButton)):
            found.add(widget.text())
        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            found.add(widget.placeholderText())
        if isinstance(widget, QListWidget):
            found |= {widget.item(row).text() for row in range(widget.count())}
        drawn = getattr(widget, "texts", None)
        if callable(drawn):
            found |= set(drawn())
    return {text for text in found if text and not text.isspace()}


def count_today(store: Store, rows: dict[tuple[str, str], int]) -> None:
    """Daily counts for today, as the kiosk's flush stores them."""
    connection = lite.connect(store.path)
    try:
        with lite.write_now(connection):
            usage.record_counts(
                connection, {(dt.date.today().isoformat(), e, t): n for (e, t), n in rows.items()}
            )
    finally:
        connection.close()


def test_the_dashboards_words_agree_with_its_numbers_in_spanish(
    qtbot: QtBot, window: KioskWindow, store: Store, tmp_path: Path
) -> None:
    staff = console(window)
    staff.set_language("es")
    count_today(store, {("session", ""): 1})
    staff.show_panel("insights")
    panel = staff.insights
    assert "Sesión" in texts_of(panel) and "Sesiones" not in texts_of(panel)
    assert panel.day_chart.texts() == ["Día de más actividad: 1 sesión"]
    assert panel.period_buttons[7].text() == "Últimos 7 días"
    count_today(store, {("session", ""): 1})
    panel.refresh()
    assert "Sesiones" in texts_of(panel) and "Sesión" not in texts_of(panel)
    assert panel.day_chart.texts() == ["Día de más actividad: 2 sesiones"]
    assert panel.export(tmp_path / "totales.csv") == 1  # one day, one event
    assert staff.status.text() == "Se guardó 1 fila en totales.csv."
    count_today(store, {("idle-reset", ""): 1})
    assert panel.export(tmp_path / "totales.csv") == 2
    assert staff.status.text() == "Se guardaron 2 filas en totales.csv."
    # Messages made in English with a number in them find their Spanish, in the form the number asks for.
    assert phrase("Saved, with 1 warning to look at.", "es") == "Guardado, con 1 aviso para revisar."
    assert phrase("Saved, with 3 warnings to look at.", "es") == "Guardado, con 3 avisos para revisar."
    assert phrase("reads too hard: 9.5 (target 8 or below)", "es").endswith("(objetivo: 8 o menos)")

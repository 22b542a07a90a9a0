"""Staff editing: changes reach the kiosk, are checked, recorded, and can all be undone."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from kiosk.content import pictures
from kiosk.content.state import Key, read_state
from kiosk.db.models import ChangeSet
from kiosk.db.store import Store
from kiosk.errors import ContentError, KioskError
from kiosk.services import search, staff
from kiosk.services.catalogue import load_catalogue
from kiosk.services.settings import update_settings
from tests.helpers.db import dump
from tests.helpers.hostile import png, use_bomb

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
DRIVE_EN = Key("faq_entry_text", "can-i-drive", "en")


def answer(store: Store, question_id: str, lang: str = "en") -> str:
    with store.session() as session:
        found = load_catalogue(session, lang).question(question_id)
        return found.html if found else ""


def test_an_edit_reaches_the_kiosk_and_search(store: Store) -> None:
    with store.session() as session, session.begin():
        warnings = staff.save_text(
            session,
            DRIVE_EN,
            {"question": "Can I drive home?", "markdown": "No. Ask a friend to drive you, or take a taxi."},
        )
    assert warnings == []
    assert "take a taxi" in answer(store, "can-i-drive")
    with store.session() as session:
        assert [r.id for r in search.search_faq(session, "taxi", "en")] == ["can-i-drive"]


def test_a_text_with_errors_is_refused_and_nothing_changes(store: Store) -> None:
    before = dump(store.path)
    with pytest.raises(ContentError) as raised, store.session() as session, session.begin():
        staff.save_text(
            session, DRIVE_EN, {"question": "Can I drive?", "markdown": "See [this](page:nope/nowhere)."}
        )
    assert raised.value.problems == ["link to unknown page 'nope/nowhere' (use page:chapter-id/page-id)"]
    with (
        pytest.raises(KioskError, match="title cannot be empty"),
        store.session() as session,
        session.begin(),
    ):
        staff.save_text(session, DRIVE_EN, {"question": "  ", "markdown": "Fine."})
    assert dump(store.path) == before


def test_warnings_come_back_to_the_editor_without_stopping_the_save(store: Store) -> None:
    key = Key("page_text", "second/driving", "en")
    with store.session() as session, session.begin():
        warnings = staff.save_text(
            session, key, {"title": "Driving", "markdown": "![A car](pixel.png)\n\nNo driving."}
        )
    assert [w.message for w in warnings] == ["picture has no caption: add one in quotes after the file name"]


def test_a_nurse_adds_a_question_in_both_languages_publishes_it_and_undoes_it(store: Store) -> None:
    with store.session() as session, session.begin():
        entry = staff.add_question(
            session,
            "general",
            "en",
            "Is there parking?",
            "Yes, behind the building. [More](page:second/driving)",
        )
    with store.session() as session, session.begin():
        staff.save_text(
            session,
            Key("faq_entry_text", entry.id, "es"),
            {"question": "¿Hay estacionamiento?", "markdown": "Sí, detrás del edificio."},
        )
    assert entry.id == "is-there-parking" and answer(store, entry.id) == ""  # a draft until published
    with store.session() as session, session.begin():
        staff.set_published(session, entry, True)
    assert "behind the building" in answer(store, entry.id)
    assert "detrás del edificio" in answer(store, entry.id, "es")
    with store.session() as session:
        publish = session.scalars(select(ChangeSet).order_by(ChangeSet.id.desc())).first()
        assert publish is not None
    with store.session() as session, session.begin():
        staff.undo(session, publish.id)
    assert answer(store, entry.id) == ""


def test_every_save_is_a_revision_that_restores_exactly(store: Store) -> None:
    original = read_state_text(store, DRIVE_EN)
    for text in ("First wording.", "Second wording."):
        with store.session() as session, session.begin():
            staff.save_text(session, DRIVE_EN, {"question": "Can I drive?", "markdown": text})
    with store.session() as session:
        entries = staff.history(session, Key("faq_entry", "can-i-drive"))
    assert [e.after["markdown"] for e in entries[:2] if e.after] == ["Second wording.", "First wording."]
    bundled = [e for e in entries if e.key == DRIVE_EN][-1]
    assert bundled.kind == "bundled-import" and bundled.after == original
    with store.session() as session, session.begin():
        staff.restore_revision(session, entries[1].revision_id)
    assert read_state_text(store, DRIVE_EN)["markdown"] == "First wording."
    with store.session() as session, session.begin():
        staff.restore_revision(session, bundled.revision_id)  # back to the bundled version
    assert read_state_text(store, DRIVE_EN) == original


def read_state_text(store: Store, key: Key) -> dict[str, object]:
    with store.session() as session:
        return dict(read_state(session)[key].fields)


def test_undo_a_whole_import(store: Store, tmp_path: object) -> None:
    before = dump(store.path)
    with store.session() as session, session.begin():
        staff.save_text(session, DRIVE_EN, {"question": "Changed?", "markdown": "Changed."})
        staff.delete(session, Key("chapter", "second"))
    with store.session() as session:
        latest = [c[0] for c in staff.recent_changes(session)[:2]]
    for changeset_id in latest:
        with store.session() as session, session.begin():
            staff.undo(session, changeset_id)
    with store.session() as session:
        state = read_state(session)
        assert state[Key("chapter", "second")].fields["deleted"] is False
        assert state[DRIVE_EN].fields["question"] == "Can I drive myself home afterwards?"
    assert len(dump(store.path)) > len(before)  # the undo is itself recorded


def test_reorder_publish_and_delete_recoverably(store: Store) -> None:
    page = Key("page", "first-steps/links")
    with store.session() as session, session.begin():
        assert staff.move(session, page, -1)
    with store.session() as session:
        assert [p.id for p in load_catalogue(session, "en").chapters[0].pages][:2] == ["links", "picture"]
        assert not staff.move(session, page, -1)  # already first
    with store.session() as session, session.begin():
        staff.delete(session, Key("chapter", "first-steps"))
    with store.session() as session:
        assert [c.id for c in load_catalogue(session, "en").chapters] == ["second"]
        chapters, _ = staff.content_tree(session, "en")
        assert "deleted" in chapters[0].badges
    with store.session() as session, session.begin():
        staff.undelete(session, Key("chapter", "first-steps"))
    with store.session() as session:
        assert [c.id for c in load_catalogue(session, "en").chapters] == ["first-steps", "second"]


def test_the_tree_shows_badges_staff_need(store: Store) -> None:
    with store.session() as session, session.begin():
        staff.save_text(session, DRIVE_EN, {"question": "Can I drive?", "markdown": "Edited by a nurse."})
        staff.add_chapter(session, "en", "Parking and directions")
    with store.session() as session:
        chapters, categories = staff.content_tree(session, "en", today=dt.date(2026, 11, 21))
    by_id = {c.key.id: c for c in chapters}
    assert by_id["first-steps"].review == "" and by_id["first-steps"].published
    assert by_id["second"].review == "never reviewed"
    new = by_id["parking-and-directions"]
    assert new.badges[:2] == ("draft", "edited by staff") and new.missing == ("es",)
    drive = next(e for e in categories[0].children if e.key.id == "can-i-drive")
    assert "edited by staff" in drive.badges and drive.outdated == ("es",)
    untouched = next(e for e in categories[0].children if e.key.id == "is-it-addictive")
    assert not untouched.staff_edited


def test_reviews_are_due_after_24_months_and_after_changes(store: Store) -> None:
    with store.session() as session:
        chapters, _ = staff.content_tree(session, "en", today=dt.date(2028, 2, 1))
    assert {c.key.id: c.review for c in chapters}["first-steps"] == "review due"
    with store.session() as session, session.begin():
        staff.set_review(session, "second", dt.date(2026, 1, 1), "Dr. Lee")
        staff.save_text(
            session,
            Key("page_text", "second/driving", "en"),
            {"title": "Driving after treatment", "markdown": "Do not drive until tomorrow."},
        )
    with store.session() as session:
        chapters, _ = staff.content_tree(session, "en", today=dt.date(2026, 11, 21))
    assert {c.key.id: c.review for c in chapters}["second"] == "changed since review"
    with pytest.raises(KioskError, match="future"), store.session() as session, session.begin():
        staff.set_review(session, "second", dt.date.today() + dt.timedelta(days=3), "Dr. Lee")


def test_pictures_are_stored_checked_and_replaceable(store: Store) -> None:
    with store.session() as session, session.begin():
        key = staff.add_picture(session, "Clinic Map.PNG", PNG)
    assert key.id == "clinic-map.png"
    before = dump(store.path)
    for name, data, message in [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', "<script>"),
        (
            "remote.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x/y.png"/></svg>',
            "network",
        ),
        ("fake.png", b"not a png", "not a PNG"),
        ("notes.txt", b"hello", "PNG, JPEG or SVG"),
        ("huge.png", PNG + b"\0" * (5 * 1024 * 1024), "too large"),
        ("bomb.svg", use_bomb(8, 10), "copies parts that copy parts too deeply"),
        ("billion.png", png(40_000, 40_000), r"too large \(40000 x 40000 pixels"),
    ]:
        with pytest.raises(KioskError, match=message), store.session() as session, session.begin():
            staff.add_picture(session, name, data)
    assert dump(store.path) == before
    with store.session() as session, session.begin():  # a new version under the same name, undoable
        staff.add_picture(session, "dot.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    with store.session() as session:
        history = staff.history(session, Key("asset", "dot.svg"))
        assert len(history) == 2 and history[0].kind == "picture"


def test_a_picture_over_the_drawing_budget_is_not_added(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pictures, "RENDER_BUDGET", dataclasses.replace(pictures.RENDER_BUDGET, seconds=0.0))
    monkeypatch.setattr(pictures, "_measured", {})
    before = dump(store.path)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'
    refusal = r"^slow\.svg: the picture takes too long to draw \("
    with pytest.raises(KioskError, match=refusal), store.session() as session, session.begin():
        staff.add_picture(session, "Slow.svg", svg)
    assert dump(store.path) == before


def test_settings_changes_are_recorded_and_undoable(store: Store) -> None:
    with store.session() as session, session.begin():
        update_settings(session, {"clinic_name": "Lakeside Clinic"})
    with store.session() as session:
        latest = staff.recent_changes(session)[0]
    assert latest[2] == "settings"
    with store.session() as session, session.begin():
        staff.undo(session, latest[0])
    from kiosk.services.settings import load_settings

    with store.session() as session:
        assert load_settings(session).clinic_name == "Test Clinic"


def test_new_ids_are_unique_and_readable() -> None:
    assert staff.slug("¿Dónde me estaciono?", set()) == "donde-me-estaciono"
    assert staff.slug("Parking", {"parking", "parking-2"}) == "parking-3"
    assert staff.slug("!!!", set()) == "item"

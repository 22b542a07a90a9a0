"""Staff editing: changes reach the kiosk, are checked, recorded, and can all be undone."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.content import pictures
from kiosk.content.state import Key, read_state
from kiosk.db.models import ChangeSet
from kiosk.db.store import Store
from kiosk.errors import AuthError, ContentError, KioskError
from kiosk.services import search, staff
from kiosk.services.auth import COMMAND_LINE, Account
from kiosk.services.catalogue import load_catalogue
from kiosk.services.settings import load_settings, update_settings
from tests.helpers.db import dump
from tests.helpers.hostile import png, use_bomb

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
DRIVE_EN = Key("faq_entry_text", "can-i-drive", "en")
LEE = Account("Dr. Lee", ("reviewer",))


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
            by=COMMAND_LINE,
        )
    assert warnings == []
    assert "take a taxi" in answer(store, "can-i-drive")
    with store.session() as session:
        assert [r.id for r in search.search_faq(session, "taxi", "en")] == ["can-i-drive"]


def test_a_text_with_errors_is_refused_and_nothing_changes(store: Store) -> None:
    before = dump(store.path)
    with pytest.raises(ContentError) as raised, store.session() as session, session.begin():
        staff.save_text(
            session,
            DRIVE_EN,
            {"question": "Can I drive?", "markdown": "See [this](page:nope/nowhere)."},
            by=COMMAND_LINE,
        )
    assert raised.value.problems == ["link to unknown page 'nope/nowhere' (use page:chapter-id/page-id)"]
    with (
        pytest.raises(KioskError, match="title cannot be empty"),
        store.session() as session,
        session.begin(),
    ):
        staff.save_text(session, DRIVE_EN, {"question": "  ", "markdown": "Fine."}, by=COMMAND_LINE)
    assert dump(store.path) == before


def test_warnings_come_back_to_the_editor_without_stopping_the_save(store: Store) -> None:
    key = Key("page_text", "second/driving", "en")
    with store.session() as session, session.begin():
        warnings = staff.save_text(
            session,
            key,
            {"title": "Driving", "markdown": "![A car](pixel.png)\n\nNo driving."},
            by=COMMAND_LINE,
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
            by=COMMAND_LINE,
        )
    with store.session() as session, session.begin():
        staff.save_text(
            session,
            Key("faq_entry_text", entry.id, "es"),
            {"question": "¿Hay estacionamiento?", "markdown": "Sí, detrás del edificio."},
            by=COMMAND_LINE,
        )
    assert entry.id == "is-there-parking" and answer(store, entry.id) == ""  # a draft until published
    with store.session() as session, session.begin():
        staff.set_published(session, entry, True, by=COMMAND_LINE)
    assert "behind the building" in answer(store, entry.id)
    assert "detrás del edificio" in answer(store, entry.id, "es")
    with store.session() as session:
        publish = session.scalars(select(ChangeSet).order_by(ChangeSet.id.desc())).first()
        assert publish is not None
    with store.session() as session, session.begin():
        staff.undo(session, publish.id, by=COMMAND_LINE)
    assert answer(store, entry.id) == ""


def test_every_save_is_a_revision_that_restores_exactly(store: Store) -> None:
    original = read_state_text(store, DRIVE_EN)
    for text in ("First wording.", "Second wording."):
        with store.session() as session, session.begin():
            staff.save_text(
                session, DRIVE_EN, {"question": "Can I drive?", "markdown": text}, by=COMMAND_LINE
            )
    with store.session() as session:
        entries = staff.history(session, Key("faq_entry", "can-i-drive"))
    assert [e.after["markdown"] for e in entries[:2] if e.after] == ["Second wording.", "First wording."]
    bundled = [e for e in entries if e.key == DRIVE_EN][-1]
    assert bundled.kind == "bundled-import" and bundled.after == original
    with store.session() as session, session.begin():
        staff.restore_revision(session, entries[1].revision_id, by=COMMAND_LINE)
    assert read_state_text(store, DRIVE_EN)["markdown"] == "First wording."
    with store.session() as session, session.begin():
        staff.restore_revision(session, bundled.revision_id, by=COMMAND_LINE)  # back to the bundled version
    assert read_state_text(store, DRIVE_EN) == original


def read_state_text(store: Store, key: Key) -> dict[str, object]:
    with store.session() as session:
        return dict(read_state(session)[key].fields)


def test_undo_a_whole_import(store: Store, tmp_path: object) -> None:
    before = dump(store.path)
    with store.session() as session, session.begin():
        staff.save_text(session, DRIVE_EN, {"question": "Changed?", "markdown": "Changed."}, by=COMMAND_LINE)
        staff.delete(session, Key("chapter", "second"), by=COMMAND_LINE)
    with store.session() as session:
        latest = [c.id for c in staff.recent_changes(session)[:2]]
    for changeset_id in latest:
        with store.session() as session, session.begin():
            staff.undo(session, changeset_id, by=COMMAND_LINE)
    with store.session() as session:
        state = read_state(session)
        assert state[Key("chapter", "second")].fields["deleted"] is False
        assert state[DRIVE_EN].fields["question"] == "Can I drive myself home afterwards?"
    assert len(dump(store.path)) > len(before)  # the undo is itself recorded


def test_reorder_publish_and_delete_recoverably(store: Store) -> None:
    page = Key("page", "first-steps/links")
    with store.session() as session, session.begin():
        assert staff.move(session, page, -1, by=COMMAND_LINE)
    with store.session() as session:
        assert [p.id for p in load_catalogue(session, "en").chapters[0].pages][:2] == ["links", "picture"]
        assert not staff.move(session, page, -1, by=COMMAND_LINE)  # already first
    with store.session() as session, session.begin():
        staff.delete(session, Key("chapter", "first-steps"), by=COMMAND_LINE)
    with store.session() as session:
        assert [c.id for c in load_catalogue(session, "en").chapters] == ["second"]
        chapters, _ = staff.content_tree(session, "en")
        assert "deleted" in chapters[0].badges
    with store.session() as session, session.begin():
        staff.undelete(session, Key("chapter", "first-steps"), by=COMMAND_LINE)
    with store.session() as session:
        assert [c.id for c in load_catalogue(session, "en").chapters] == ["first-steps", "second"]


def test_the_tree_shows_badges_staff_need(store: Store) -> None:
    with store.session() as session, session.begin():
        staff.save_text(
            session, DRIVE_EN, {"question": "Can I drive?", "markdown": "Edited by a nurse."}, by=COMMAND_LINE
        )
        staff.add_chapter(session, "en", "Parking and directions", by=COMMAND_LINE)
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
        staff.mark_reviewed(session, Key("chapter", "second"), by=LEE, today=dt.date(2026, 1, 1))
        staff.save_text(
            session,
            Key("page_text", "second/driving", "en"),
            {"title": "Driving after treatment", "markdown": "Do not drive until tomorrow."},
            by=COMMAND_LINE,
        )
    with store.session() as session:
        chapters, _ = staff.content_tree(session, "en", today=dt.date(2026, 11, 21))
    assert {c.key.id: c.review for c in chapters}["second"] == "changed since review"


def test_pictures_are_stored_checked_and_replaceable(store: Store) -> None:
    with store.session() as session, session.begin():
        key = staff.add_picture(session, "Clinic Map.PNG", PNG, by=COMMAND_LINE)
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
            staff.add_picture(session, name, data, by=COMMAND_LINE)
    assert dump(store.path) == before
    with store.session() as session, session.begin():  # a new version under the same name, undoable
        staff.add_picture(
            session,
            "dot.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>',
            by=COMMAND_LINE,
        )
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
        staff.add_picture(session, "Slow.svg", svg, by=COMMAND_LINE)
    assert dump(store.path) == before


def test_settings_changes_are_recorded_and_undoable(store: Store) -> None:
    with store.session() as session, session.begin():
        update_settings(session, {"clinic_name": "Lakeside Clinic"}, by=COMMAND_LINE)
    with store.session() as session:
        latest = staff.recent_changes(session)[0]
    assert latest.kind == "settings" and latest.author == "command line"
    with store.session() as session, session.begin():
        staff.undo(session, latest.id, by=COMMAND_LINE)
    from kiosk.services.settings import load_settings

    with store.session() as session:
        assert load_settings(session).clinic_name == "Test Clinic"


def test_new_ids_are_unique_and_readable() -> None:
    assert staff.slug("¿Dónde me estaciono?", set()) == "donde-me-estaciono"
    assert staff.slug("Parking", {"parking", "parking-2"}) == "parking-3"
    assert staff.slug("!!!", set()) == "item"


# --- named staff, review and undo that cannot hurt --------------------------------------------------------------

EDITOR = Account("Eve Editor", ("editor",))
RITA = Account("Rita Reviewer", ("reviewer",))
ADMIN = Account("Al Admin", ("admin",))
PAGE_EN = Key("page_text", "second/driving", "en")


def content(path: object) -> list[tuple[str, tuple[object, ...]]]:
    """Every row of every table but the history's, ordered, with the time each row was written left out (and
    a deletion's time reduced to whether the item is deleted): what the kiosk holds, not when it was written."""
    import sqlite3

    connection = sqlite3.connect(str(path))
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if name not in ("changesets", "revisions") and not name.startswith("search_fts_")
        ]
        found = []
        for table in tables:
            names = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for row in connection.execute(f"SELECT * FROM {table}"):
                if (
                    table == "settings" and row[0] == "_search_generation"
                ):  # a cache token, bumped by every write
                    continue
                values = tuple(
                    (value is not None) if name == "deleted_at" else value
                    for name, value in zip(names, row, strict=True)
                    if name not in ("updated_at", "saved_at")
                )
                found.append((table, values))
        return sorted(found, key=repr)
    finally:
        connection.close()


def latest_change(store: Store) -> staff.Change:
    with store.session() as session:
        return staff.recent_changes(session)[0]


def undo_latest(store: Store, by: Account = COMMAND_LINE) -> staff.UndoPlan:
    change = latest_change(store)
    with store.session() as session, session.begin():
        return staff.undo(session, change.id, by=by, with_later=True)


@pytest.mark.parametrize(
    "action",
    ["import", "edit", "delete", "settings", "review", "draft", "picture"],
)
def test_undoing_an_undo_gives_back_exactly_what_was_there(store: Store, action: str) -> None:
    with store.session() as session, session.begin():
        if action == "import":
            pass  # the bundled import that filled the database is the latest change
        elif action == "edit":
            staff.save_text(session, DRIVE_EN, {"question": "Drive?", "markdown": "No."}, by=COMMAND_LINE)
        elif action == "delete":
            staff.delete(session, Key("chapter", "second"), by=COMMAND_LINE)
        elif action == "settings":
            update_settings(session, {"clinic_name": "Lakeside", "review_months": 12}, by=COMMAND_LINE)
        elif action == "review":
            staff.mark_reviewed(session, Key("faq_entry", "can-i-drive"), by=RITA)
        elif action == "draft":
            staff.save_text(session, DRIVE_EN, {"question": "Drive?", "markdown": "Not today."}, by=EDITOR)
        else:
            staff.add_picture(session, "map.png", PNG, by=EDITOR)
    after = content(store.path)
    undo_latest(store)
    assert content(store.path) != after
    undo_latest(store)
    assert content(store.path) == after


def test_undoing_the_first_import_says_what_it_removes_and_keeps_settings_recoverable(store: Store) -> None:
    with store.session() as session:
        first = min(c.id for c in staff.recent_changes(session))
        plan = staff.plan_undo(session, first)
    assert plan.words == (
        "This removes 2 chapters, 5 pages, 2 teach-back questions, 1 question group, 2 answers and 2 pictures "
        "(they can be restored "
        "from the trash). It resets 3 setting(s) to their defaults: clinic name, idle seconds, languages."
    )
    with store.session() as session, session.begin(), pytest.raises(AuthError, match="admin"):
        staff.undo(session, first, by=RITA)
    with store.session() as session, session.begin():
        staff.undo(session, first, by=ADMIN)
    with store.session() as session:
        assert load_catalogue(session, "en").chapters == ()
        assert load_settings(session).clinic_name == "Ketamine Treatment Center"
    undo_latest(store, ADMIN)
    with store.session() as session:
        assert [c.id for c in load_catalogue(session, "en").chapters] == ["first-steps", "second"]
        assert load_settings(session).clinic_name == "Test Clinic"


def test_a_later_change_that_depends_on_one_is_named_and_undone_only_together(store: Store) -> None:
    with store.session() as session, session.begin():
        chapter = staff.add_chapter(session, "en", "Parking", by=EDITOR)
    created = latest_change(store).id
    with store.session() as session, session.begin():
        staff.add_page(session, chapter.id, "en", "Where to park", "Behind the building.", by=EDITOR)
    with store.session() as session:
        plan = staff.plan_undo(session, created)
    assert plan.later == ("added page parking/where-to-park",)
    with store.session() as session, session.begin(), pytest.raises(KioskError, match="depend on this one"):
        staff.undo(session, created, by=EDITOR)
    with store.session() as session, session.begin():
        staff.undo(session, created, by=EDITOR, with_later=True)
    with store.session() as session:
        state = read_state(session)
    assert state[chapter].fields["deleted"] and state[Key("page", "parking/where-to-park")].fields["deleted"]


def test_roles_are_refused_where_they_lack_the_right(store: Store) -> None:
    refused: list[Callable[[Session], object]] = [
        lambda s: staff.set_published(s, Key("faq_entry", "can-i-drive"), True, by=EDITOR),
        lambda s: staff.mark_reviewed(s, Key("chapter", "second"), by=EDITOR),
        lambda s: update_settings(s, {"clinic_name": "X"}, by=RITA),
        lambda s: staff.add_account(s, "Mallory", ["admin"], "482916", by=RITA),
        lambda s: staff.mark_reviewed(s, Key("chapter", "second"), by=ADMIN),
    ]
    before = dump(store.path)
    for action in refused:
        with pytest.raises(AuthError, match="that needs the"), store.session() as session, session.begin():
            action(session)
    assert dump(store.path) == before


def test_medical_text_waits_for_a_second_person_unless_the_clinic_allows_self_review(store: Store) -> None:
    text = {"title": "Driving after treatment", "markdown": "Do not drive until tomorrow morning."}
    with store.session() as session, session.begin():
        staff.save_text(session, PAGE_EN, text, by=EDITOR)
    with store.session() as session:
        assert "tomorrow morning" not in load_catalogue(session, "en").chapter("second").pages[0].html  # type: ignore[union-attr]
        assert staff.drafts(session) == [(PAGE_EN, EDITOR.name)]
        assert "en waiting for review" in staff.content_tree(session, "en")[0][1].children[0].badges
    with store.session() as session, session.begin(), pytest.raises(AuthError, match="reviewer"):
        staff.publish_draft(session, PAGE_EN, by=EDITOR)
    with store.session() as session, session.begin():
        staff.publish_draft(session, PAGE_EN, by=RITA)
    with store.session() as session:
        assert "tomorrow morning" in load_catalogue(session, "en").chapter("second").pages[0].html  # type: ignore[union-attr]
        assert staff.drafts(session) == [] and latest_change(store).author == RITA.name
    own = {"title": "Driving after treatment", "markdown": "Ask someone to drive you home."}
    with store.session() as session, session.begin():
        staff.save_text(session, PAGE_EN, own, by=RITA)  # her own change: a draft for someone else
    with store.session() as session, session.begin(), pytest.raises(AuthError, match="another reviewer"):
        staff.publish_draft(session, PAGE_EN, by=RITA)
    with store.session() as session, session.begin():
        update_settings(session, {"allow_self_review": True}, by=ADMIN)
        staff.publish_draft(session, PAGE_EN, by=RITA)
    with store.session() as session:
        assert "drive you home" in load_catalogue(session, "en").chapter("second").pages[0].html  # type: ignore[union-attr]


def test_answers_are_reviewed_by_name_and_date_and_fall_due(store: Store) -> None:
    with store.session() as session:
        due = {(d.key.kind, d.key.id): d.reason for d in staff.due(session)}
    assert due[("faq_entry", "can-i-drive")] == "never reviewed" and ("chapter", "first-steps") not in due
    with store.session() as session, session.begin():
        staff.mark_reviewed(session, Key("faq_entry", "can-i-drive"), by=RITA, today=dt.date(2026, 1, 5))
    with store.session() as session:
        assert ("faq_entry", "can-i-drive") not in {
            (d.key.kind, d.key.id) for d in staff.due(session, today=dt.date(2026, 6, 1))
        }
        later = staff.due(session, today=dt.date(2029, 1, 1))
    drive = next(d for d in later if d.key.id == "can-i-drive")
    assert (drive.reason, drive.reviewed_on, drive.reviewed_by) == (
        "review due",
        dt.date(2026, 1, 5),
        RITA.name,
    )
    with store.session() as session, session.begin():
        update_settings(session, {"review_months": 60}, by=ADMIN)
    with store.session() as session:
        assert "can-i-drive" not in {d.key.id for d in staff.due(session, today=dt.date(2029, 1, 1))}

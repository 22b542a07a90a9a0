"""The group's content office works on the hub as staff work on a kiosk: accounts, edits, drafts a reviewer
publishes, clinical sign-off, history and undo, and search, all on PostgreSQL through the same services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.content.state import Key
from kiosk.db.store import open_hub
from kiosk.services import search, staff
from kiosk.services.auth import Account
from kiosk.services.catalogue import load_catalogue
from tests.helpers.hub import fixture_bundle, make_hub, run

__all__ = ["fixture_bundle"]
pytestmark = pytest.mark.usefixtures("fixture_bundle")

DRIVE_EN = Key("faq_entry_text", "can-i-drive", "en")
EDITOR = Account("Eve Editor", ("editor",))
RITA = Account("Rita Reviewer", ("reviewer", "admin"))


def answer(url: str) -> str:
    hub = open_hub(url)
    try:
        with hub.session() as session:
            found = load_catalogue(session, "en").question("can-i-drive")
            return found.html if found else ""
    finally:
        hub.close()


def test_staff_edit_review_and_undo_on_the_hub(hub_url: str, tmp_path: Path) -> None:
    hub = make_hub(hub_url, tmp_path)
    hub.kiosk("staff", "add", RITA.name, "--role", "reviewer", "--role", "admin", stdin="482916\n")
    hub.kiosk("staff", "add", EDITOR.name, "--role", "editor", stdin="615243\n")
    before = answer(hub.url)

    store = open_hub(hub.url)
    try:
        with store.session() as session, session.begin():
            staff.save_draft(
                session,
                DRIVE_EN,
                {"question": "Can I drive home?", "markdown": "No: take a taxi."},
                by=EDITOR,
            )
        assert answer(hub.url) == before  # a draft: patients (and releases) do not see it yet
        with store.session() as session, session.begin():
            staff.publish_draft(session, DRIVE_EN, by=RITA)
        assert "take a taxi" in answer(hub.url)
        with store.session() as session:
            assert [hit.id for hit in search.search_faq(session, "taxi", "en")] == ["can-i-drive"]
    finally:
        store.close()

    code, out, err = run(
        "--db", hub.url, "content", "review", "can-i-drive", "--by", RITA.name, stdin="482916\n"
    )
    assert code == 0 and "reviewed by Rita Reviewer" in out, err
    code, _, err = run(
        "--db", hub.url, "content", "review", "can-i-drive", "--by", RITA.name, stdin="999999\n"
    )
    assert code == 1 and "not right" in err

    due = {(item["kind"], item["id"]): item for item in json.loads(hub.kiosk("content", "due", "--json"))}
    assert ("faq_entry", "can-i-drive") not in due and due  # just signed off; the rest never was
    changes = json.loads(hub.kiosk("history", "list", "--json"))
    assert [(c["kind"], c["author"]) for c in changes[:3]] == [
        ("review", RITA.name),
        ("publish", RITA.name),
        ("draft", EDITOR.name),
    ]
    published = changes[1]
    hub.kiosk("history", "undo", str(published["id"]), "--yes")
    assert "take a taxi" not in answer(hub.url)

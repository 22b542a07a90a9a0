"""Import and export: atomic, idempotent, round-tripping, and respectful of staff edits."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.content.parse import read_content
from kiosk.content.state import Key, RowWriter, read_state
from kiosk.db.models import ChangeSet, Page, PageText, Revision
from kiosk.db.store import Store, open_store
from kiosk.errors import ContentError, KioskError
from kiosk.services import staff
from kiosk.services.auth import COMMAND_LINE
from tests.helpers.db import dump, export, import_dir, staff_edit


def test_export_import_export_is_identical(store: Store, tmp_path: Path) -> None:
    first = export(store, tmp_path / "one")
    other = open_store(tmp_path / "other.sqlite3")
    try:
        import_dir(other, tmp_path / "one")
        second = export(other, tmp_path / "two")
    finally:
        other.close()
    assert first == second
    assert "illustrations/dot.svg" in first and "es/faq/01-general.md" in first


def test_round_trip_keeps_staff_edits_unpublished_pages_and_reviews(store: Store, tmp_path: Path) -> None:
    staff_edit(store, Key("page_text", "first-steps/links", "es"), title="Enlaces, listas y más")
    staff_edit(store, Key("page", "first-steps/summary"), published=False)
    first = export(store, tmp_path / "one")
    text = first["es/topics/01-first-steps.md"].decode()
    assert "## Enlaces, listas y más {#links}" in text
    assert "unpublished: [summary]" in text and "reviewed_by: A. Nurse, RN" in text
    import_dir(store, tmp_path / "one")
    assert export(store, tmp_path / "two") == first


def test_import_is_idempotent(store: Store, content_dir: Path) -> None:
    before = dump(store.path)
    plan = import_dir(store, content_dir)
    assert plan.is_empty
    assert dump(store.path) == before


def test_an_import_that_fails_half_way_changes_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(store_content(store), changed)
    for lang in ("en", "es"):
        path = changed / f"{lang}/faq/01-general.md"
        path.write_text(path.read_text(encoding="utf-8").replace("No.", "Never.", 1), encoding="utf-8")
    for lang in ("en", "es"):
        path = changed / f"{lang}/topics/02-second.md"
        path.write_text(path.read_text(encoding="utf-8").replace("\n# ", "\n# New: ", 1), encoding="utf-8")
    before = dump(store.path)
    real_write = RowWriter.write
    calls = {"n": 0}

    def failing_write(self: RowWriter, key: Key, fields: object, blobs: object = None) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("power cut")
        return real_write(self, key, fields, blobs)  # type: ignore[arg-type]

    monkeypatch.setattr(RowWriter, "write", failing_write)
    with pytest.raises(RuntimeError, match="power cut"):
        import_dir(store, changed)
    assert calls["n"] == 4
    assert dump(store.path) == before


def store_content(store: Store) -> Path:
    from kiosk import paths

    return paths.bundled_content_dir()


def test_bad_content_is_refused_with_every_problem_and_nothing_changes(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(store_content(store), bad)
    path = bad / "en/topics/01-first-steps.md"
    path.write_text(path.read_text(encoding="utf-8").replace("(dot.svg", "(gone.svg"), encoding="utf-8")
    before = dump(store.path)
    with pytest.raises(ContentError) as raised:
        import_dir(store, bad)
    assert "nothing was imported" in str(raised.value)
    assert (
        "en/topics/01-first-steps.md:11: picture 'gone.svg' is not in illustrations/" in raised.value.problems
    )
    assert dump(store.path) == before


def test_a_replacing_import_deletes_recoverably_and_says_what_it_replaces(
    store: Store, tmp_path: Path
) -> None:
    staff_edit(store, Key("faq_entry_text", "can-i-drive", "en"), markdown="Staff wording.")
    folder = tmp_path / "folder"
    shutil.copytree(store_content(store), folder)
    for lang in ("en", "es"):
        (folder / f"{lang}/topics/02-second.md").unlink()
    for lang, link in (("en", "[More about driving]"), ("es", "[Más sobre manejar]")):
        path = folder / f"{lang}/faq/01-general.md"
        path.write_text(
            path.read_text(encoding="utf-8").replace(f"{link}(page:second/driving)", ""), encoding="utf-8"
        )
    plan = import_dir(store, folder, dry_run=True)
    assert [k.id for k in plan.items("removed")] == ["second", "second/draft-page", "second/driving"]
    assert plan.replaced_staff_edits == [Key("faq_entry_text", "can-i-drive", "en")]
    import_dir(store, folder)
    with store.session() as session:
        state = read_state(session)
        assert state[Key("chapter", "second")].fields["deleted"] is True
        assert state[Key("page_text", "second/driving", "es")].fields["title"]  # texts kept for recovery
        assert session.scalar(select(func.count()).select_from(Page).where(Page.deleted_at.is_not(None))) == 2


def test_dry_run_changes_nothing(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    shutil.copytree(store_content(store), folder)
    (folder / "en/faq/01-general.md").write_text(
        (folder / "en/faq/01-general.md").read_text(encoding="utf-8").replace("No.", "Never."),
        encoding="utf-8",
    )
    before = dump(store.path)
    plan = import_dir(store, folder, dry_run=True)
    assert [k.describe() for k in plan.items("changed")] == ["question can-i-drive"]
    assert dump(store.path) == before


def test_bundled_update_keeps_and_flags_staff_edits_and_updates_the_rest(
    store: Store, content_dir: Path
) -> None:
    staff_edit(store, Key("page_text", "first-steps/picture", "en"), title="Our own title")
    for name, old, new in [
        ("en/topics/01-first-steps.md", "## A page with a picture", "## A page with a new picture"),
        ("en/topics/01-first-steps.md", "## Links and lists", "## Links, lists and steps"),
    ]:
        path = content_dir / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    plan = import_dir(store, content_dir)  # the fixture folder is the bundled content in these tests
    assert plan.mode == "bundled"
    assert plan.kept_staff_edits == [Key("page_text", "first-steps/picture", "en")]
    with store.session() as session:
        state = read_state(session)
        kept = state[Key("page_text", "first-steps/picture", "en")]
        assert kept.fields["title"] == "Our own title" and kept.bundled_changed
        assert state[Key("page_text", "first-steps/links", "en")].fields["title"] == "Links, lists and steps"


def test_bundled_update_never_brings_back_what_staff_deleted(store: Store, content_dir: Path) -> None:
    staff_edit(store, Key("faq_entry", "is-it-addictive"), deleted=True)
    path = content_dir / "en/faq/01-general.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("in careful doses", "in small, careful doses"),
        encoding="utf-8",
    )
    import_dir(store, content_dir)
    with store.session() as session:
        state = read_state(session)
        assert state[Key("faq_entry", "is-it-addictive")].fields["deleted"] is True
        assert "small, careful" in state[Key("faq_entry_text", "is-it-addictive", "en")].fields["markdown"]


def test_every_import_is_one_change_set_of_revisions(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    shutil.copytree(store_content(store), folder)
    path = folder / "es/faq/01-general.md"
    path.write_text(path.read_text(encoding="utf-8").replace("No.", "No, por favor."), encoding="utf-8")
    import_dir(store, folder)
    with store.session() as session:
        latest = session.scalars(select(ChangeSet).order_by(ChangeSet.id.desc())).first()
        assert latest is not None and latest.kind == "import"
        revisions = session.scalars(select(Revision).where(Revision.changeset_id == latest.id)).all()
        assert [(r.item_kind, r.item_key, r.lang) for r in revisions] == [
            ("faq_entry_text", "can-i-drive", "es")
        ]
        assert revisions[0].before is not None and revisions[0].after is not None
        assert revisions[0].before["markdown"].startswith("No. ")
        assert revisions[0].after["markdown"].startswith("No, por favor.")


def test_rendered_html_is_stored_sanitized_with_the_picture_apart(store: Store) -> None:
    with store.session() as session:
        text = session.scalars(
            select(PageText).join(Page).where(Page.slug == "picture", PageText.lang == "en")
        ).one()
        assert text.image == "dot.svg" and text.image_alt == "A teal dot on a light card"
        assert text.image_caption == "The dot stands for one idea"
        assert "<img" not in text.html and '<a href="faq:can-i-drive">' in text.html


def test_export_refuses_a_file_as_destination(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(Exception, match="is a file, not a folder"):
        export(store, target)


def test_export_removes_only_what_an_earlier_export_wrote(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    (folder / "en/topics").mkdir(parents=True)
    (folder / "en/topics/99-mine.md").write_text("a clinic's own draft")  # there before any export
    (folder / "notes.txt").write_text("keep me")
    first = export(store, folder)
    assert first["en/topics/99-mine.md"] == b"a clinic's own draft"
    assert "en/topics/02-second.md" in first
    with store.session() as session, session.begin():
        staff.delete(session, Key("chapter", "second"), by=COMMAND_LINE)
    edited = folder / "es/topics/02-second.md"
    edited.write_text("changed by hand after the export")
    files = export(store, folder)
    assert "en/topics/02-second.md" not in files  # written by the first export, unchanged since: removed
    assert files["es/topics/02-second.md"] == b"changed by hand after the export"  # changed since: kept
    assert files["en/topics/99-mine.md"] == b"a clinic's own draft"
    assert files["notes.txt"] == b"keep me"


def test_an_export_manifest_cannot_point_outside_the_folder(store: Store, tmp_path: Path) -> None:
    victim = tmp_path / "outside/topics/victim.md"
    victim.parent.mkdir(parents=True)
    victim.write_text("not the export's")
    (tmp_path / "victim.md").write_text("not the export's")
    folder = tmp_path / "usb"
    export(store, folder)
    (folder / "fr").symlink_to(tmp_path / "outside")
    digest = hashlib.sha256(victim.read_bytes()).hexdigest()
    (folder / ".kiosk-export.json").write_text(
        json.dumps({"../victim.md": digest, "fr/topics/victim.md": digest, str(victim): digest}),
        encoding="utf-8",
    )
    export(store, folder)
    assert victim.read_text() == (tmp_path / "victim.md").read_text() == "not the export's"


def test_an_export_never_writes_through_a_link_out_of_the_folder(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    export(store, folder)
    shutil.rmtree(folder / "en/topics")
    (tmp_path / "elsewhere").mkdir()
    (folder / "en/topics").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(KioskError, match="leads outside"):
        export(store, folder)
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_parse_of_export_has_the_same_languages(store: Store, tmp_path: Path) -> None:
    export(store, tmp_path / "out")
    assert read_content(tmp_path / "out").languages == ["en", "es"]


def test_other_ways_of_asking_round_trip_and_survive_a_staff_edit(store: Store, tmp_path: Path) -> None:
    key = Key("faq_entry_text", "can-i-drive", "en")
    with store.session() as session:
        assert read_state(session)[key].fields["asked"] == ["need a lift", "who takes me back"]
        assert "asked" not in read_state(session)[Key("faq_entry_text", "is-it-addictive", "en")].fields
    files = export(store, tmp_path / "out")
    assert (
        "asked:\n  can-i-drive: [need a lift, who takes me back]\n---"
        in files["en/faq/01-general.md"].decode()
    )
    with store.session() as session, session.begin():
        staff.save_text(
            session,
            key,
            {"question": "Can I drive home?", "markdown": "No. Bring a driver."},
            by=COMMAND_LINE,
        )
    with store.session() as session:
        assert read_state(session)[key].fields["asked"] == ["need a lift", "who takes me back"]

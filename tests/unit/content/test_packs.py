"""Content packs: round trips between kiosks, and every kind of bad pack refused with nothing changed."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest

from kiosk.content import packs
from kiosk.content.state import Key
from kiosk.content.sync import export_files
from kiosk.db import backup
from kiosk.db.store import Store, open_store
from kiosk.errors import ContentError, KioskError
from kiosk.services import library, staff
from kiosk.services.auth import COMMAND_LINE
from tests.helpers.db import dump


def export_pack(store: Store, path: Path) -> dict[str, bytes]:
    with store.session() as session:
        library.export_pack(session, path)
    return packs.verify_pack(path)[1]


def test_a_pack_made_on_one_kiosk_imports_on_another_with_identical_content(
    store: Store, tmp_path: Path
) -> None:
    with store.session() as session, session.begin():
        staff.save_text(
            session,
            Key("faq_entry_text", "can-i-drive", "es"),
            {"question": "¿Puedo manejar?", "markdown": "No. Pida que alguien lo lleve."},
            by=COMMAND_LINE,
        )
    first = export_pack(store, tmp_path / "one.zip")
    other = open_store(tmp_path / "other.sqlite3")
    try:
        plan = library.import_pack(other, tmp_path / "one.zip")
        assert plan.items("added")  # an empty kiosk: everything comes from the pack
        second = export_pack(other, tmp_path / "two.zip")
    finally:
        other.close()
    assert first == second
    manifest = json.loads(zipfile.ZipFile(tmp_path / "one.zip").read("manifest.json"))
    assert (
        manifest["format"] == 1
        and manifest["languages"] == ["en", "es"]
        and len(manifest["files"]) == len(first)
    )


def test_the_same_content_makes_the_same_zip(store: Store) -> None:
    with store.session() as session:
        files = export_files(session)
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert packs.build_pack(files, ["en"], moment) == packs.build_pack(
        dict(reversed(files.items())), ["en"], moment
    )


def rewrite(source: Path, target: Path, change: object) -> Path:
    """Copy a pack, letting `change(name, data)` return new data, None to drop, or a list of extra entries."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            result = change(info.filename, old.read(info.filename))  # type: ignore[operator]
            if result is None:
                continue
            if isinstance(result, list):
                for name, data in result:
                    new.writestr(name, data)
            else:
                new.writestr(info.filename, result)
    return target


def with_manifest(edit: object) -> object:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)  # type: ignore[operator]
        return json.dumps(manifest).encode()

    return change


BAD_PACKS = {
    "checksum": (
        lambda n, d: d.replace(b"No.", b"Yes.") if n == "en/faq/01-general.md" else d,
        "does not match its checksum",
    ),
    "missing file": (lambda n, d: None if n == "illustrations/dot.svg" else d, "is listed but missing"),
    "extra file": (
        lambda n, d: [(n, d), ("en/topics/99-sneaky.md", b"x")] if n == "site.yaml" else d,
        "in the pack but not in its manifest",
    ),
    "newer format": (with_manifest(lambda m: m.update(format=99)), "newer version of the kiosk"),
    "outside": (
        lambda n, d: [(n, d), ("../../etc/evil", b"x")] if n == "site.yaml" else d,
        "points outside the pack",
    ),
    "no manifest": (lambda n, d: None if n == "manifest.json" else d, "has no manifest.json"),
    "damaged manifest": (
        lambda n, d: b"{not json" if n == "manifest.json" else d,
        "manifest.json is damaged",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_PACKS))
def test_each_kind_of_bad_pack_is_refused_and_nothing_changes(
    store: Store, tmp_path: Path, kind: str
) -> None:
    good = tmp_path / "good.zip"
    export_pack(store, good)
    change, message = BAD_PACKS[kind]
    bad = rewrite(good, tmp_path / "bad.zip", change)
    before = dump(store.path)
    with pytest.raises(packs.PackError, match=message):
        library.import_pack(store, bad)
    assert dump(store.path) == before
    assert backup.backups_of(store.path) == []  # refused before the backup: nothing at all happened


def test_a_pack_with_invalid_content_is_refused(store: Store, tmp_path: Path) -> None:
    with store.session() as session:
        files = export_files(session)
    files["en/topics/01-first-steps.md"] = files["en/topics/01-first-steps.md"].replace(b"{#links}", b"")
    path = tmp_path / "invalid.zip"
    path.write_bytes(packs.build_pack(files, ["en", "es"]))
    before = dump(store.path)
    with pytest.raises(ContentError) as raised:
        library.import_pack(store, path)
    assert any(
        "en/topics/01-first-steps.md:16: heading 'Links and lists' has no id" in p
        for p in raised.value.problems
    )
    assert dump(store.path) == before


def test_not_a_zip_and_too_big(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.zip").write_text("hello")
    with pytest.raises(packs.PackError, match="not a content pack"):
        library.import_pack(store, tmp_path / "notes.zip")
    export_pack(store, tmp_path / "good.zip")
    monkeypatch.setattr(packs, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(packs.PackError, match="too large"):
        library.import_pack(store, tmp_path / "good.zip")
    with pytest.raises(KioskError, match="no such file"):
        library.import_pack(store, tmp_path / "missing.zip")


def test_dry_run_shows_replaced_staff_edits_and_applying_takes_a_backup(store: Store, tmp_path: Path) -> None:
    export_pack(store, tmp_path / "vendor.zip")
    with store.session() as session, session.begin():
        staff.save_text(
            session,
            Key("faq_entry_text", "can-i-drive", "en"),
            {"question": "Can I drive?", "markdown": "Our own answer."},
            by=COMMAND_LINE,
        )
    plan = library.import_pack(store, tmp_path / "vendor.zip", dry_run=True)
    assert plan.replaced_staff_edits == [Key("faq_entry_text", "can-i-drive", "en")]
    assert "replaces staff edit: question can-i-drive (en)" in plan.report()
    assert backup.backups_of(store.path) == []
    library.import_pack(store, tmp_path / "vendor.zip")
    assert [b.reason for b in backup.backups_of(store.path)] == ["before-pack-import"]


def test_zip_entries_are_checked_for_safety() -> None:
    assert packs._safe_name("en/topics/01-a.md")
    for name in ("/etc/passwd", "../x", "a/../../x", "C:\\x", "a\\b", ""):
        assert not packs._safe_name(name), name


def test_reading_a_damaged_zip(tmp_path: Path) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("manifest.json", "{}")
    path = tmp_path / "x.zip"
    path.write_bytes(data.getvalue()[:-10])
    with pytest.raises(packs.PackError):
        packs.verify_pack(path)

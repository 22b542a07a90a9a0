"""Content packs: round trips between kiosks, and every kind of bad pack refused with nothing changed."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import warnings
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
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a name written twice: that is the point
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


def manifest_text(edit: object) -> object:
    """Change the manifest's text itself: for what `json.dumps` would never write."""

    def change(name: str, data: bytes) -> bytes:
        return edit(data.decode()).encode() if name == "manifest.json" else data  # type: ignore[operator]

    return change


def nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


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
        r"manifest.json, line 1: it is damaged \(Expecting property name",
    ),
    "duplicate entry": (
        lambda n, d: [(n, d), (n, d.replace(b"988", b"555"))] if n == "site.yaml" else d,
        "'site.yaml' is in it twice",
    ),
    "second manifest": (
        lambda n, d: [(n, d), ("Manifest.json", d)] if n == "manifest.json" else d,
        "'Manifest.json' and 'manifest.json' would be the same file",
    ),
    "infinity": (
        manifest_text(lambda t: t.replace('"format": 1', '"format": Infinity')),
        "Infinity is not a number",
    ),
    "nan": (manifest_text(lambda t: t.replace('"format": 1', '"format": NaN')), "NaN is not a number"),
    "huge number": (manifest_text(lambda t: t.replace('"format": 1', '"format": 1e999')), "is too large"),
    "long number": (manifest_text(lambda t: t.replace('"format": 1', '"format": ' + "1" * 5000)), "too long"),
    "key twice": (
        manifest_text(lambda t: t.replace('"format": 1', '"format": 1, "format": 1')),
        "the key 'format' appears twice",
    ),
    "format as text": (
        with_manifest(lambda m: m.update(format="1")),
        "'format' must be a whole number, not '1'",
    ),
    "format as true": (with_manifest(lambda m: m.update(format=True)), "'format' must be a whole number"),
    "mixed-type keys": (
        with_manifest(lambda m: m.update(files=[[1, "x"], *m["files"].items()])),
        "'files' must be a map of file names to checksums",
    ),
    "wrong checksum type": (
        with_manifest(lambda m: m["files"].update({"site.yaml": 5})),
        "the checksum of 'site.yaml' must be 64 hexadecimal digits, not 5",
    ),
    "languages": (with_manifest(lambda m: m.update(languages=[1, "en"])), "'languages' must be a list"),
    "created_at": (with_manifest(lambda m: m.update(created_at={"a": 1})), "'created_at' must be a date"),
    "unknown entry": (with_manifest(lambda m: m.update(extra=1)), "unknown entry 'extra'"),
    "deeply nested": (with_manifest(lambda m: m.update(signature=nested(50))), "nested too deeply"),
    "very deeply nested": (
        manifest_text(
            lambda t: t.replace(
                '"format": 1', '"signature": ' + "[" * 100_000 + "]" * 100_000 + ', "format": 1'
            )
        ),
        "nested too deeply",
    ),
    "newline in a name": (
        lambda n, d: [(n, d), ("illustrations/a\nok.svg", b"<svg/>")] if n == "site.yaml" else d,
        r"the name 'illustrations/a\\nok.svg' has control characters",
    ),
    "manifest lists itself": (
        with_manifest(lambda m: m["files"].update({"manifest.json": "0" * 64})),
        "lists 'manifest.json', which is not allowed",
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
    with pytest.raises(packs.PackError, match=message) as raised:
        library.import_pack(store, bad)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 300
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


def test_a_signature_in_a_form_the_kiosk_does_not_read_is_refused(store: Store, tmp_path: Path) -> None:
    """Signatures are checked (tests/unit/content/test_signing.py): one that cannot even be read is not ignored."""
    good = tmp_path / "good.zip"
    export_pack(store, good)
    signed = rewrite(
        good, tmp_path / "signed.zip", with_manifest(lambda m: m.update(signature={"ed25519": "x"}))
    )
    before = dump(store.path)
    with pytest.raises(KioskError, match="its signature is not in a form this kiosk reads"):
        library.import_pack(store, signed)
    assert dump(store.path) == before


def test_a_pipe_is_not_a_pack(store: Store, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.zip")  # reading it would wait for a writer forever
    with pytest.raises(packs.PackError, match=r"pipe\.zip is not a plain file"):
        library.import_pack(store, tmp_path / "pipe.zip")


def test_the_dry_run_shows_old_and_new_values_and_the_changed_text(store: Store, tmp_path: Path) -> None:
    """The issue's tampered pack: the crisis line and the driving answer changed, checksums made again. The
    checksums cannot catch that; the report makes it plain before anyone imports it."""
    with store.session() as session:
        files = export_files(session)
    site = files["site.yaml"].decode()
    files["site.yaml"] = site.replace("Call or text 988", "Call 555-0100").encode()
    answers = files["en/faq/01-general.md"].decode()
    old_answer = "No. Please bring a driver. You can drive again the next day after a good night's sleep."
    assert old_answer in answers
    files["en/faq/01-general.md"] = answers.replace(old_answer, "Yes, you can drive\nyourself home.").encode()
    path = tmp_path / "tampered.zip"
    path.write_bytes(packs.build_pack(files, ["en", "es"]))
    before = dump(store.path)
    report = library.import_pack(store, path, dry_run=True).report()
    assert report == [
        "changed: question can-i-drive",
        "    (en) answer:",
        "        - No. Please bring a driver. You can drive again the next day after a good night's sleep.",
        "        + Yes, you can drive",
        "        + yourself home.",
        "setting crisis_line (en): 'In crisis? Call or text 988' -> 'In crisis? Call 555-0100'",
    ]
    assert dump(store.path) == before


def test_names_and_values_in_a_report_cannot_fake_lines(store: Store, tmp_path: Path) -> None:
    with store.session() as session:
        files = export_files(session)
    files["site.yaml"] = files["site.yaml"].replace(
        b"clinic_name: Test Clinic", b'clinic_name: "Evil\\nwould import: no changes"'
    )
    path = tmp_path / "names.zip"
    path.write_bytes(packs.build_pack(files, ["en", "es"]))
    report = library.import_pack(store, path, dry_run=True).report()
    # A line break in a setting is no line break at all: settings are one line on screen and in reports.
    assert report == ["setting clinic_name: 'Test Clinic' -> 'Evil would import: no changes'"]

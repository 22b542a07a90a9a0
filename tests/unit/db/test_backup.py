"""Backups with SQLite's online backup API, and restoring them safely."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from kiosk.content.state import Key
from kiosk.db import backup
from kiosk.db.store import Store
from kiosk.errors import StoreError
from kiosk.services import library, staff
from tests.helpers.db import dump


def edit(store: Store, text: str) -> None:
    with store.session() as session, session.begin():
        staff.save_text(
            session, Key("faq_entry_text", "can-i-drive", "en"), {"question": "Drive?", "markdown": text}
        )


def test_backup_and_restore_round_trip(store: Store, tmp_path: Path) -> None:
    saved = dump(store.path)
    copy = backup.backup(store.path, tmp_path / "copy.sqlite3")
    edit(store, "Changed after the backup.")
    assert dump(store.path) != saved
    safety = library.restore_backup(store, copy)
    assert dump(store.path) == saved
    assert safety.name.endswith("-before-restore.sqlite3")
    library.restore_backup(store, safety)  # and back again
    assert dump(store.path) != saved


def test_a_backup_while_another_connection_reads(store: Store, tmp_path: Path) -> None:
    reader = sqlite3.connect(store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM chapters").fetchone()
    try:
        path = backup.backup(store.path, tmp_path)
    finally:
        reader.rollback()
        reader.close()
    assert path.parent == tmp_path and path.name.endswith("-manual.sqlite3")
    backup.check_backup_file(path)


@pytest.mark.parametrize("kind", ["text", "garbage", "other-db", "corrupt"])
def test_restore_refuses_what_is_not_an_intact_kiosk_backup(store: Store, tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "bad.sqlite3"
    if kind == "text":
        bad.write_text("hello")
    elif kind == "garbage":
        bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    elif kind == "other-db":
        connection = sqlite3.connect(bad)
        connection.execute("CREATE TABLE notes (x)")
        connection.close()
    else:
        good = backup.backup(store.path, tmp_path / "good.sqlite3")
        data = bytearray(good.read_bytes())
        for offset in range(4096 * 3, len(data) - 4096, 4096 * 2):
            data[offset : offset + 8] = b"\xaa" * 8
        bad.write_bytes(bytes(data))
    before = dump(store.path)
    with pytest.raises(StoreError):
        library.restore_backup(store, bad)
    assert dump(store.path) == before
    assert backup.backups_of(store.path) == []


def test_automatic_backups_keep_the_newest_and_never_touch_manual_ones(store: Store) -> None:
    folder = store.path.parent / "backups"
    folder.mkdir()
    for day in range(1, 6):
        (folder / f"kiosk-2026010{day}-120000-daily.sqlite3").write_bytes(b"x")
    (folder / "kiosk-20250101-120000-manual.sqlite3").write_bytes(b"x")
    backup.automatic_backup(store.path, "before-import", keep=3)
    names = sorted(p.name for p in folder.iterdir())
    assert "kiosk-20250101-120000-manual.sqlite3" in names
    assert [n for n in names if "daily" in n] == [
        "kiosk-20260104-120000-daily.sqlite3",
        "kiosk-20260105-120000-daily.sqlite3",
    ]
    assert len([n for n in names if "before-import" in n]) == 1


def test_daily_backup_when_due(store: Store) -> None:
    assert backup.daily_backup_due(store.path)
    assert library.daily_backup(store) is not None
    assert not backup.daily_backup_due(store.path)
    assert library.daily_backup(store) is None
    assert backup.daily_backup_due(store.path, dt.datetime.now() + dt.timedelta(hours=25))


def test_imports_take_a_backup_first(store: Store, content_dir: Path) -> None:
    path = content_dir / "en/faq/01-general.md"
    path.write_text(path.read_text(encoding="utf-8").replace("No.", "Never."), encoding="utf-8")
    library.import_folder_with_backup(store, content_dir)
    assert [b.reason for b in backup.backups_of(store.path)] == ["before-import"]
    library.import_folder_with_backup(store, content_dir)  # nothing to change: no backup needed
    assert len(backup.backups_of(store.path)) == 1


def test_a_backup_cannot_overwrite_the_live_database(store: Store) -> None:
    with pytest.raises(StoreError, match="cannot overwrite"):
        backup.backup(store.path, store.path)

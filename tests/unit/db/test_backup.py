"""Backups with SQLite's online backup API, and restoring them safely."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.content.state import Key
from kiosk.db import backup, lite
from kiosk.db import store as store_module
from kiosk.db.store import Store, open_store
from kiosk.errors import StoreError
from kiosk.services import library, staff
from kiosk.services.auth import COMMAND_LINE
from tests.helpers.db import dump


def edit(store: Store, text: str) -> None:
    with store.session() as session, session.begin():
        staff.save_text(
            session,
            Key("faq_entry_text", "can-i-drive", "en"),
            {"question": "Drive?", "markdown": text},
            by=COMMAND_LINE,
        )


def restored(path: Path) -> list[str]:
    """The database's dump less the one change set a restore adds to the history (the restore itself)."""
    lines = dump(path)
    added = [
        line for line in lines if line.startswith('INSERT INTO "changesets"') and "'backup-restore'" in line
    ]
    assert len(added) >= 1
    return [line for line in lines if line != added[-1]]


def test_backup_and_restore_round_trip(store: Store, tmp_path: Path) -> None:
    saved = dump(store.path)
    copy = backup.backup(store.path, tmp_path / "copy.sqlite3")
    edit(store, "Changed after the backup.")
    assert dump(store.path) != saved
    safety = library.restore_backup(store.path, copy).safety
    assert restored(store.path) == saved
    assert safety is not None and safety.name.endswith("-before-restore.sqlite3")
    library.restore_backup(store.path, safety)  # and back again
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
    with backup.checked_copy(path, tmp_path) as copy:
        assert dump(copy) == dump(store.path)


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
        library.restore_backup(store.path, bad)
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


def test_imports_take_a_backup_first(store: Store, content_dir: Path) -> None:
    path = content_dir / "en/faq/01-general.md"
    path.write_text(path.read_text(encoding="utf-8").replace("No.", "Never."), encoding="utf-8")
    library.import_folder_with_backup(store, content_dir)
    assert [b.reason for b in backup.backups_of(store.path)] == ["before-import"]
    library.import_folder_with_backup(store, content_dir)  # nothing to change: no backup needed
    assert len(backup.backups_of(store.path)) == 1


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_a_backup_cannot_overwrite_the_live_database_or_its_side_files(store: Store, suffix: str) -> None:
    target = Path(f"{store.path}{suffix}")
    before = target.read_bytes() if target.exists() else None
    with pytest.raises(StoreError, match="cannot overwrite the database it copies"):
        backup.backup(store.path, target)
    assert (target.read_bytes() if target.exists() else None) == before


def test_a_backup_through_a_link_to_the_live_database_is_refused(store: Store, tmp_path: Path) -> None:
    link = tmp_path / "innocent.sqlite3"
    link.symlink_to(Path(f"{store.path}-wal"))
    with pytest.raises(StoreError, match="cannot overwrite"):
        backup.backup(store.path, link)


def test_a_failed_backup_leaves_no_partial_file(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = lite.connect

    def small_disk(path: Path, **options: Any) -> sqlite3.Connection:
        connection = real_connect(path, **options)
        if str(path).endswith(".partial"):
            connection.execute("PRAGMA max_page_count = 3")  # the disk fills up part of the way through
        return connection

    monkeypatch.setattr(lite, "connect", small_disk)
    folder = tmp_path / "out"
    with pytest.raises(StoreError, match=r"cannot write the backup .*disk is full"):
        backup.backup(store.path, folder / "copy.sqlite3")
    assert list(folder.iterdir()) == []


def test_a_backup_does_not_overwrite_a_file_that_is_not_a_backup(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    with pytest.raises(StoreError, match="is not a kiosk backup: choose another name"):
        backup.backup(store.path, notes)
    assert notes.read_text() == "mine"


NEXT_MIGRATION = '''"""A later schema, for tests: usage counts gain a column, and every setting is touched.

Revision ID: {next}
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_counts") as batch_op:
        batch_op.add_column(sa.Column("screen_size", sa.String(length=16), nullable=True))
    op.execute("UPDATE settings SET updated_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("usage_counts") as batch_op:
        batch_op.drop_column("screen_size")
'''


@pytest.fixture
def next_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This program one schema revision later, so backups made now are from an older version."""
    folder = tmp_path / "migrations"
    shutil.copytree(store_module.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    head = lite.SCHEMA_HEAD
    later = f"{int(head) + 1:04d}"
    migration = NEXT_MIGRATION.replace("{next}", later).replace("{head}", head)
    (folder / "versions" / f"{later}_later.py").write_text(migration, encoding="utf-8")
    monkeypatch.setattr(store_module, "MIGRATIONS_DIR", folder)
    monkeypatch.setattr(lite, "SCHEMA_HEAD", later)
    store_module.known_revisions.cache_clear()
    yield
    store_module.known_revisions.cache_clear()
    store_module.reference_signature.cache_clear()


def columns(path: Path, table: str) -> list[str]:
    connection = lite.connect(path, readonly=True)
    try:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
    finally:
        connection.close()


def test_an_older_backup_is_upgraded_on_a_private_copy_then_restored(
    store: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    edit(store, "In the old backup.")
    old = backup.backup(store.path, tmp_path / "old.sqlite3")
    edit(store, "Changed since.")
    store.close()
    request.getfixturevalue("next_version")
    open_store(store.path).close()  # the newer program upgrades its own database
    old_bytes = old.read_bytes()
    restored = library.restore_backup(store.path, old)
    assert restored.safety is not None
    assert "screen_size" in columns(store.path, "usage_counts") and "screen_size" not in columns(
        old, "usage_counts"
    )
    assert old.read_bytes() == old_bytes  # the backup itself is only read
    connection = lite.connect(store.path)
    try:
        assert lite.schema_revision(connection) == lite.SCHEMA_HEAD
        assert lite.schema_signature(connection) == store_module.reference_signature(lite.SCHEMA_HEAD)
        answer = connection.execute("SELECT markdown FROM faq_entry_texts WHERE entry_id = 'can-i-drive'")
        assert answer.fetchone()[0] == "In the old backup."
    finally:
        connection.close()


def test_an_older_backup_carrying_a_trigger_is_refused_before_its_upgrade_could_fire_it(
    store: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    old = backup.backup(store.path, tmp_path / "old.sqlite3")
    connection = sqlite3.connect(old)
    connection.execute(
        "CREATE TRIGGER on_upgrade AFTER UPDATE ON settings BEGIN DELETE FROM settings WHERE key = '_pin'; END"
    )
    connection.commit()
    connection.close()
    store.close()
    request.getfixturevalue("next_version")
    open_store(store.path).close()
    before = dump(store.path)
    with pytest.raises(StoreError) as refused:
        library.restore_backup(store.path, old)
    assert str(refused.value) == "old.sqlite3 holds a trigger 'on_upgrade' the kiosk did not create"
    assert dump(store.path) == before


def test_a_backup_with_another_page_size_is_restored(store: Store, tmp_path: Path) -> None:
    copy = backup.backup(store.path, tmp_path / "small-pages.sqlite3")
    connection = sqlite3.connect(copy)
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute("PRAGMA page_size = 1024")
    connection.execute("VACUUM")
    connection.close()
    expected = dump(copy)
    library.restore_backup(store.path, copy)  # the live database is in WAL mode, with 4096-byte pages
    assert restored(store.path) == expected

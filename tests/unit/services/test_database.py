"""The running kiosk's way into its database: the daily backup, and what other programs do to the file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from kiosk.db import backup, lite
from kiosk.db.store import Store
from kiosk.services import usage
from kiosk.services.database import KioskDatabase


def test_the_running_kiosk_backs_up_once_a_day(store: Store) -> None:
    """What the running kiosk's hourly timer calls (ui/app.py's DailyBackup)."""
    database = KioskDatabase(store.path)
    assert backup.daily_backup_due(store.path)
    made = database.daily_backup(keep=14)
    assert made is not None and made.name.endswith("-daily.sqlite3") and made.exists()
    assert database.daily_backup(keep=14) is None  # not again within the day
    assert backup.daily_backup_due(store.path, dt.datetime.now() + dt.timedelta(hours=25))


def test_changes_by_other_programs_are_noticed(store: Store, tmp_path: Path) -> None:
    database = KioskDatabase(store.path)
    try:
        assert database.outside_change() == "none"  # not open yet: nothing to reload
        database.connection.execute("SELECT count(*) FROM chapters").fetchone()
        assert database.outside_change() == "none"
        other = lite.connect(store.path)
        with lite.transaction(other):
            other.execute("UPDATE chapters SET position = position + 1")
        other.close()
        assert database.outside_change() == "changed"
        assert database.outside_change() == "none"
        copy = tmp_path / "copy.sqlite3"
        shutil.copy(store.path, copy)
        copy.replace(store.path)
        assert database.outside_change() == "replaced"
        assert database.connection.execute("SELECT count(*) FROM chapters").fetchone()[0] > 0
        (tmp_path / "notes.txt").write_text("not a database")
        (tmp_path / "notes.txt").replace(store.path)
        assert database.outside_change() == "unusable"
        store.path.unlink()
        assert database.outside_change() == "missing"
    finally:
        database.close()


def test_usage_that_cannot_be_written_is_kept_and_explained(store: Store) -> None:
    database = KioskDatabase(store.path)
    counts = usage.UsageCounts()
    counts.add(
        usage.Known(pages=frozenset({"what-is-ketamine/anesthetic"})), "page", "what-is-ketamine/anesthetic"
    )
    holder = lite.connect(store.path)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        assert database.write_usage(counts) is None  # busy: kept for the next try, nothing to tell staff
        assert counts.pending
        holder.execute("ROLLBACK")
        assert database.write_usage(counts) is None
        assert not counts.pending
        assert usage.totals(database.connection, "page") == {"what-is-ketamine/anesthetic": 1}
    finally:
        holder.close()
        database.close()

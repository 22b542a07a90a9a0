"""Backups of the whole kiosk (one SQLite file) with SQLite's online backup API, and restoring them.

The backup API copies a consistent snapshot while the kiosk keeps running. Automatic backups (before every import,
pack import and restore, and daily) are named `kiosk-YYYYMMDD-HHMMSS-<reason>.sqlite3` beside the database, and
only the newest few are kept. A file is restored only after it has passed an integrity check and been recognised
as a kiosk database.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kiosk import paths
from kiosk.errors import CorruptDatabase, StoreError

log = logging.getLogger(__name__)

_AUTOMATIC = re.compile(r"^kiosk-(\d{8}-\d{6})-([a-z-]+)\.sqlite3$")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    created: dt.datetime
    reason: str
    size: int


def _copy(source: Path, destination: Path) -> None:
    """Copy the database at `source` into the one at `destination` with SQLite's online backup, every page in one
    step: the destination changes in a single transaction, or not at all. The source is only read."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        writer = sqlite3.connect(destination)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()


def backup(db_path: Path, destination: Path) -> Path:
    """Copy the live database at `db_path` to `destination` (a file, or a folder for a dated file)."""
    destination = Path(destination)
    if destination.is_dir() or (not destination.exists() and not destination.suffix):  # a folder
        destination = destination / f"kiosk-{dt.datetime.now():%Y%m%d-%H%M%S}-manual.sqlite3"
    if destination.resolve() == Path(db_path).resolve():
        raise StoreError("a backup cannot overwrite the database it copies")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        _copy(Path(db_path), partial)
        partial.replace(destination)
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"cannot write the backup to {destination}: {error}") from error
    return destination


def backups_of(db_path: Path) -> list[BackupFile]:
    """The backups kept beside the database at `db_path` (which may be damaged or missing), newest first."""
    folder = paths.backup_dir(db_path)
    found = []
    for path in folder.glob("kiosk-*.sqlite3") if folder.is_dir() else ():
        match = _AUTOMATIC.match(path.name)
        if match:
            created = dt.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
            found.append(BackupFile(path, created, match.group(2), path.stat().st_size))
    return sorted(found, key=lambda b: (b.created, b.path.name), reverse=True)


def automatic_backup(db_path: Path, reason: str, keep: int) -> Path:
    """A dated backup beside the database; keeps the newest `keep` and deletes older ones."""
    folder = paths.backup_dir(db_path)
    stamp = dt.datetime.now()
    path = folder / f"kiosk-{stamp:%Y%m%d-%H%M%S}-{reason}.sqlite3"
    while path.exists():  # two backups within one second
        stamp += dt.timedelta(seconds=1)
        path = folder / f"kiosk-{stamp:%Y%m%d-%H%M%S}-{reason}.sqlite3"
    backup(db_path, path)
    automatic = [b for b in backups_of(db_path) if b.reason != "manual"]  # staff's own are theirs to delete
    for old in automatic[max(keep, 1) :]:
        try:
            old.path.unlink()
        except OSError as error:
            log.warning("could not remove the old backup %s: %s", old.path.name, error)
    log.info("backup written: %s", path.name)
    return path


def daily_backup_due(db_path: Path, now: dt.datetime | None = None) -> bool:
    latest = backups_of(db_path)
    return not latest or (now or dt.datetime.now()) - latest[0].created >= dt.timedelta(hours=24)


def check_backup_file(source: Path) -> None:
    """Raise `StoreError` unless `source` is an intact kiosk database."""
    if not source.is_file():
        raise StoreError(f"{source}: no such file")
    try:
        connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            connection.close()
    except sqlite3.Error:
        raise StoreError(f"{source.name} is not a kiosk backup (not a database)") from None
    if not result or result[0] != "ok":
        raise CorruptDatabase(f"{source.name} is damaged and cannot be restored")
    if not {"alembic_version", "chapters", "settings"} <= tables:
        raise StoreError(f"{source.name} is not a kiosk backup")


def restore(db_path: Path, source: Path) -> None:
    """Replace the live database's contents with a backup's (the caller takes a backup first)."""
    source = Path(source)
    check_backup_file(source)
    try:
        _copy(source, Path(db_path))
    except sqlite3.Error as error:
        raise StoreError(f"the restore failed and the database was left as it was: {error}") from error
    from kiosk.db.store import check_integrity, create_sqlite_engine, migrate

    engine = create_sqlite_engine(Path(db_path))
    try:
        check_integrity(engine)
        migrate(engine)  # a backup from an older version is brought up to date
    finally:
        engine.dispose()

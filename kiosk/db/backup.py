"""Backups of the whole kiosk (one SQLite file) with SQLite's online backup API, and checking one before a restore.

The backup API copies a consistent snapshot while the kiosk keeps running. Automatic backups (before every import,
pack import and restore, and daily) are named `kiosk-YYYYMMDD-HHMMSS-<reason>.sqlite3` in the backups folder
beside the database, and only the newest few are kept.

A backup is a file from outside, so nothing in it is trusted. `checked_copy` copies it to a private file and
checks that copy completely (a SQLite file, intact, at a schema revision this program knows, holding exactly what
the migrations build and nothing else: no trigger, view or extra index), migrating the copy if it is older. Only
then does `replace_live` copy it into the live database, in one transaction: the live file is never touched by a
file that has not passed every check.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kiosk import paths
from kiosk.db import lite
from kiosk.errors import CorruptDatabase, MissingDatabase, StoreError

log = logging.getLogger(__name__)

_AUTOMATIC = re.compile(r"^kiosk-(\d{8}-\d{6})-([a-z-]+)\.sqlite3$")
#: SQLite keeps these beside a database while it is open; each is part of the live database.
SIDE_FILES = ("-wal", "-shm", "-journal")
#: A kiosk database with years of history and pictures is tens of megabytes; anything this large is not one.
MAX_BACKUP_BYTES = 2 * 1024**3
#: The page size of every database the kiosk makes (SQLite's default).
PAGE_SIZE = 4096


@dataclass(frozen=True)
class BackupFile:
    path: Path
    created: dt.datetime
    reason: str
    size: int


def _remove(path: Path) -> None:
    """Remove a database file and whatever SQLite left beside it."""
    for suffix in ("", *SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy(source: Path, destination: Path, *, create: bool = True) -> None:
    """Copy the database at `source` into the one at `destination` with SQLite's online backup, every page in one
    step: the destination changes in a single transaction, or not at all. The source is only read."""
    reader = lite.connect(source, readonly=True, create=False)
    try:
        writer = lite.connect(destination, create=create)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()


def live_files(db_path: Path) -> set[Path]:
    """The live database and the files SQLite keeps beside it, as absolute paths."""
    resolved = Path(db_path).resolve()
    return {resolved, *(Path(f"{resolved}{suffix}") for suffix in SIDE_FILES)}


def backup(db_path: Path, destination: Path) -> Path:
    """Copy the live database at `db_path` to `destination` (a file, or a folder for a dated file)."""
    destination = Path(destination)
    if not Path(db_path).is_file():  # deleted while the kiosk runs: make no folders for it
        raise MissingDatabase(f"the database file {db_path} is missing, so there is nothing to back up")
    if destination.is_dir() or (not destination.exists() and not destination.suffix):  # a folder
        destination = destination / f"kiosk-{dt.datetime.now():%Y%m%d-%H%M%S}-manual.sqlite3"
    if destination.resolve() in live_files(db_path):
        raise StoreError(
            "a backup cannot overwrite the database it copies, nor the files SQLite keeps beside it"
        )
    if destination.exists() and (not destination.is_file() or not lite.looks_like_sqlite(destination)):
        raise StoreError(f"{destination} exists and is not a kiosk backup: choose another name")
    partial = destination.with_name(destination.name + ".partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        _remove(partial)
        _copy(Path(db_path), partial)
        partial.replace(destination)
    except (OSError, sqlite3.Error, StoreError) as error:
        try:
            _remove(partial)
        except OSError as cleanup:
            log.warning("could not remove the unfinished backup %s: %s", partial, cleanup)
        known = lite.describe_error(error) if isinstance(error, sqlite3.Error) else None
        raise StoreError(f"cannot write the backup to {destination}: {known or error}") from error
    return destination


def backups_of(db_path: Path) -> list[BackupFile]:
    """The backups kept beside the database at `db_path` (which may be damaged or missing), newest first."""
    folder = paths.backup_dir(db_path)
    found = []
    for path in folder.glob("kiosk-*.sqlite3") if folder.is_dir() else ():
        match = _AUTOMATIC.match(path.name)
        if match and path.is_file():
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


# --- restoring: check everything on a private copy first ---------------------------------------------------------


def _private_folder(near: Path) -> Path:
    """A fresh folder for a private copy: beside the database (same disk, never a memory-backed /tmp), or else
    in the temporary folder."""
    try:
        near.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".kiosk-restore-", dir=near))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="kiosk-restore-"))


def _check_copy(copy: Path, name: str) -> str:
    """Check the private copy of a backup called `name`; returns its schema revision."""
    from kiosk.db.store import check_schema

    try:
        connection = lite.connect(copy, create=False)
    except sqlite3.DatabaseError as error:
        raise CorruptDatabase(f"{name} is damaged ({error})") from error
    try:
        lite.check_integrity(connection, name)
        encoding = connection.execute("PRAGMA encoding").fetchone()[0]
        if encoding != "UTF-8":
            raise StoreError(f"{name} is not a kiosk backup (its text is stored as {encoding})")
        revision = check_schema(connection, name)
        if revision is None:
            raise StoreError(f"{name} is not a kiosk backup (it is an empty database)")
        if connection.execute("PRAGMA page_size").fetchone()[0] != PAGE_SIZE:
            # Copying into the live database (in WAL mode) needs the same page size: rewrite the copy with it.
            connection.execute("PRAGMA journal_mode = DELETE")
            connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            connection.execute("VACUUM")
            connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()
    return revision


@contextmanager
def checked_copy(source: Path, near: Path) -> Iterator[Path]:
    """A private copy of the backup at `source`, checked completely and migrated to the current schema; removed
    afterwards. Raises `StoreError` with one line naming what is wrong, before anything else is touched.

    The copy is made in the folder `near` (the live database's), where a killed restore's leftovers are
    removed the next time."""
    source = Path(source)
    name = source.name
    if not source.exists():
        raise StoreError(f"{source}: no such file")
    if not source.is_file():
        raise StoreError(f"{name} is not a kiosk backup (not a regular file)")
    size = source.stat().st_size
    if size > MAX_BACKUP_BYTES:
        raise StoreError(f"{name} is not a kiosk backup (it is {size // 1024**2} MB)")
    if not lite.looks_like_sqlite(source):
        raise StoreError(f"{name} is not a kiosk backup (not a SQLite database)")
    _clear_leftovers(near)
    folder = _private_folder(near)
    try:
        copy = folder / "checked.sqlite3"
        try:
            shutil.copyfile(source, copy)
            wal = Path(f"{source}-wal")
            if wal.is_file():  # a database copied while open: its last commits may still be in the WAL
                shutil.copyfile(wal, Path(f"{copy}-wal"))
        except OSError as error:
            raise StoreError(f"cannot read {name}: {error.strerror or error}") from error
        try:
            revision = _check_copy(copy, name)
            if revision != lite.SCHEMA_HEAD:
                from kiosk.db.store import check_schema, create_sqlite_engine, migrate

                engine = create_sqlite_engine(copy)
                try:
                    migrate(engine)
                finally:
                    engine.dispose()
                connection = lite.connect(copy, create=False)
                try:
                    check_schema(connection, f"{name}, once upgraded,")
                finally:
                    connection.close()
                log.info("backup %s upgraded from schema %s on a private copy", name, revision)
        except sqlite3.Error as error:
            known = lite.describe_error(error)
            raise StoreError(f"{name} is not a usable kiosk backup ({known or error})") from error
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def replace_live(db_path: Path, checked: Path) -> None:
    """Make the live database at `db_path` (created if missing) hold exactly what the checked copy holds, in one
    transaction: readers see the old contents or the new, never a mix."""
    try:
        _copy(checked, Path(db_path))
    except sqlite3.Error as error:
        known = lite.describe_error(error)
        raise StoreError(
            f"the restore failed and the database was left as it was: {known or error}"
        ) from error


def _clear_leftovers(folder: Path) -> None:
    """Remove private copies a killed restore left behind."""
    stale = dt.datetime.now().timestamp() - 6 * 3600  # never one a restore running now is using
    for leftover in folder.glob(".kiosk-restore-*") if folder.is_dir() else ():
        try:
            if leftover.is_dir() and not os.path.islink(leftover) and leftover.stat().st_mtime < stale:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue

"""The running kiosk's way into its database: the patient screens' connection, the staff tools' store, the daily
backup, and noticing what other programs did to the file. `HubDatabase` is the same for the staff console at a
clinic group's office, which runs on the hub (PostgreSQL): reads go through a short `Session` each, and what only
a kiosk's file has (backups, another program's changes to the file, patients' counts) it has not.

The patient screens read through one standard-library connection (no SQLAlchemy needed, see
docs/ARCHITECTURE.md) that never creates the file: a database deleted behind the kiosk's back must not come back
empty. The staff tools' SQLAlchemy store is opened the first time they need it. Nothing here waits for the disk
on a patient's tap, and storage problems come back as a line for staff, never as an exception on the screen.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kiosk.db import backup, lite
from kiosk.errors import StoreError
from kiosk.services import usage

if TYPE_CHECKING:
    from kiosk.db.store import HubStore, Store

log = logging.getLogger(__name__)

#: What another program may have done to the database since the kiosk last looked (see `outside_change`).
OutsideChange = Literal["none", "changed", "replaced", "unusable", "missing"]


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device and inode), to notice one deleted or moved over while the kiosk runs."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


class KioskDatabase:
    """The database file a running kiosk uses, opened as it is needed."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._connection: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._data_version = 0
        self._store: Store | None = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The patient screens' connection, opened the first time it is asked for."""
        if self._connection is None:
            readonly = self.readonly
            self._connection = lite.connect(self.path, readonly=readonly, immutable=readonly, create=False)
            self._identity = _identity(self.path)
            self._data_version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        return self._connection

    @contextmanager
    def reading(self) -> Iterator[lite.Db]:
        """The patient screens' connection, for one read (or a PIN check's small write)."""
        yield self.connection

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    @property
    def store(self) -> Store:
        """The SQLAlchemy store, opened the first time the staff tools need it (never creating the file)."""
        if self._store is None:
            from kiosk.db.store import open_store, open_store_readonly

            self._store = (
                open_store_readonly(self.path) if self.readonly else open_store(self.path, create=False)
            )
            # Opening checked the file's first bytes with an ordinary open and close, and closing any handle on a
            # file drops every lock this process holds on it (POSIX): among them the one that tells another
            # process's SQLite the patient screens' connection is still using the database's WAL files.
            self.reconnect()
        return self._store

    @property
    def has_store(self) -> bool:
        return self._store is not None

    def reconnect(self) -> None:
        """Close the patient screens' connection so that its next use opens it afresh: another process replaced
        the whole database (a restore), and a connection idle meanwhile may hold a stale view of the WAL files."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def exists(self) -> bool:
        return self.path.exists()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def outside_change(self) -> OutsideChange:
        """What another program (a restore, an import, an edit from the command line) did to the database since
        the last look: nothing, changed its contents, moved another file over it (the connection then reads
        that one from its next use), moved one over it that the kiosk cannot use, or deleted it."""
        if self._connection is None:
            return "none"
        identity = _identity(self.path)
        if identity is None:
            return "missing"
        if identity != self._identity:
            if not lite.ready_to_read(self.path):
                return "unusable"
            self._connection.close()
            self._connection = None
            return "replaced"
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return "none"
        self._data_version = version
        return "changed"

    def write_usage(self, counts: usage.UsageCounts) -> str | None:
        """Write the counted uses without waiting for a lock. If another program is writing, they wait for the
        next try; if the disk refuses them, they are kept and the line returned says why, for staff."""
        try:
            counts.flush(self.connection)
        except (sqlite3.Error, StoreError) as error:
            if lite.is_busy(error):
                log.info("usage counts wait for the next try: another program is writing the database")
                return None
            known = lite.describe_error(error) if isinstance(error, sqlite3.Error) else error
            log.warning("usage not recorded: %s", known or error)
            return (
                f"The kiosk cannot save: {known}. It still shows its content; ask a technician."
                if known
                else None
            )
        return None

    def daily_backup(self, keep: int) -> Path | None:
        """The once-a-day automatic backup, if one is due (keeping the newest `keep`)."""
        if backup.daily_backup_due(self.path):
            return backup.automatic_backup(self.path, "daily", keep)
        return None


class HubDatabase:
    """A clinic group's hub, as the staff console at the office uses it. The hub is opened (and its schema
    checked) by whoever starts the console; each read is a short transaction of its own, so the console never
    holds one open while staff think. Nobody reads content off it as a patient, so it has no usage counts, no
    backups (PostgreSQL's own tools keep a hub) and no file another program could replace."""

    is_hub = True
    readonly = False
    has_store = True
    is_open = True

    def __init__(self, hub: HubStore, *, owned: bool = True) -> None:
        self.hub = hub
        self._owned = owned  # a read-only copy for a window built off screen shares the hub's engine

    @property
    def store(self) -> HubStore:
        return self.hub

    @contextmanager
    def reading(self) -> Iterator[lite.Db]:
        from kiosk.db.store import translated_errors

        with translated_errors(), self.hub.session() as session, session.begin():
            yield session

    def exists(self) -> bool:
        return True

    def reconnect(self) -> None:
        """Nothing to do: every read opens its own transaction."""

    def close(self) -> None:
        if self._owned:
            self.hub.close()

    def outside_change(self) -> OutsideChange:
        """Others at the office may have edited the hub at any time, and there is no cheap way to tell: so the
        console reads everything afresh whenever staff sign out (`ContentSource.check_outside_changes`)."""
        return "changed"

    def write_usage(self, counts: usage.UsageCounts) -> str | None:
        """No patient uses the office's console: nothing is counted (`ContentSource.record` keeps none)."""
        counts.pending.clear()
        return None

    def daily_backup(self, keep: int) -> Path | None:
        return None

"""Getting the database ready for the kiosk, as cheaply as its state allows.

Usually the database is intact, exactly at the current schema and up to date with the bundled content: then
nothing but the standard library's sqlite3 is needed, and the first screen is drawn sooner. Otherwise (first
start, an upgrade, newer bundled content, a missing, empty, damaged or tampered file, a read-only disk)
`library.open_for_kiosk` does the full treatment with SQLAlchemy, and the kiosk goes on from there.

A kiosk with no staff account still starts (patients lose nothing), with a notice: nobody can reach the staff
menu until `kiosk staff add NAME --role admin` adds one, which the running kiosk notices at once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import paths
from kiosk.content.fingerprint import BUNDLE_FINGERPRINT_KEY, fingerprint
from kiosk.db import lite
from kiosk.errors import StoreError


@dataclass
class KioskStart:
    db_path: Path
    notices: list[str] = field(default_factory=list)  # for staff, never patients
    readonly: bool = False


def _bundle_current(db_path: Path) -> bool:
    try:
        connection = lite.connect(db_path)
        try:
            stored = lite.get_setting(connection, BUNDLE_FINGERPRINT_KEY)
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return bool(stored) and stored == fingerprint(paths.bundled_content_dir())


NO_PIN_NOTICE = (
    "No staff account is set, so nobody can open the staff menu: add the first admin from a terminal with "
    "'kiosk staff add NAME --role admin' (see docs/DEPLOY.md). The kiosk takes it at once."
)


def _has_pin(db_path: Path, readonly: bool) -> bool:
    from kiosk.services import auth

    try:
        connection = lite.connect(db_path, readonly=readonly, immutable=readonly, create=False)
        try:
            return auth.has_pin(connection)
        finally:
            connection.close()
    except (sqlite3.Error, StoreError):
        return False


def prepare(db_path: Path) -> KioskStart:
    db_path = Path(db_path)
    if lite.ready_to_read(db_path) and _bundle_current(db_path):
        start = KioskStart(db_path)
    else:
        from kiosk.services import library

        store, notices = library.open_for_kiosk(db_path)
        start = KioskStart(db_path, notices, store.readonly)
        store.close()
    if not _has_pin(db_path, start.readonly):
        start.notices.append(NO_PIN_NOTICE)
    return start

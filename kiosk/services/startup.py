"""Getting the database ready for the kiosk, as cheaply as its state allows.

Usually the database is intact, at the current schema and up to date with the bundled content: then nothing but
the standard library's sqlite3 is needed, and the first screen is drawn sooner. Otherwise (first start, an
upgrade, newer bundled content, a damaged file, a read-only disk) `library.open_for_kiosk` does the full
treatment with SQLAlchemy, and the kiosk goes on from there.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from kiosk import paths
from kiosk.content.fingerprint import BUNDLE_FINGERPRINT_KEY, fingerprint
from kiosk.db import lite


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


def prepare(db_path: Path) -> KioskStart:
    db_path = Path(db_path)
    if lite.ready_to_read(db_path) and _bundle_current(db_path):
        return KioskStart(db_path)
    from kiosk.services import library

    store, notices = library.open_for_kiosk(db_path)
    readonly = store.readonly
    store.close()
    return KioskStart(db_path, notices, readonly)

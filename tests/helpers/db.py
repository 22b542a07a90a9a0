"""Helpers for asserting what a database holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk import paths
from kiosk.content import sync
from kiosk.content.state import Key, RowWriter, read_state
from kiosk.db.store import Store
from kiosk.services import library

#: The small content set most tests import (both languages, a picture, questions).
FIXTURE_CONTENT = Path(__file__).parent.parent / "fixtures" / "content"


def dump(path: Path) -> list[str]:
    """Every table's rows (search index included) as SQL, for 'nothing changed' comparisons."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def every_byte_kept(store: Store) -> bytes:
    """The database file, its WAL and journal, and every log file the kiosk writes."""
    found = b""
    for path in (store.path, *(Path(f"{store.path}{suffix}") for suffix in ("-wal", "-journal"))):
        if path.exists():
            found += path.read_bytes()
    log_dir = paths.log_dir()
    if log_dir.exists():
        for log_file in log_dir.rglob("*"):
            if log_file.is_file():
                found += log_file.read_bytes()
    return found


def export(store: Store, destination: Path) -> dict[str, bytes]:
    """Export the store's content to `destination`; every file written, by its path there."""
    with store.session() as session, session.begin():
        library.export_folder(session, destination)
    return {
        p.relative_to(destination).as_posix(): p.read_bytes() for p in destination.rglob("*") if p.is_file()
    }


def import_dir(store: Store, root: Path, dry_run: bool = False) -> sync.ImportPlan:
    with store.session() as session, session.begin():
        return library.import_folder(session, root, dry_run=dry_run)


def staff_edit(store: Store, key: Key, **changes: object) -> None:
    """Change some fields of a row directly, as a staff edit would leave them."""
    with store.session() as session, session.begin():
        fields = dict(read_state(session)[key].fields)
        fields.update(changes)
        RowWriter(session).write(key, fields)

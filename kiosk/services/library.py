"""Moving content in and out of the database: imports, exports, and keeping the bundled content current.

Each function works inside the caller's transaction and keeps the search index in step, so a failure anywhere
leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import paths
from kiosk.content.fingerprint import BUNDLE_FINGERPRINT_KEY, fingerprint
from kiosk.content.packs import build_pack, read_pack
from kiosk.content.parse import ContentSet
from kiosk.content.sync import (
    ImportPlan,
    Mode,
    apply_import,
    check_importable,
    export_files,
    load_for_import,
    plan_import,
    write_folder,
)
from kiosk.db import backup
from kiosk.db.lite import get_setting, put_setting
from kiosk.db.models import Chapter
from kiosk.db.store import Store, open_store, open_store_readonly, translated_errors
from kiosk.errors import CorruptDatabase, KioskError, StoreError
from kiosk.services import search
from kiosk.services.settings import load_settings

log = logging.getLogger(__name__)


def is_bundled(root: Path) -> bool:
    try:
        return Path(root).resolve() == paths.bundled_content_dir().resolve()
    except OSError:
        return False


def _remember_fingerprint(session: Session, value: str) -> None:
    put_setting(session, BUNDLE_FINGERPRINT_KEY, value)


def import_content(
    session: Session, content: ContentSet, mode: Mode, *, kind: str | None = None, dry_run: bool = False
) -> ImportPlan:
    """Plan an import and, unless `dry_run`, apply it and refresh the search index."""
    plan = plan_import(session, content, mode)
    if not dry_run:
        changeset = apply_import(
            session, plan, kind=kind or ("bundled-import" if mode == "bundled" else "import")
        )
        if changeset is not None:
            search.reindex(session)
    return plan


def import_folder(session: Session, root: Path, *, dry_run: bool = False) -> ImportPlan:
    """Import a content folder: the bundled folder by the bundled rule, any other folder as a replacement."""
    mode: Mode = "bundled" if is_bundled(root) else "replace"
    content = load_for_import(root, measure_pictures=mode == "replace")
    plan = import_content(session, content, mode, dry_run=dry_run)
    if mode == "bundled" and not dry_run:
        _remember_fingerprint(session, fingerprint(root))
    return plan


def sync_bundled(session: Session) -> ImportPlan | None:
    """Fill an empty database from the bundled content, or apply a newer bundle; None if already current.

    Cheap when nothing changed (one hash of the bundled folder), so it runs at every start: after an upgrade
    ships new content, the kiosk picks it up while keeping the clinic's own edits.
    """
    root = paths.bundled_content_dir()
    stored = get_setting(session, BUNDLE_FINGERPRINT_KEY)
    current = fingerprint(root)
    has_content = session.scalar(select(func.count()).select_from(Chapter)) or 0
    if stored == current and has_content:
        return None
    plan = import_content(session, load_for_import(root, measure_pictures=False), "bundled")
    _remember_fingerprint(session, current)
    return plan


def export_folder(session: Session, destination: Path) -> int:
    """Write the database's content as a content folder; returns the number of files written."""
    files = export_files(session)
    write_folder(files, destination)
    return len(files)


# --- with backups: these take the store, because a backup is of the whole file ---------------------------------


def _keep(store: Store) -> int:
    with store.session() as session:
        return load_settings(session).backup_keep


def import_folder_with_backup(store: Store, root: Path, *, dry_run: bool = False) -> ImportPlan:
    """Import a folder, after an automatic backup (skipped for a dry run or when nothing would change)."""
    mode: Mode = "bundled" if is_bundled(root) else "replace"
    content = load_for_import(root, measure_pictures=mode == "replace")
    with store.session() as session:
        plan = plan_import(session, content, mode)
    if dry_run or plan.is_empty:
        return plan
    backup.automatic_backup(store.path, "before-import", _keep(store))
    with store.session() as session, session.begin():
        plan = import_content(session, content, mode)
        if mode == "bundled":
            _remember_fingerprint(session, fingerprint(root))
    return plan


def export_pack(session: Session, destination: Path) -> int:
    """Write the content as a pack; returns the number of files in it."""
    files = export_files(session)
    languages = list(load_settings(session).languages)
    data = build_pack(files, languages)
    try:
        Path(destination).parent.mkdir(parents=True, exist_ok=True)
        partial = Path(destination).with_name(Path(destination).name + ".partial")
        partial.write_bytes(data)
        partial.replace(destination)
    except OSError as error:
        raise KioskError(f"cannot write {destination}: {error.strerror or error}") from error
    return len(files)


def import_pack(store: Store, source: Path, *, dry_run: bool = False) -> ImportPlan:
    """Check a pack completely, show what it would change, back up, then apply it in one transaction."""
    with tempfile.TemporaryDirectory(prefix="kiosk-pack-") as folder:
        content = check_importable(read_pack(Path(source), Path(folder)), Path(source).name)
        with store.session() as session:
            plan = plan_import(session, content, "replace")
        if dry_run or plan.is_empty:
            return plan
        backup.automatic_backup(store.path, "before-pack-import", _keep(store))
        with store.session() as session, session.begin():
            return import_content(session, content, "replace", kind="pack-import")


def restore_backup(store: Store, source: Path) -> Path:
    """Restore a backup, after backing up the current state (returned, so staff can go back to it)."""
    backup.check_backup_file(Path(source))
    safety = backup.automatic_backup(store.path, "before-restore", _keep(store))
    backup.restore(store.path, Path(source))
    search.clear_cache()
    return safety


def daily_backup(store: Store) -> Path | None:
    """The once-a-day automatic backup, if one is due."""
    if backup.daily_backup_due(store.path):
        return backup.automatic_backup(store.path, "daily", _keep(store))
    return None


# --- starting the kiosk whatever state the disk is in ------------------------------------------------------------


def set_aside(db_path: Path) -> Path:
    """Move a damaged database (and its WAL files) out of the way, keeping it for staff to look at."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{db_path}{suffix}")
        if part.exists():
            part.replace(Path(f"{aside}{suffix}"))
    return aside


def open_for_kiosk(db_path: Path) -> tuple[Store, list[str]]:
    """Open the database for the kiosk, which must start whatever the disk holds.

    A damaged database is set aside and replaced by the newest intact backup, or else by the bundled content.
    A read-only disk is opened read-only: the kiosk shows its content and staff are told it cannot save.
    A failure to bring in newer bundled content never stops the kiosk.
    """
    notices: list[str] = []
    try:
        store = open_store(db_path)
    except CorruptDatabase as error:
        log.error("the database is damaged: %s", error)
        aside = set_aside(db_path)
        notices.append(f"The database was damaged. It was kept as {aside.name} for a technician to look at.")
        store = _start_from_backup(db_path, notices)
    except StoreError as error:
        if not db_path.exists():
            raise
        log.error("the database cannot be opened for writing (%s); opening it read-only", error)
        store = open_store_readonly(db_path)
        notices.append(f"The kiosk cannot save changes ({error}). It shows its content; ask a technician.")
        return store, notices
    try:
        with translated_errors(), store.session() as session, session.begin():
            sync_bundled(session)
    except (KioskError, OSError) as error:
        log.error("could not bring in the bundled content: %s", error)
        notices.append(f"Newer bundled content could not be loaded: {error}")
    for notice in notices:
        log.warning("staff notice: %s", notice)
    return store, notices


def _start_from_backup(db_path: Path, notices: list[str]) -> Store:
    for candidate in backup.backups_of(db_path):
        try:
            backup.check_backup_file(candidate.path)
            shutil.copyfile(candidate.path, db_path)
            store = open_store(db_path)
        except (StoreError, OSError) as error:
            log.warning("backup %s is not usable: %s", candidate.path.name, error)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
            continue
        notices.append(f"The kiosk started from the backup of {candidate.created:%Y-%m-%d %H:%M}.")
        return store
    notices.append("No usable backup was found: the kiosk started from its bundled content.")
    return open_store(db_path)

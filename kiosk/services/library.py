"""Moving content in and out of the database: imports, exports, and keeping the bundled content current.

Each function works inside the caller's transaction and keeps the search index in step, so a failure anywhere
leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import paths
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
from kiosk.db import Store, backup
from kiosk.db.models import Chapter, SettingValue
from kiosk.errors import KioskError
from kiosk.services import search
from kiosk.services.settings import load_settings

BUNDLE_FINGERPRINT_KEY = "_bundled_fingerprint"


def is_bundled(root: Path) -> bool:
    try:
        return Path(root).resolve() == paths.bundled_content_dir().resolve()
    except OSError:
        return False


def fingerprint(root: Path) -> str:
    """A hash of every file in a content folder: it changes whenever the folder's content does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _remember_fingerprint(session: Session, value: str) -> None:
    row = session.get(SettingValue, BUNDLE_FINGERPRINT_KEY)
    if row is None:
        session.add(SettingValue(key=BUNDLE_FINGERPRINT_KEY, value=value))
    else:
        row.value = value


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
    content = load_for_import(root)
    mode: Mode = "bundled" if is_bundled(root) else "replace"
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
    stored = session.get(SettingValue, BUNDLE_FINGERPRINT_KEY)
    current = fingerprint(root)
    has_content = session.scalar(select(func.count()).select_from(Chapter)) or 0
    if stored is not None and stored.value == current and has_content:
        return None
    plan = import_content(session, load_for_import(root), "bundled")
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
    content = load_for_import(root)
    mode: Mode = "bundled" if is_bundled(root) else "replace"
    with store.session() as session:
        plan = plan_import(session, content, mode)
    if dry_run or plan.is_empty:
        return plan
    backup.automatic_backup(store, "before-import", _keep(store))
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
        backup.automatic_backup(store, "before-pack-import", _keep(store))
        with store.session() as session, session.begin():
            return import_content(session, content, "replace", kind="pack-import")


def restore_backup(store: Store, source: Path) -> Path:
    """Restore a backup, after backing up the current state (returned, so staff can go back to it)."""
    backup.check_backup_file(Path(source))
    safety = backup.automatic_backup(store, "before-restore", _keep(store))
    backup.restore(store, Path(source))
    search.clear_cache()
    return safety


def daily_backup(store: Store) -> Path | None:
    """The once-a-day automatic backup, if one is due."""
    if backup.daily_backup_due(store):
        return backup.automatic_backup(store, "daily", _keep(store))
    return None

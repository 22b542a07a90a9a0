"""Moving content in and out of the database: imports, exports, and keeping the bundled content current.

Each function works inside the caller's transaction and keeps the search index in step, so a failure anywhere
leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import paths
from kiosk.content import signing
from kiosk.content.fingerprint import BUNDLE_FINGERPRINT_KEY, fingerprint
from kiosk.content.packs import build_pack, unpack, verify_pack
from kiosk.content.parse import ContentSet, printable
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
from kiosk.db import backup, lite
from kiosk.db.lite import get_setting, put_setting
from kiosk.db.models import ChangeSet, Chapter
from kiosk.db.store import Database, Store, open_hub, open_store, open_store_readonly, translated_errors
from kiosk.errors import KioskError, MissingDatabase, NotKioskDatabase, StoreError, UnusableDatabase
from kiosk.paths import is_hub_url
from kiosk.services import auth, search, settings
from kiosk.services.auth import COMMAND_LINE
from kiosk.services.catalogue import Catalogue, load_catalogue
from kiosk.services.settings import load_settings, settings_from

log = logging.getLogger(__name__)


def is_bundled(root: Path) -> bool:
    try:
        return Path(root).resolve() == paths.bundled_content_dir().resolve()
    except OSError:
        return False


def _remember_fingerprint(session: Session, value: str) -> None:
    put_setting(session, BUNDLE_FINGERPRINT_KEY, value)


#: Told how far a long operation has come (a step in words, and the fraction done); it may raise `Cancelled` to
#: stop it, which leaves the database as it was.
Progress = Callable[[str, float], None]


class Cancelled(KioskError):
    """Staff stopped a long operation before it changed anything."""


def _quiet(_step: str, _fraction: float) -> None:
    """No one is watching."""


def import_content(
    session: Session,
    content: ContentSet,
    mode: Mode,
    *,
    kind: str | None = None,
    dry_run: bool = False,
    author: str = COMMAND_LINE.name,
    progress: Progress = _quiet,
) -> ImportPlan:
    """Plan an import and, unless `dry_run`, apply it and refresh the search index."""
    progress("planning", 0.4)
    plan = plan_import(session, content, mode)
    if not dry_run:
        progress("importing", 0.5)
        changeset = apply_import(
            session, plan, kind=kind or ("bundled-import" if mode == "bundled" else "import"), author=author
        )
        if changeset is not None:
            progress("indexing for search", 0.8)
            search.reindex(session)
        progress("saving", 0.95)
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


def _keep(store: Database) -> int:
    with store.session() as session:
        return load_settings(session).backup_keep


def _backup_first(store: Database, reason: str) -> None:
    """The automatic backup before a change. A hub has none of its own: PostgreSQL's backups and replication
    keep it (docs/FLEET.md)."""
    if isinstance(store, Store):
        backup.automatic_backup(store.path, reason, _keep(store))


def import_folder_with_backup(
    store: Database,
    root: Path,
    *,
    dry_run: bool = False,
    author: str = COMMAND_LINE.name,
    progress: Progress = _quiet,
) -> ImportPlan:
    """Import a folder, after an automatic backup (skipped for a dry run or when nothing would change)."""
    progress("reading the folder", 0.0)
    mode: Mode = "bundled" if is_bundled(root) else "replace"
    content = load_for_import(root, measure_pictures=mode == "replace")
    progress("comparing", 0.2)
    with store.session() as session:
        plan = plan_import(session, content, mode)
    if dry_run or plan.is_empty:
        return plan
    progress("backing up", 0.3)
    _backup_first(store, "before-import")
    with store.session() as session, session.begin():
        plan = import_content(session, content, mode, author=author, progress=progress)
        if mode == "bundled":
            _remember_fingerprint(session, fingerprint(root))
    return plan


def export_pack(session: Session, destination: Path, *, key: Ed25519PrivateKey | None = None) -> int:
    """Write the content as a pack, signed with `key` if given; returns the number of files in it."""
    files = export_files(session)
    languages = list(load_settings(session).languages)
    data = build_pack(
        files, languages, signer=(lambda manifest: signing.sign(manifest, key)) if key else None
    )
    try:
        Path(destination).parent.mkdir(parents=True, exist_ok=True)
        partial = Path(destination).with_name(Path(destination).name + ".partial")
        partial.write_bytes(data)
        partial.replace(destination)
    except OSError as error:
        raise KioskError(f"cannot write {destination}: {error.strerror or error}") from error
    return len(files)


def check_signature(session: Session, manifest: dict[str, object], what: str) -> signing.Signed | None:
    """The kiosk's rule for a pack's signature (`signing.check`), with its pinned key and its admin's setting."""
    return signing.check(
        manifest,
        what,
        pinned=settings.trusted_key(session),
        allow_unsigned=settings.unsigned_packs_allowed(session),
    )


def describe_signature(signed: signing.Signed | None, pinned: str | None) -> str:
    if signed is None:
        return "not signed"
    whose = " (this kiosk's group)" if pinned and pinned.strip() == signed.key.strip() else ""
    return f"signed by key {signed.fingerprint}{whose}"


def import_pack(
    store: Database,
    source: Path,
    *,
    dry_run: bool = False,
    notes: list[str] | None = None,
    author: str = COMMAND_LINE.name,
    progress: Progress = _quiet,
) -> ImportPlan:
    """Check a pack completely (its signature by the kiosk's rule included), show what it would change, back
    up, then apply it in one transaction. `notes` receives a line saying who signed it."""
    name = printable(Path(source).name)
    with tempfile.TemporaryDirectory(prefix="kiosk-pack-") as folder:
        progress("checking the pack", 0.0)
        manifest, files = verify_pack(Path(source))
        with store.session() as session:
            signed = check_signature(session, manifest, name)
            if notes is not None:
                notes.append(f"{name}: {describe_signature(signed, settings.trusted_key(session))}")
        content = check_importable(unpack(files, Path(folder)), Path(source).name)
        # What the kiosk trusts is its own admin's decision: a pack never changes it.
        site = {key: value for key, value in content.site.items() if key not in settings.TRUST_SETTINGS}
        content = replace(content, site=site)
        progress("comparing", 0.2)
        with store.session() as session:
            plan = plan_import(session, content, "replace")
        if dry_run or plan.is_empty:
            return plan
        progress("backing up", 0.3)
        _backup_first(store, "before-pack-import")
        with store.session() as session, session.begin():
            return import_content(
                session, content, "replace", kind="pack-import", author=author, progress=progress
            )


@dataclass(frozen=True)
class Restored:
    """What a restore did: where the state before it was saved, and whose staff accounts the kiosk has now."""

    safety: Path | None  # None: there was no usable database to save
    pins: Literal["kept", "backup", "none"]

    def pin_line(self) -> str:
        if self.pins == "kept":
            return (
                "the staff accounts and PINs are this kiosk's, as before the restore "
                "(--with-pins takes the backup's instead)"
            )
        if self.pins == "backup":
            return "the staff accounts and PINs are now the ones in the backup"
        return "no staff account is set now: add one with 'kiosk staff add NAME --role admin'"


def _live_state(db_path: Path) -> tuple[Literal["usable", "missing", "unusable"], int]:
    """Whether the live database can be used (and how many backups it keeps), before a restore replaces it."""
    try:
        store = open_store(db_path, create=False)
    except MissingDatabase:
        return "missing", settings_from({}).backup_keep
    except UnusableDatabase as error:
        log.warning("the database being replaced is not usable: %s", error)
        return "unusable", settings_from({}).backup_keep
    try:
        return "usable", _keep(store)
    finally:
        store.close()


RESTORE_KIND = "backup-restore"


def restore_backup(
    db_path: Path, source: Path, *, keep_pins: bool = True, author: str = COMMAND_LINE.name
) -> Restored:
    """Replace the database's contents with a backup's, in one transaction.

    The backup is checked completely on a private copy first (`backup.checked_copy`); a backup that fails any
    check is refused with one line and nothing is touched. Then the current state is backed up (returned, so
    staff can go back to it), and, unless `keep_pins` is false, the running kiosk's staff accounts are carried
    into the copy, so a restore never changes who can log in. A damaged current database is set aside for a
    technician rather than backed up. The restore is written into the restored database's history, naming the
    backup of the state before it, so it can be undone like any other change (`undo_restore`).
    """
    db_path = Path(db_path)
    with backup.checked_copy(Path(source), db_path.parent) as copy:
        state, keep = _live_state(db_path)
        safety = backup.automatic_backup(db_path, "before-restore", keep) if state == "usable" else None
        pins: Literal["kept", "backup", "none"]
        connection = lite.connect(copy, create=False)
        try:
            pins = "backup" if auth.has_accounts(connection) else "none"
            with lite.transaction(connection):
                if keep_pins and state == "usable":
                    live = lite.connect(db_path, create=False)
                    try:
                        if auth.has_accounts(live):
                            auth.carry_credentials(live, connection)
                            pins = "kept"
                    finally:
                        live.close()
                lite.execute(
                    connection,
                    "INSERT INTO changesets (created_at, kind, summary, author, detail) "
                    "VALUES (:now, :kind, :summary, :author, :detail)",
                    {
                        "now": lite.now_text(),
                        "kind": RESTORE_KIND,
                        "summary": f"restored the backup {Path(source).name}",
                        "author": author,
                        "detail": json.dumps({"safety": str(safety) if safety else None}),
                    },
                )
        finally:
            connection.close()
        if state == "unusable":
            set_aside(db_path)
        backup.replace_live(db_path, copy)
    search.clear_cache()
    log.info("restored %s; staff accounts: %s", Path(source).name, pins)
    return Restored(safety, pins)


def restore_to_undo(session: Session, changeset_id: int) -> Path:
    """The backup that undoing a restore would restore (the state just before it), checked to still be there."""
    changeset = session.get(ChangeSet, changeset_id)
    if changeset is None or changeset.kind != RESTORE_KIND:
        raise KioskError("that change is not a restore")
    saved = (changeset.detail or {}).get("safety")
    if not saved or not Path(saved).is_file():
        raise KioskError("the backup taken before that restore is no longer there, so it cannot be undone")
    return Path(saved)


# --- for the staff console, which reaches the store only through here ------------------------------------------


@contextmanager
def store_errors() -> Iterator[None]:
    """Database errors the environment causes (locked, read-only, full disk) as one-line `StoreError`s."""
    with translated_errors():
        yield


def open_existing(target: Path | str) -> Database:
    """The store of a kiosk's database that exists (checked as `open_store` checks it; never created), or the
    hub that a PostgreSQL URL names (which must have been set up)."""
    if is_hub_url(target):
        return open_hub(str(target))
    return open_store(Path(target), create=False)


def backups(db_path: Path) -> list[backup.BackupFile]:
    """The backups of the database at `db_path`, newest first."""
    return backup.backups_of(Path(db_path))


def backup_now(db_path: Path, keep: int) -> Path:
    """A backup by hand, among the automatic ones (the newest `keep` are kept)."""
    return backup.automatic_backup(Path(db_path), "manual", keep)


def read_catalogues(target: Path | str) -> dict[str, Catalogue]:
    """What patients can read, in every language offered, read on a connection of its own (for a staff job);
    on a hub, through a session of its own."""
    if is_hub_url(target):
        hub = open_hub(str(target))
        try:
            with hub.session() as session:
                return {lang: load_catalogue(session, lang) for lang in load_settings(session).languages}
        finally:
            hub.close()
    connection = lite.connect(Path(target), readonly=True, create=False)
    try:
        return {lang: load_catalogue(connection, lang) for lang in load_settings(connection).languages}
    finally:
        connection.close()


# --- starting the kiosk whatever state the disk is in ------------------------------------------------------------


def set_aside(db_path: Path) -> Path:
    """Move a damaged database (and the files SQLite keeps beside it) out of the way, for a technician."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    for suffix in ("", *backup.SIDE_FILES):
        part = Path(f"{db_path}{suffix}")
        if part.exists():
            part.replace(Path(f"{aside}{suffix}"))
    return aside


def _is_empty(db_path: Path) -> bool:
    """Missing, 0 bytes, or a database with nothing in it: a kiosk that has lost its data, not a new one."""
    if not db_path.exists():
        return True
    if not db_path.is_file() or not lite.looks_like_sqlite(db_path):
        return db_path.is_file() and db_path.stat().st_size == 0
    try:
        connection = lite.connect(db_path, readonly=True, create=False)
        try:
            return not connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return False  # damaged: open_store says so


def _rebuild_from_backup(db_path: Path, notices: list[str]) -> Store | None:
    """Fill the database from the newest backup that passes every check (staff accounts included), if any."""
    for candidate in backup.backups_of(db_path):
        try:
            with backup.checked_copy(candidate.path, db_path.parent) as copy:
                for suffix in ("", *backup.SIDE_FILES):
                    Path(f"{db_path}{suffix}").unlink(missing_ok=True)
                backup.replace_live(db_path, copy)
            store = open_store(db_path, create=False)
        except (StoreError, OSError) as error:
            log.warning("backup %s is not usable: %s", candidate.path.name, error)
            continue
        notices.append(
            f"The kiosk was rebuilt from the backup of {candidate.created:%Y-%m-%d %H:%M} (staff accounts included)."
        )
        return store
    return None


def open_or_rebuild(db_path: Path, notices: list[str]) -> Store:
    """Open the database; if it is missing or empty, first rebuild it from the newest good backup, and only
    without one start it afresh (the caller fills it from the bundled content). Notices say which happened."""
    db_path = Path(db_path)
    if _is_empty(db_path):
        had_backups = bool(backup.backups_of(db_path))
        store = _rebuild_from_backup(db_path, notices)
        if store is not None:
            return store
        if had_backups:
            notices.append(
                "The database was missing and no backup was usable: it starts from the bundled content."
            )
    return open_store(db_path)


def open_for_kiosk(db_path: Path) -> tuple[Store, list[str]]:
    """Open the database for the kiosk, which must start whatever the disk holds.

    In order: a missing or empty database is rebuilt from the newest good backup; a damaged or unusable one
    (failing its integrity check, from a newer version, or holding objects the kiosk did not create) is set
    aside and rebuilt the same way; without a good backup, the kiosk starts from the bundled content. A
    read-only disk is opened read-only: the kiosk shows its content and staff are told it cannot save. A failure
    to bring in newer bundled content never stops the kiosk. A file that is not a kiosk database at all (a text
    file given by mistake) is refused, and left alone.
    """
    db_path = Path(db_path)
    notices: list[str] = []
    try:
        lost = _is_empty(db_path)
        store = open_or_rebuild(db_path, notices)
        if lost and not notices:  # a first start, or a data folder emptied along with its backups
            notices.append(
                "No database and no backup were found: the kiosk started from its bundled content."
            )
    except UnusableDatabase as error:
        log.error("the database cannot be used: %s", error)
        aside = set_aside(db_path)
        notices.append(
            f"The database could not be used: {error}. It was kept as {aside.name} for a technician."
        )
        store = _rebuild_from_backup(db_path, notices) or _fresh(db_path, notices)
    except (NotKioskDatabase, MissingDatabase):
        raise
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
    return store, notices


def _fresh(db_path: Path, notices: list[str]) -> Store:
    notices.append("No usable backup was found: the kiosk started from its bundled content.")
    return open_store(db_path)

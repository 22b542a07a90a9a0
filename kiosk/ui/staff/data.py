"""The staff console's bridge to the services: every call in its own transaction, every problem as a message.

A failed action raises `KioskError` (or `ContentError` with its list of problems) and leaves the database as it
was; the console shows the message. Every change is made as the logged-in account, whose roles the services
check. After every change the kiosk's content cache is reloaded, so what staff publish appears on the patient
screens at once.

Long work (imports, pack imports, restores, backups) runs on a worker thread (`Job`), so the event loop, and with
it the touch screen and the watchdog's heartbeat, never waits for it; it reports its progress and can be
cancelled until it is about to change something for good. What the patient screens will show next is read on
that thread too, so the screen never waits for a catalogue of thousands of answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QThread, Signal
from sqlalchemy.orm import Session

from kiosk.content.parse import Problem
from kiosk.content.state import Fields, Key
from kiosk.content.sync import ImportPlan
from kiosk.content.validate import Targets
from kiosk.db import backup, lite
from kiosk.db.backup import BackupFile
from kiosk.db.store import translated_errors
from kiosk.errors import AuthError, KioskError
from kiosk.services import auth, library, staff
from kiosk.services.auth import Account
from kiosk.services.catalogue import Catalogue, load_catalogue
from kiosk.services.settings import SiteSettings, load_settings, update_settings
from kiosk.ui.data import ContentSource

log = logging.getLogger(__name__)
T = TypeVar("T")


class Job(QObject, Generic[T]):
    """One long operation on a worker thread. `progressed(step, fraction)` while it runs; then exactly one of
    `succeeded(result)` or `failed(message)`. `cancel()` stops it at its next step, leaving everything as it was."""

    progressed = Signal(str, float)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[library.Progress], T], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._cancelled = threading.Event()
        self.result: T | None = None
        self.error: str | None = None
        self.worker = QThread()
        self.worker.setObjectName("staff_job_thread")
        self.worker.run = self._run  # type: ignore[method-assign]
        self.worker.finished.connect(self._on_finished)

    def start(self) -> None:
        self.worker.start()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def running(self) -> bool:
        return self.worker.isRunning()

    def _progress(self, step: str, fraction: float) -> None:
        if self._cancelled.is_set():
            raise library.Cancelled("cancelled: nothing was changed")
        self.progressed.emit(step, fraction)

    def _run(self) -> None:  # on the worker thread
        try:
            self.result = self._work(self._progress)
        except KioskError as error:
            self.error = str(error)
        except Exception as error:  # a bug: logged with its traceback, reported to staff in one line
            log.exception("a staff job failed")
            self.error = f"it failed unexpectedly ({type(error).__name__}); the log has the details"

    def _on_finished(self) -> None:  # back on the UI thread
        self.worker.deleteLater()
        if self.error is not None:
            self.failed.emit(self.error)
        else:
            self.succeeded.emit(self.result)

    def wait(self) -> None:
        self.worker.wait()


class StaffSource:
    def __init__(self, source: ContentSource, account: Callable[[], Account | None]) -> None:
        self.source = source
        self.store = source.store
        self._account = account

    @property
    def account(self) -> Account:
        found = self._account()
        if found is None:
            raise AuthError("log in first")
        return found

    def read(self, action: Callable[[Session], T]) -> T:
        with translated_errors(), self.store.session() as session:
            return action(session)

    def write(self, action: Callable[[Session], T]) -> T:
        with translated_errors(), self.store.session() as session, session.begin():
            result = action(session)
        self.source.reload()
        return result

    # reading
    def tree(self, lang: str) -> tuple[tuple[staff.Status, ...], ...]:
        return self.read(lambda s: staff.content_tree(s, lang))

    def text(self, key: Key) -> staff.TextView | None:
        return self.read(lambda s: staff.load_text(s, key))

    def item(self, key: Key) -> dict[str, Any] | None:
        return self.read(lambda s: staff.load_item(s, key))

    def check(self, key: Key, fields: Fields) -> list[Problem]:
        return self.read(lambda s: staff.check(s, key, fields))

    def targets(self) -> Targets:
        return self.read(staff.targets)

    def history(self, item: Key) -> list[staff.HistoryEntry]:
        return self.read(lambda s: staff.history(s, item))

    def recent(self) -> list[staff.Change]:
        return self.read(staff.recent_changes)

    def plan_undo(self, changeset_id: int) -> staff.UndoPlan:
        return self.read(lambda s: staff.plan_undo(s, changeset_id))

    def due(self, lang: str) -> list[staff.Due]:
        return self.read(lambda s: staff.due(s, lang))

    def settings(self) -> SiteSettings:
        return self.read(load_settings)

    def accounts(self) -> list[Account]:
        return self.read(auth.list_accounts)

    def backups(self) -> list[BackupFile]:
        return backup.backups_of(self.store.path)

    # changing
    def save_text(self, key: Key, fields: Fields) -> list[Problem]:
        return self.write(lambda s: staff.save_text(s, key, fields, by=self.account))

    def save_draft(self, key: Key, fields: Fields) -> None:
        self.write(lambda s: staff.save_draft(s, key, fields, by=self.account))

    def publish_draft(self, key: Key) -> None:
        self.write(lambda s: staff.publish_draft(s, key, by=self.account))

    def discard_draft(self, key: Key) -> None:
        self.write(lambda s: staff.discard_draft(s, key, by=self.account))

    def publish(self, key: Key, published: bool) -> None:
        self.write(lambda s: staff.set_published(s, key, published, by=self.account))

    def delete(self, key: Key) -> None:
        self.write(lambda s: staff.delete(s, key, by=self.account))

    def undelete(self, key: Key) -> None:
        self.write(lambda s: staff.undelete(s, key, by=self.account))

    def move(self, key: Key, step: int) -> bool:
        return self.write(lambda s: staff.move(s, key, step, by=self.account))

    def add_chapter(self, lang: str, title: str) -> Key:
        return self.write(lambda s: staff.add_chapter(s, lang, title, by=self.account))

    def add_page(self, chapter_id: str, lang: str, title: str, markdown: str) -> Key:
        return self.write(lambda s: staff.add_page(s, chapter_id, lang, title, markdown, by=self.account))

    def add_category(self, lang: str, title: str) -> Key:
        return self.write(lambda s: staff.add_category(s, lang, title, by=self.account))

    def add_question(self, category_id: str, lang: str, question: str, answer: str) -> Key:
        return self.write(
            lambda s: staff.add_question(s, category_id, lang, question, answer, by=self.account)
        )

    def mark_reviewed(self, key: Key) -> None:
        self.write(lambda s: staff.mark_reviewed(s, key, by=self.account))

    def add_picture(self, name: str, data: bytes) -> Key:
        return self.write(lambda s: staff.add_picture(s, name, data, by=self.account))

    def restore_revision(self, revision_id: int) -> Key:
        return self.write(lambda s: staff.restore_revision(s, revision_id, by=self.account))

    def undo(self, changeset_id: int, with_later: bool) -> staff.UndoPlan:
        return self.write(lambda s: staff.undo(s, changeset_id, by=self.account, with_later=with_later))

    def update_settings(self, changes: dict[str, object]) -> SiteSettings:
        return self.write(lambda s: update_settings(s, changes, by=self.account))

    def change_pin(self, current: str, new: str) -> None:
        account = self.account

        def change(session: Session) -> None:
            if auth.verify(session, account.name, current) is None:
                raise AuthError("the current PIN is not right")
            auth.set_account_pin(session, account.name, new)

        self.write(change)

    def add_account(self, name: str, roles: list[str], pin: str) -> Account:
        self.account.require("admin", "add staff accounts")
        return self.write(lambda s: staff.add_account(s, name, roles, pin, by=self.account))

    def remove_account(self, name: str) -> None:
        self.account.require("admin", "remove staff accounts")
        if name == self.account.name:
            raise KioskError("you cannot remove your own account while you use it")
        self.write(lambda s: staff.remove_account(s, name, by=self.account))

    def reset_pin(self, name: str, pin: str) -> None:
        self.account.require("admin", "set other people's PINs")
        self.write(lambda s: staff.reset_pin(s, name, pin, by=self.account))

    # long work, on a worker thread ------------------------------------------------------------------------------

    def job(self, work: Callable[[library.Progress], T], *, reloads: bool = True) -> Job[T]:
        """Run `work` on a worker thread; when it has changed the database, the patient screens' catalogues are
        read there too, and handed over when it is done."""
        preloaded: dict[str, Catalogue] = {}

        def run(progress: library.Progress) -> T:
            with translated_errors():
                result = work(progress)
            if reloads:
                progress("getting the kiosk ready", 0.97)
                preloaded.update(self._read_catalogues())
            return result

        job: Job[T] = Job(run)
        if reloads:
            job.succeeded.connect(lambda _result: self.source.reload(preloaded))
            job.failed.connect(lambda _message: self.source.reload())
        return job

    def _read_catalogues(self) -> dict[str, Catalogue]:
        """What patients will read next, in every language, read on this (worker) thread's own connection."""
        connection = lite.connect(self.store.path, readonly=True, create=False)
        try:
            languages = load_settings(connection).languages
            return {lang: load_catalogue(connection, lang) for lang in languages}
        finally:
            connection.close()

    def pack_plan(self, path: Path) -> Job[ImportPlan]:
        return self.job(
            lambda progress: library.import_pack(self.store, path, dry_run=True, progress=progress),
            reloads=False,
        )

    def import_pack(self, path: Path) -> Job[ImportPlan]:
        account = self.account
        account.require("admin", "import content packs")
        return self.job(
            lambda progress: library.import_pack(self.store, path, author=account.name, progress=progress)
        )

    def export_pack(self, path: Path) -> Job[int]:
        return self.job(lambda _progress: self.read(lambda s: library.export_pack(s, path)), reloads=False)

    def folder_plan(self, path: Path) -> Job[ImportPlan]:
        return self.job(
            lambda progress: library.import_folder_with_backup(
                self.store, path, dry_run=True, progress=progress
            ),
            reloads=False,
        )

    def import_folder(self, path: Path) -> Job[ImportPlan]:
        account = self.account
        account.require("admin", "import content folders")
        return self.job(
            lambda progress: library.import_folder_with_backup(
                self.store, path, author=account.name, progress=progress
            )
        )

    def export_folder(self, path: Path) -> Job[int]:
        return self.job(lambda _progress: self.read(lambda s: library.export_folder(s, path)), reloads=False)

    def backup_now(self) -> Job[Path]:
        keep = self.settings().backup_keep
        return self.job(
            lambda _progress: backup.automatic_backup(self.store.path, "manual", keep), reloads=False
        )

    def restore_backup(self, path: Path) -> Job[library.Restored]:
        """Restore a backup; this kiosk's staff accounts stay as they are."""
        account = self.account
        account.require("admin", "restore backups")

        def run(progress: library.Progress) -> library.Restored:
            progress("checking the backup", 0.1)
            return library.restore_backup(self.store.path, path, author=account.name)

        return self.job(run)

    def restore_to_undo(self, changeset_id: int) -> Path:
        return self.read(lambda s: library.restore_to_undo(s, changeset_id))

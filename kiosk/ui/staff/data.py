"""The staff console's bridge to the services: every call in its own transaction, every problem as a message.

A failed action raises `KioskError` (or `ContentError` with its list of problems) and leaves the database as it
was; the console shows the message. Every change is made as the logged-in account, whose roles the services
check. After every change the kiosk's content cache is reloaded, so what staff publish appears on the patient
screens at once.

Long work (imports, pack imports, restores, backups, exports) runs in a child process (`Job`), so the event loop,
and with it the touch screen and the watchdog's heartbeat, never waits for it: not for the disk, and not for
Python's interpreter lock either, which a worker thread holds for long stretches while it reads or writes
thousands of rows (a 5,000-answer import stalled the screen for up to half a second that way). The child reports
its progress and can be cancelled until it is about to change something for good. What the patient screens and
the console will show next is read there too, and handed over when it is done.

At a clinic group's office the console runs on the hub: the same calls, on PostgreSQL. A job is given the hub's
URL instead of a file; backups and restores are a kiosk's alone (the hub has PostgreSQL's own), and the fleet of
kiosks (`fleet`) is the hub's alone.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.orm import Session

from kiosk.content.parse import Problem
from kiosk.content.state import Fields, Key
from kiosk.content.sync import ImportPlan
from kiosk.content.validate import Targets
from kiosk.errors import AuthError, ContentError, KioskError
from kiosk.services import auth, fleet, insights, library, staff
from kiosk.services.auth import Account
from kiosk.services.catalogue import Catalogue
from kiosk.services.settings import SiteSettings, load_settings, update_settings
from kiosk.ui.data import ContentSource

if TYPE_CHECKING:  # types only: the console reaches the store through services
    from kiosk.db.backup import BackupFile
    from kiosk.db.store import Database
    from kiosk.services.hub import KioskStatus

#: A job's database: a kiosk's file, or a hub's URL.
Target = Path | str
#: What the console says where a kiosk's file is needed and it runs on a hub.
KIOSK_ONLY = (
    "Backups and restores are for a kiosk's own database: the hub is backed up with PostgreSQL's own tools "
    "(see docs/FLEET.md)."
)

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class PlanView:
    """What an import would do (or did), as the console shows it."""

    summary: str
    lines: tuple[str, ...]
    empty: bool

    #: Lines shown before "... and N more": a screenful to read, not a text box that takes a second to fill.
    MAX_LINES = 300

    @classmethod
    def of(cls, plan: ImportPlan) -> PlanView:
        lines = plan.report()
        if len(lines) > cls.MAX_LINES:
            more = len(lines) - cls.MAX_LINES
            lines = [
                *lines[: cls.MAX_LINES],
                f"… and {more} more lines (an import with --dry-run on the command line lists them all)",
            ]
        return cls(plan.summary(), tuple(lines), plan.is_empty)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a job hands back: its result, and what the screens show next (read in the child)."""

    value: T
    catalogues: dict[str, Catalogue]
    tree: tuple[str, tuple[tuple[staff.Status, ...], ...]] | None


def _prepared(target: Target, tree_lang: str | None) -> tuple[dict[str, Catalogue], Any]:
    """The patient screens' catalogues and the console's tree, read after a change."""
    catalogues = library.read_catalogues(target)
    tree = None
    if tree_lang is not None:
        store = library.open_existing(target)
        try:
            with store.session() as session:
                tree = (tree_lang, staff.content_tree(session, tree_lang))
        finally:
            store.close()
    return catalogues, tree


def _in_child(
    messages: Any, cancelled: Any, work: Callable[..., Any], args: tuple[Any, ...], reload_lang: str | None
) -> None:
    """The child process: do `work`, telling the parent how far it got; never raises."""
    if multiprocessing.parent_process() is not None:
        # Second in line for the processor: on a small machine, the screen's process comes first.
        with contextlib.suppress(OSError):
            os.nice(19)

    def progress(step: str, fraction: float) -> None:
        if cancelled.is_set():
            raise library.Cancelled("cancelled: nothing was changed")
        messages.put(("progress", step, fraction))

    try:
        with library.store_errors():
            value = work(*args, progress=progress)
            catalogues: dict[str, Catalogue] = {}
            tree = None
            if reload_lang is not None:
                messages.put(("progress", "getting the kiosk ready", 0.97))
                catalogues, tree = _prepared(args[0], reload_lang or None)
        messages.put(("done", Outcome(value, catalogues, tree)))
    except ContentError as error:
        messages.put(("failed", "; ".join([str(error), *error.problems[:3]])))
    except KioskError as error:
        messages.put(("failed", str(error)))
    except Exception as error:  # a bug: its traceback goes to the log, one line to staff
        logging.getLogger(__name__).exception("a staff job failed")
        messages.put(("failed", f"it failed unexpectedly ({type(error).__name__}); the log has the details"))


class Job(QObject, Generic[T]):
    """One long operation in a child process. `progressed(step, fraction)` while it runs; then exactly one of
    `succeeded(result)` or `failed(message)`. `cancel()` stops it at its next step, leaving everything as it was.

    `work` must be a module-level function (the child imports it by name) taking `progress` as a keyword.

    A restore is the exception (`in_process`): it replaces the whole database file, which SQLite coordinates
    safely only between connections of one process, so it runs on a thread of this one; its work is in SQLite
    itself (checks and page copies), which lets go of the interpreter lock while it works."""

    progressed = Signal(str, float)
    succeeded = Signal(object)
    failed = Signal(str)
    POLL_MS = 50

    def __init__(
        self,
        work: Callable[..., T],
        args: tuple[Any, ...],
        *,
        reload_lang: str | None = None,
        in_process: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._messages: Any
        self._cancelled: Any
        self._process: Any
        if in_process:
            self._messages, self._cancelled = queue.Queue(), threading.Event()
            self._process = threading.Thread(
                target=_in_child,
                args=(self._messages, self._cancelled, work, args, reload_lang),
                name="kiosk-staff-job",
                daemon=True,
            )
        else:
            context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
            self._messages, self._cancelled = context.Queue(), context.Event()
            self._process = context.Process(
                target=_in_child,
                args=(self._messages, self._cancelled, work, args, reload_lang),
                name="kiosk-staff-job",
                daemon=True,
            )
        self.outcome: Outcome[T] | None = None
        self.poll = QTimer(self)
        self.poll.setObjectName("staff_job_poll_timer")
        self.poll.setInterval(self.POLL_MS)
        self.poll.timeout.connect(self._drain)
        self._finished = False

    def start(self) -> None:
        self._process.start()
        self.poll.start()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def running(self) -> bool:
        return not self._finished

    def _drain(self) -> None:
        """Take what the child said since the last look (never waiting for it)."""
        while not self._finished:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                if not self._process.is_alive() and self._messages.empty():
                    self._finish()
                    code = getattr(self._process, "exitcode", None)
                    self.failed.emit(f"it stopped unexpectedly (exit status {code})")
                return
            if message[0] == "progress":
                self.progressed.emit(message[1], message[2])
            elif message[0] == "done":
                self.outcome = message[1]
                self._finish()
                self.succeeded.emit(message[1].value)
            else:
                self._finish()
                self.failed.emit(message[1])

    def _finish(self) -> None:
        self._finished = True
        self.poll.stop()
        self._process.join(timeout=0)  # it is ending by itself; the screen never waits for that

    def wait(self) -> None:
        """For the command line and tests only: block until the job is done."""
        self._process.join()
        self._drain()


# --- the work itself, done in the child process ------------------------------------------------------------------


def _with_store(target: Target, action: Callable[[Database], T]) -> T:
    store = library.open_existing(target)
    try:
        return action(store)
    finally:
        store.close()


def plan_pack_job(db_path: Target, pack: Path, *, progress: library.Progress) -> PlanView:
    return _with_store(
        db_path, lambda s: PlanView.of(library.import_pack(s, pack, dry_run=True, progress=progress))
    )


def import_pack_job(db_path: Target, pack: Path, author: str, *, progress: library.Progress) -> PlanView:
    return _with_store(
        db_path, lambda s: PlanView.of(library.import_pack(s, pack, author=author, progress=progress))
    )


def plan_folder_job(db_path: Target, folder: Path, *, progress: library.Progress) -> PlanView:
    return _with_store(
        db_path,
        lambda s: PlanView.of(library.import_folder_with_backup(s, folder, dry_run=True, progress=progress)),
    )


def import_folder_job(db_path: Target, folder: Path, author: str, *, progress: library.Progress) -> PlanView:
    return _with_store(
        db_path,
        lambda s: PlanView.of(library.import_folder_with_backup(s, folder, author=author, progress=progress)),
    )


def export_pack_job(db_path: Target, destination: Path, *, progress: library.Progress) -> int:
    progress("writing the pack", 0.1)

    def export(store: Database) -> int:
        with store.session() as session:
            return library.export_pack(session, destination)

    return _with_store(db_path, export)


def export_folder_job(db_path: Target, destination: Path, *, progress: library.Progress) -> int:
    progress("writing the folder", 0.1)

    def export(store: Database) -> int:
        with store.session() as session:
            return library.export_folder(session, destination)

    return _with_store(db_path, export)


def backup_job(db_path: Path, keep: int, *, progress: library.Progress) -> Path:
    progress("copying the database", 0.1)
    return library.backup_now(db_path, keep)


def restore_job(db_path: Path, source: Path, author: str, *, progress: library.Progress) -> library.Restored:
    progress("checking the backup", 0.1)
    return library.restore_backup(Path(db_path), Path(source), author=author)


class StaffSource:
    def __init__(self, source: ContentSource, account: Callable[[], Account | None]) -> None:
        self.source = source
        self.store = source.store
        self._account = account
        #: The language the console shows its tree in: a long job reads the new tree on its own thread too.
        self.tree_lang: Callable[[], str] | None = None
        self._prepared_tree: tuple[str, tuple[tuple[staff.Status, ...], ...]] | None = None

    def take_prepared_tree(self, lang: str) -> tuple[tuple[staff.Status, ...], ...] | None:
        """The tree a finished job read on its thread, once, if it is in `lang`."""
        prepared, self._prepared_tree = self._prepared_tree, None
        return prepared[1] if prepared is not None and prepared[0] == lang else None

    @property
    def account(self) -> Account:
        found = self._account()
        if found is None:
            raise AuthError("log in first")
        return found

    def read(self, action: Callable[[Session], T]) -> T:
        with library.store_errors(), self.store.session() as session:
            return action(session)

    def write(self, action: Callable[[Session], T]) -> T:
        with library.store_errors(), self.store.session() as session, session.begin():
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

    def clinic_group(self) -> list[str]:
        return self.read(fleet.membership)

    @property
    def is_hub(self) -> bool:
        """Whether the console runs on a clinic group's hub (at the office), not on a kiosk."""
        return self.source.is_hub

    def backups(self) -> list[BackupFile]:
        """The kiosk's backups, newest first (a hub has none of its own)."""
        target = self.store.target
        return library.backups(target) if isinstance(target, Path) else []

    def fleet(self) -> list[KioskStatus]:
        """On a hub: every enrolled kiosk, as `kiosk hub status` shows them (admins only)."""
        from kiosk.services import hub

        self.account.require("admin", "see the clinic group's kiosks")
        if not self.store.is_hub:
            raise KioskError("the list of kiosks is on the clinic group's hub, not on a kiosk")
        return self.read(hub.status)

    def insights(self, days: int, lang: str) -> insights.Insights:
        """The dashboard's numbers, counts still in memory included (they are written first)."""
        self.source.flush_usage()
        catalogue = self.source.catalogue(lang)
        first = self.source.settings().languages[0]  # titles not yet in `lang`: as the kiosk first shows them
        fallback = self.source.catalogue(first) if first != lang else None
        group = self.is_hub  # at the office: the group's kiosks added together
        return self.read(
            lambda s: insights.summarize(s, days, catalogue=catalogue, fallback=fallback, group=group)
        )

    def export_insights(self, path: Path, days: int | None) -> int:
        self.source.flush_usage()
        return self.read(lambda s: insights.write_csv(s, path, days))

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

    # long work, in a child process -----------------------------------------------------------------------------

    def job(self, work: Callable[..., T], *args: Any, reloads: bool = True, replaces: bool = False) -> Job[T]:
        """Run `work(db_path, *args, progress=...)` in a child process. When it changes the database, what the
        patient screens and the console show next is read there too, and taken over when it is done."""
        lang = (self.tree_lang() if self.tree_lang is not None else "") if reloads else None
        job: Job[T] = Job(work, (self.store.target, *args), reload_lang=lang, in_process=replaces)
        if replaces:  # no connection of the patient screens' may sit idle while the file is replaced
            self.source.reconnect()
        if reloads:

            def take(_result: object) -> None:
                outcome = job.outcome
                if replaces:  # the whole file was replaced by another process
                    self.source.reconnect()
                if outcome is not None:
                    self._prepared_tree = outcome.tree
                    self.source.reload(outcome.catalogues)

            job.succeeded.connect(take)
            job.failed.connect(lambda _message: self.source.reload())
        return job

    def pack_plan(self, path: Path) -> Job[PlanView]:
        return self.job(plan_pack_job, path, reloads=False)

    def import_pack(self, path: Path) -> Job[PlanView]:
        self.account.require("admin", "import content packs")
        return self.job(import_pack_job, path, self.account.name)

    def export_pack(self, path: Path) -> Job[int]:
        return self.job(export_pack_job, path, reloads=False)

    def folder_plan(self, path: Path) -> Job[PlanView]:
        return self.job(plan_folder_job, path, reloads=False)

    def import_folder(self, path: Path) -> Job[PlanView]:
        self.account.require("admin", "import content folders")
        return self.job(import_folder_job, path, self.account.name)

    def export_folder(self, path: Path) -> Job[int]:
        return self.job(export_folder_job, path, reloads=False)

    def backup_now(self) -> Job[Path]:
        if self.store.is_hub:
            raise KioskError(KIOSK_ONLY)
        return self.job(backup_job, self.settings().backup_keep, reloads=False)

    def restore_backup(self, path: Path) -> Job[library.Restored]:
        """Restore a backup; this kiosk's staff accounts stay as they are."""
        self.account.require("admin", "restore backups")
        if self.store.is_hub:
            raise KioskError(KIOSK_ONLY)
        return self.job(restore_job, path, self.account.name, replaces=True)

    def restore_to_undo(self, changeset_id: int) -> Path:
        return self.read(lambda s: library.restore_to_undo(s, changeset_id))

"""The one bridge from screens to data: every read and write the patient screens make goes through here.

Reads are cached per language (the whole catalogue is small), so turning a page or opening an answer never waits
for the database. When staff change content, `reload` drops the caches and `content_changed` tells the screens;
a change made by another program (a restore or import from the command line) is noticed at the next idle reset
(`check_outside_changes`), never in the middle of a patient's page.

Nothing a patient does waits for the disk or can fail because of it: usage is counted in memory and written
later without waiting for a lock, and the PIN lockout is kept in memory when it cannot be saved. A database that
has become read-only or full, or is held by another program, only produces a notice for staff.

At a clinic group's office the same bridge runs over the hub (PostgreSQL, `HubDatabase`): the staff console and
its previews read what patients would see through the same services, each read a short transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from kiosk.content.links import split_page_ref
from kiosk.errors import StoreError
from kiosk.services import auth, usage
from kiosk.services.catalogue import Catalogue, QuestionView, load_catalogue, load_picture
from kiosk.services.database import HubDatabase, KioskDatabase
from kiosk.services.settings import SiteSettings, load_settings

if TYPE_CHECKING:
    from kiosk.db.store import Database, HubStore

log = logging.getLogger(__name__)

USAGE_FLUSH_MS = 5 * 60 * 1000  # and at every idle reset, and when the kiosk closes
MISSING_NOTICE = (
    "The database file was deleted while the kiosk was running. Patients still see the content; restart the "
    "kiosk to rebuild it (from the newest backup, else from the bundled content)."
)


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "faq" or "page"
    ref: str  # question id, or chapter-id/page-id
    title: str
    score: float


class ContentSource(QObject):
    content_changed = Signal()
    settings_changed = Signal()
    notices_changed = Signal()

    def __init__(
        self,
        db: Path | HubStore,
        notices: list[str] | None = None,
        *,
        readonly: bool = False,
        owned: bool = True,
    ) -> None:
        super().__init__()
        self.database: KioskDatabase | HubDatabase
        if isinstance(db, Path | str):
            self.database = KioskDatabase(Path(db), readonly=readonly)
        else:  # a clinic group's hub, at the office: no patients, no file
            self.database = HubDatabase(db, owned=owned)
        self.readonly = readonly
        #: What staff should know (a damaged database replaced, a disk that cannot be written); never patients.
        self.notices: list[str] = list(notices or [])
        self._catalogues: dict[str, Catalogue] = {}
        self._pictures: dict[str, bytes | None] = {}
        self._settings: SiteSettings | None = None
        self._known: usage.Known | None = None  # what a usage count may name
        self.pin_guard = auth.PinGuard()
        self.usage = usage.UsageCounts()
        self.usage_timer = QTimer(self)
        self.usage_timer.setObjectName("usage_flush_timer")
        self.usage_timer.setInterval(USAGE_FLUSH_MS)
        self.usage_timer.timeout.connect(self.flush_usage)
        self._popular: tuple[dt.date, list[str]] | None = None

    @property
    def is_hub(self) -> bool:
        """Whether this is the office's console on a clinic group's hub, not a kiosk."""
        return isinstance(self.database, HubDatabase)

    @property
    def db_path(self) -> Path:
        """A kiosk's database file."""
        if isinstance(self.database, HubDatabase):
            raise StoreError("a hub has no database file")
        return self.database.path

    @property
    def connection(self) -> sqlite3.Connection:
        """A kiosk's patient screens' own connection (standard-library sqlite3: no SQLAlchemy needed to read). It
        never creates the file: a database deleted behind the kiosk's back must not come back empty."""
        if isinstance(self.database, HubDatabase):
            raise StoreError("a hub has no patient screens")
        return self.database.connection

    def reader(self) -> ContentSource:
        """Another source over the same database that only reads, for a window built off screen."""
        if isinstance(self.database, HubDatabase):
            return ContentSource(self.database.hub, readonly=True, owned=False)
        return ContentSource(self.database.path, readonly=True)

    @property
    def store(self) -> Database:
        """The SQLAlchemy store, opened the first time the staff tools need it (never creating the file)."""
        if not self.database.has_store:
            # Opening the store closes the patient screens' connection (see `KioskDatabase.store`): counts first.
            self.flush_usage()
        return self.database.store

    def staff_store_problem(self) -> str | None:
        """Why the staff tools cannot open the database now (None: they can), for the staff menu."""
        if not self.database.exists():
            self.notify(MISSING_NOTICE)
            return MISSING_NOTICE
        try:
            self.store  # noqa: B018 (opening it is the check)
        except StoreError as error:
            return f"The staff console cannot open the database: {error}"
        return None

    def close(self) -> None:
        self.usage_timer.stop()
        if self.database.is_open:
            self.flush_usage()
        self.database.close()

    def catalogue(self, lang: str) -> Catalogue:
        cached = self._catalogues.get(lang)
        if cached is None:
            with self.database.reading() as db:
                cached = self._catalogues[lang] = load_catalogue(db, lang)
        return cached

    def settings(self) -> SiteSettings:
        if self._settings is None:
            with self.database.reading() as db:
                self._settings = load_settings(db)
        return self._settings

    def picture(self, name: str | None) -> bytes | None:
        if not name:
            return None
        if name not in self._pictures:
            with self.database.reading() as db:
                found = load_picture(db, name)
            self._pictures[name] = found.data if found else None
        return self._pictures[name]

    def search(self, query: str, lang: str, *, typing: bool = True, limit: int = 8) -> list[SearchResult]:
        from kiosk.services import search  # loaded the first time a patient types, not at start

        catalogue = self.catalogue(lang)
        with self.database.reading() as db:
            hits = search.search(db, query, lang, limit=limit, typing=typing)
        results = []
        for hit in hits:
            if hit.kind == "faq":
                question = catalogue.question(hit.ref)
                if question is not None:
                    results.append(SearchResult("faq", hit.ref, question.question, hit.score))
            else:
                chapter_id, page_id = split_page_ref(hit.ref)
                chapter = catalogue.chapter(chapter_id)
                index = chapter.index_of(page_id) if chapter else -1
                if chapter is not None and index >= 0:
                    results.append(SearchResult("page", hit.ref, chapter.pages[index].title, hit.score))
        return results

    def most_asked(self, lang: str, limit: int = 8) -> tuple[QuestionView, ...]:
        """The questions patients opened most on earlier days, then the first of each group in turn."""
        today = dt.date.today()
        if self._popular is None or self._popular[0] != today:
            try:
                with self.database.reading() as db:
                    self._popular = (today, usage.popular(db, "question", today))
            except (sqlite3.Error, StoreError) as error:
                log.warning("most asked questions not read: %s", error)
                self._popular = (today, [])
        catalogue = self.catalogue(lang)
        chosen = [q for q in (catalogue.question(qid) for qid in self._popular[1]) if q is not None]
        columns = [list(category.questions) for category in catalogue.categories]
        for row in range(max((len(c) for c in columns), default=0)):
            chosen += [column[row] for column in columns if row < len(column)]
        ordered: dict[str, QuestionView] = {}
        for question in chosen:
            ordered.setdefault(question.id, question)
        return tuple(ordered.values())[:limit]

    def record(self, event: str, target: str = "") -> None:
        """Count a use (anonymously), in memory: a tap never waits for the disk. `flush_usage` writes it later.
        Only navigation is counted, by the ids of what exists (`usage.EVENTS`); anything else is a bug and is
        refused with `ValueError`, before it could reach the disk."""
        if self._known is None:
            self._known = usage.Known.from_catalogue(self.catalogue(self.settings().languages[0]))
        key_check = usage.count_key(self._known, event, target)  # refuses, even when nothing will be written
        if self.readonly or self.is_hub:  # a hub's console has no patients to count
            return
        self.usage.add(self._known, event, key_check[2])
        if not self.usage_timer.isActive() and QCoreApplication.instance() is not None:
            self.usage_timer.start()

    def flush_usage(self) -> None:
        """Write the counted uses, without waiting: if another program is writing, they wait for the next try.
        Never lets a storage problem reach the patient; tells staff instead."""
        if self.readonly or not self.usage.pending:
            return
        problem = self.database.write_usage(self.usage)
        if problem is not None:
            self.notify(problem)

    def notify(self, notice: str) -> None:
        if notice not in self.notices:
            self.notices.append(notice)
            log.warning("staff notice: %s", notice)
            self.notices_changed.emit()

    def withdraw(self, notice: str) -> None:
        """Take back a notice that no longer holds (the hub is reachable again)."""
        if notice in self.notices:
            self.notices.remove(notice)
            self.notices_changed.emit()

    def shares_counts(self) -> bool:
        """Whether this kiosk has joined a clinic group's hub, which its daily counts are sent to."""
        from kiosk.services import fleet

        if self.is_hub:
            return False
        try:
            with self.database.reading() as db:
                return fleet.stored_link(db) is not None
        except (sqlite3.Error, StoreError):
            return False

    def has_pin(self) -> bool:
        """Whether anybody can log in at all."""
        with self.database.reading() as db:
            return auth.has_accounts(db)

    def accounts(self) -> list[auth.Account]:
        """The staff who can log in, for the login screen to offer by name."""
        with self.database.reading() as db:
            return auth.list_accounts(db)

    def verify_pin(self, name: str, pin: str) -> auth.Account | None:
        """The account for the right PIN, None for a wrong one; raises `AuthError` (with a message for staff)
        while that account is locked out. Works on a disk that cannot be written: the lockout is then kept in
        memory."""
        with self.database.reading() as db:
            return self.pin_guard.verify(db, name, pin)

    def lockout_seconds(self, name: str) -> int:
        """Seconds until the PIN keypad accepts tries again for this account (0: not locked)."""
        with self.database.reading() as db:
            return self.pin_guard.seconds_left(db, name)

    def check_outside_changes(self) -> bool:
        """At an idle reset: reload if another program changed the database (a restore, an import, an edit from
        the command line), so the next patient sees it; tell staff if the file has gone. True if reloaded."""
        if self.database.is_open:
            self.flush_usage()  # counted on the file being left, if it is replaced
        change = self.database.outside_change()
        if change == "missing":
            self.notify(MISSING_NOTICE)
        elif change == "unusable":
            self.notify(
                "The database file was replaced by one the kiosk cannot use. Patients still see the earlier "
                "content; restart the kiosk to recover from the newest backup."
            )
        elif change in ("replaced", "changed"):
            log.info(
                "the database %s; reloading the content",
                "file was replaced" if change == "replaced" else "was changed by another program",
            )
            self.reload()
            return True
        return False

    def reconnect(self) -> None:
        """Open the patient screens' connection afresh: another process replaced the whole database (a restore),
        and a connection that was idle meanwhile may hold a stale view of SQLite's WAL files."""
        if self.database.is_open:
            self.flush_usage()
            self.database.reconnect()

    def reload(self, catalogues: dict[str, Catalogue] | None = None) -> None:
        """Forget cached content and settings (staff changed something) and tell the screens. `catalogues` read
        elsewhere (by a staff job's thread, after a large import) are taken as they are."""
        self._catalogues.clear()
        self._catalogues.update(catalogues or {})
        self._known = None
        self._pictures.clear()
        self._settings = None
        self.settings_changed.emit()
        self.content_changed.emit()

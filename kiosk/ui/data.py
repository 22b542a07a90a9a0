"""The one bridge from screens to data: every read and write the patient screens make goes through here.

Reads are cached per language (the whole catalogue is small), so turning a page or opening an answer never waits
for the database. When staff change content, `reload` drops the caches and `content_changed` tells the screens.
A database that has become read-only or full must not take the screen down: writes that only count usage are
dropped with a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from kiosk.db import lite
from kiosk.services import auth, usage
from kiosk.services.catalogue import Catalogue, QuestionView, load_catalogue, load_picture
from kiosk.services.settings import SiteSettings, load_settings

if TYPE_CHECKING:
    from kiosk.db.store import Store

log = logging.getLogger(__name__)


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

    def __init__(self, db_path: Path, notices: list[str] | None = None, *, readonly: bool = False) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.readonly = readonly
        #: What staff should know (a damaged database replaced, a disk that cannot be written); never patients.
        self.notices: list[str] = list(notices or [])
        self._connection: sqlite3.Connection | None = None
        self._store: Store | None = None
        self._catalogues: dict[str, Catalogue] = {}
        self._pictures: dict[str, bytes | None] = {}
        self._settings: SiteSettings | None = None
        self._popular: tuple[dt.date, list[str]] | None = None

    @property
    def connection(self) -> sqlite3.Connection:
        """The patient screens' own connection (standard-library sqlite3: no SQLAlchemy needed to read)."""
        if self._connection is None:
            self._connection = lite.connect(self.db_path, readonly=self.readonly)
        return self._connection

    @property
    def store(self) -> Store:
        """The SQLAlchemy store, opened the first time the staff tools need it."""
        if self._store is None:
            from kiosk.db.store import open_store, open_store_readonly

            self._store = open_store_readonly(self.db_path) if self.readonly else open_store(self.db_path)
        return self._store

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def catalogue(self, lang: str) -> Catalogue:
        cached = self._catalogues.get(lang)
        if cached is None:
            cached = self._catalogues[lang] = load_catalogue(self.connection, lang)
        return cached

    def settings(self) -> SiteSettings:
        if self._settings is None:
            self._settings = load_settings(self.connection)
        return self._settings

    def picture(self, name: str | None) -> bytes | None:
        if not name:
            return None
        if name not in self._pictures:
            found = load_picture(self.connection, name)
            self._pictures[name] = found.data if found else None
        return self._pictures[name]

    def search(self, query: str, lang: str, *, typing: bool = True, limit: int = 8) -> list[SearchResult]:
        from kiosk.services import search  # loaded the first time a patient types, not at start

        catalogue = self.catalogue(lang)
        hits = search.search(self.connection, query, lang, limit=limit, typing=typing)
        results = []
        for hit in hits:
            if hit.kind == "faq":
                question = catalogue.question(hit.ref)
                if question is not None:
                    results.append(SearchResult("faq", hit.ref, question.question, hit.score))
            else:
                chapter_id, _, page_id = hit.ref.partition("/")
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
                self._popular = (today, usage.popular(self.connection, "question", today))
            except sqlite3.Error as error:
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
        """Count a use (anonymously). Never lets a storage problem reach the patient; tells staff instead."""
        if self.readonly:
            return
        try:
            with lite.transaction(self.connection):
                usage.record(self.connection, event, target)
        except sqlite3.Error as error:
            known = lite.describe_error(error)
            log.warning("usage not recorded (%s): %s", event, known or error)
            if known is not None:
                self.notify(f"The kiosk cannot save: {known}. It still shows its content; ask a technician.")

    def notify(self, notice: str) -> None:
        if notice not in self.notices:
            self.notices.append(notice)
            log.warning("staff notice: %s", notice)
            self.notices_changed.emit()

    def has_pin(self) -> bool:
        return auth.has_pin(self.connection)

    def verify_pin(self, pin: str) -> bool:
        """True for the right PIN; raises `AuthError` (with a message for staff) while locked out."""
        with lite.transaction(self.connection):
            return auth.verify_pin(self.connection, pin)

    def lockout_seconds(self) -> int:
        """Seconds until the PIN keypad accepts tries again (0: not locked)."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return auth.lockout(self.connection).seconds_left(now)

    def reload(self) -> None:
        """Forget cached content and settings (staff changed something) and tell the screens."""
        self._catalogues.clear()
        self._pictures.clear()
        self._settings = None
        self.settings_changed.emit()
        self.content_changed.emit()

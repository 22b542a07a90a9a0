"""The one bridge from screens to data: every read and write the patient screens make goes through here.

Reads are cached per language (the whole catalogue is small), so turning a page or opening an answer never waits
for the database. When staff change content, `reload` drops the caches and `content_changed` tells the screens.
A database that has become read-only or full must not take the screen down: writes that only count usage are
dropped with a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from sqlalchemy.exc import SQLAlchemyError

from kiosk.db import Store
from kiosk.db.models import utcnow
from kiosk.errors import KioskError
from kiosk.services import auth, search, usage
from kiosk.services.catalogue import Catalogue, load_catalogue, load_picture
from kiosk.services.settings import SiteSettings, load_settings

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

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self._catalogues: dict[str, Catalogue] = {}
        self._pictures: dict[str, bytes | None] = {}
        self._settings: SiteSettings | None = None

    def catalogue(self, lang: str) -> Catalogue:
        cached = self._catalogues.get(lang)
        if cached is None:
            with self.store.session() as session:
                cached = self._catalogues[lang] = load_catalogue(session, lang)
        return cached

    def settings(self) -> SiteSettings:
        if self._settings is None:
            with self.store.session() as session:
                self._settings = load_settings(session)
        return self._settings

    def picture(self, name: str | None) -> bytes | None:
        if not name:
            return None
        if name not in self._pictures:
            with self.store.session() as session:
                found = load_picture(session, name)
            self._pictures[name] = found.data if found else None
        return self._pictures[name]

    def search(self, query: str, lang: str, *, typing: bool = True, limit: int = 8) -> list[SearchResult]:
        catalogue = self.catalogue(lang)
        with self.store.session() as session:
            hits = search.search(session, query, lang, limit=limit, typing=typing)
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

    def record(self, event: str, target: str = "") -> None:
        """Count a use (anonymously). Never lets a storage problem reach the patient."""
        try:
            with self.store.session() as session, session.begin():
                usage.record(session, event, target)
        except (SQLAlchemyError, KioskError) as error:
            log.warning("usage not recorded (%s): %s", event, error)

    def has_pin(self) -> bool:
        with self.store.session() as session:
            return auth.has_pin(session)

    def verify_pin(self, pin: str) -> bool:
        """True for the right PIN; raises `AuthError` (with a message for staff) while locked out."""
        with self.store.session() as session, session.begin():
            return auth.verify_pin(session, pin)

    def lockout_seconds(self) -> int:
        """Seconds until the PIN keypad accepts tries again (0: not locked)."""
        with self.store.session() as session:
            return auth.lockout(session).seconds_left(utcnow())

    def reload(self) -> None:
        """Forget cached content and settings (staff changed something) and tell the screens."""
        self._catalogues.clear()
        self._pictures.clear()
        self._settings = None
        self.settings_changed.emit()
        self.content_changed.emit()

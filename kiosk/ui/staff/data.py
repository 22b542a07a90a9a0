"""The staff console's bridge to the services: every call in its own transaction, every problem as a message.

A failed action raises `KioskError` (or `ContentError` with its list of problems) and leaves the database as it
was; the console shows the message. After every change the kiosk's content cache is reloaded, so what staff
publish appears on the patient screens at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from kiosk.content.parse import Problem
from kiosk.content.state import Fields, Key
from kiosk.content.sync import ImportPlan
from kiosk.content.validate import Targets
from kiosk.db import backup
from kiosk.db.backup import BackupFile
from kiosk.db.store import translated_errors
from kiosk.errors import AuthError
from kiosk.services import auth, library, staff
from kiosk.services.settings import SiteSettings, load_settings, update_settings
from kiosk.ui.data import ContentSource

T = TypeVar("T")


class StaffSource:
    def __init__(self, source: ContentSource) -> None:
        self.source = source
        self.store = source.store

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

    def recent(self) -> list[tuple[int, dt.datetime, str, str]]:
        return self.read(staff.recent_changes)

    def settings(self) -> SiteSettings:
        return self.read(load_settings)

    def backups(self) -> list[BackupFile]:
        return backup.backups_of(self.store.path)

    # changing
    def save_text(self, key: Key, fields: Fields) -> list[Problem]:
        return self.write(lambda s: staff.save_text(s, key, fields))

    def publish(self, key: Key, published: bool) -> None:
        self.write(lambda s: staff.set_published(s, key, published))

    def delete(self, key: Key) -> None:
        self.write(lambda s: staff.delete(s, key))

    def undelete(self, key: Key) -> None:
        self.write(lambda s: staff.undelete(s, key))

    def move(self, key: Key, step: int) -> bool:
        return self.write(lambda s: staff.move(s, key, step))

    def add_chapter(self, lang: str, title: str) -> Key:
        return self.write(lambda s: staff.add_chapter(s, lang, title))

    def add_page(self, chapter_id: str, lang: str, title: str, markdown: str) -> Key:
        return self.write(lambda s: staff.add_page(s, chapter_id, lang, title, markdown))

    def add_category(self, lang: str, title: str) -> Key:
        return self.write(lambda s: staff.add_category(s, lang, title))

    def add_question(self, category_id: str, lang: str, question: str, answer: str) -> Key:
        return self.write(lambda s: staff.add_question(s, category_id, lang, question, answer))

    def set_review(self, chapter_id: str, reviewed_on: dt.date | None, reviewed_by: str) -> None:
        self.write(lambda s: staff.set_review(s, chapter_id, reviewed_on, reviewed_by))

    def add_picture(self, name: str, data: bytes) -> Key:
        return self.write(lambda s: staff.add_picture(s, name, data))

    def restore_revision(self, revision_id: int) -> Key:
        return self.write(lambda s: staff.restore_revision(s, revision_id))

    def undo(self, changeset_id: int) -> int:
        return self.write(lambda s: staff.undo(s, changeset_id))

    def update_settings(self, changes: dict[str, object]) -> SiteSettings:
        return self.write(lambda s: update_settings(s, changes))

    def change_pin(self, current: str, new: str) -> None:
        def change(session: Session) -> None:
            if not auth.verify_pin(session, current):
                raise AuthError("the current PIN is not right")
            auth.set_pin(session, new)

        self.write(change)

    # moving content in and out
    def pack_plan(self, path: Path) -> ImportPlan:
        return library.import_pack(self.store, path, dry_run=True)

    def import_pack(self, path: Path) -> ImportPlan:
        plan = library.import_pack(self.store, path)
        self.source.reload()
        return plan

    def export_pack(self, path: Path) -> int:
        return self.read(lambda s: library.export_pack(s, path))

    def folder_plan(self, path: Path) -> ImportPlan:
        return library.import_folder_with_backup(self.store, path, dry_run=True)

    def import_folder(self, path: Path) -> ImportPlan:
        plan = library.import_folder_with_backup(self.store, path)
        self.source.reload()
        return plan

    def export_folder(self, path: Path) -> int:
        return self.read(lambda s: library.export_folder(s, path))

    def backup_now(self) -> Path:
        return backup.automatic_backup(self.store.path, "manual", self.settings().backup_keep)

    def restore_backup(self, path: Path) -> library.Restored:
        """Restore a backup; this kiosk's staff PIN stays as it is."""
        restored = library.restore_backup(self.store.path, path)
        self.source.reload()
        return restored

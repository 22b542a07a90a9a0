"""Content as rows of plain fields: the one shape that import, export, edits, revisions and undo all share.

Every row content can touch has a `Key` (what it is) and `Fields` (a JSON-able dict of what staff can change).
Derived columns (rendered HTML, plain text, the picture pulled out of a page) are computed from the fields when
a row is written, so they can never disagree with the Markdown they come from.

`bundled_hash` is the hash of a row's fields as the bundled content last supplied them; a row whose current fields
hash differently was changed by staff (`is_staff_edited`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ScalarResult, select
from sqlalchemy.orm import Session

from kiosk.content.render import render
from kiosk.db.models import (
    Asset,
    AssetBlob,
    Chapter,
    ChapterText,
    FaqCategory,
    FaqCategoryText,
    FaqEntry,
    FaqEntryText,
    Page,
    PageText,
    Tracked,
    utcnow,
)

Fields = dict[str, Any]
T = TypeVar("T")

#: Kinds in the order rows must be created (parents first).
KINDS = (
    "asset",
    "chapter",
    "chapter_text",
    "page",
    "page_text",
    "faq_category",
    "faq_category_text",
    "faq_entry",
    "faq_entry_text",
)
#: Fields that belong to the clinic, not the bundle: a bundled update never compares or overwrites them.
CLINIC_FIELDS: Mapping[str, frozenset[str]] = {"chapter": frozenset({"reviewed_on", "reviewed_by"})}


@dataclass(frozen=True, order=True)
class Key:
    kind: str
    id: str  # chapter id, "chapter-id/page-id", category id, question id or picture file name
    lang: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" + (f"@{self.lang}" if self.lang else "")

    @property
    def item(self) -> Key:
        """The language-neutral row this text row belongs to (itself if it is one)."""
        return Key(self.kind.removesuffix("_text"), self.id) if self.lang else self

    def describe(self) -> str:
        """Words for staff: 'page what-is-ketamine/history (es)'."""
        noun = {
            "chapter": "chapter",
            "page": "page",
            "faq_category": "question category",
            "faq_entry": "question",
            "asset": "picture",
        }[self.item.kind]
        return f"{noun} {self.id}" + (f" ({self.lang})" if self.lang else "")


def fields_hash(kind: str, fields: Fields) -> str:
    ignored = CLINIC_FIELDS.get(kind, frozenset())
    canonical = {k: v for k, v in fields.items() if k not in ignored}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_staff_edited(key: Key, fields: Fields, bundled_hash: str | None) -> bool:
    return bundled_hash is None or fields_hash(key.kind, fields) != bundled_hash


@dataclass
class Row:
    fields: Fields
    bundled_hash: str | None
    bundled_changed: bool
    updated_at: dt.datetime


#: Rows are read in batches: reading thousands of rows in one call holds Python's interpreter lock for that long,
#: and the screen's event loop, waiting for it while a staff job reads on another thread, would stall.
BATCH = 200


def _rows(session: Session, model: type[T]) -> ScalarResult[T]:
    return session.scalars(select(model).execution_options(yield_per=BATCH))


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def read_state(session: Session) -> dict[Key, Row]:
    """Every content row in the database, deleted (recoverable) items included."""
    state: dict[Key, Row] = {}

    def put(key: Key, fields: Fields, row: Tracked) -> None:
        state[key] = Row(fields, row.bundled_hash, row.bundled_changed, row.updated_at)

    for asset in _rows(session, Asset):
        put(
            Key("asset", asset.name),
            {"sha256": asset.sha256, "media_type": asset.media_type, "deleted": asset.deleted_at is not None},
            asset,
        )
    for chapter in _rows(session, Chapter):
        put(
            Key("chapter", chapter.id),
            {
                "position": chapter.position,
                "kind": chapter.kind,
                "published": chapter.published,
                "sources": list(chapter.sources),
                "reviewed_on": _date(chapter.reviewed_on),
                "reviewed_by": chapter.reviewed_by,
                "deleted": chapter.deleted_at is not None,
            },
            chapter,
        )
    for ctext in _rows(session, ChapterText):
        put(
            Key("chapter_text", ctext.chapter_id, ctext.lang),
            {"title": ctext.title, "summary": ctext.summary},
            ctext,
        )
    slugs: dict[int, str] = {}
    for page in _rows(session, Page):
        slugs[page.id] = f"{page.chapter_id}/{page.slug}"
        put(
            Key("page", slugs[page.id]),
            {"position": page.position, "published": page.published, "deleted": page.deleted_at is not None},
            page,
        )
    for ptext in _rows(session, PageText):
        put(
            Key("page_text", slugs[ptext.page_id], ptext.lang),
            {"title": ptext.title, "markdown": ptext.markdown},
            ptext,
        )
    for category in _rows(session, FaqCategory):
        put(
            Key("faq_category", category.id),
            {
                "position": category.position,
                "published": category.published,
                "sources": list(category.sources),
                "deleted": category.deleted_at is not None,
            },
            category,
        )
    for cat_text in _rows(session, FaqCategoryText):
        put(
            Key("faq_category_text", cat_text.category_id, cat_text.lang), {"title": cat_text.title}, cat_text
        )
    for entry in _rows(session, FaqEntry):
        put(
            Key("faq_entry", entry.id),
            {
                "category": entry.category_id,
                "position": entry.position,
                "published": entry.published,
                "deleted": entry.deleted_at is not None,
            },
            entry,
        )
    for etext in _rows(session, FaqEntryText):
        put(
            Key("faq_entry_text", etext.entry_id, etext.lang),
            {"question": etext.question, "markdown": etext.markdown},
            etext,
        )
    return state


class RowWriter:
    """Writes rows by key inside one session, with every existing row indexed up front.

    Looking rows up one by one (and flushing after each) made importing the bundled content take seconds;
    with the index an import is a handful of queries and a single flush.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[Key, Tracked] = {}
        self.blobs = set(session.scalars(select(AssetBlob.sha256)))
        for asset in _rows(session, Asset):
            self.rows[Key("asset", asset.name)] = asset
        for chapter in _rows(session, Chapter):
            self.rows[Key("chapter", chapter.id)] = chapter
        for ctext in _rows(session, ChapterText):
            self.rows[Key("chapter_text", ctext.chapter_id, ctext.lang)] = ctext
        slugs: dict[int, str] = {}
        for page in _rows(session, Page):
            slugs[page.id] = f"{page.chapter_id}/{page.slug}"
            self.rows[Key("page", slugs[page.id])] = page
        for ptext in _rows(session, PageText):
            self.rows[Key("page_text", slugs[ptext.page_id], ptext.lang)] = ptext
        for category in _rows(session, FaqCategory):
            self.rows[Key("faq_category", category.id)] = category
        for cat_text in _rows(session, FaqCategoryText):
            self.rows[Key("faq_category_text", cat_text.category_id, cat_text.lang)] = cat_text
        for entry in _rows(session, FaqEntry):
            self.rows[Key("faq_entry", entry.id)] = entry
        for etext in _rows(session, FaqEntryText):
            self.rows[Key("faq_entry_text", etext.entry_id, etext.lang)] = etext

    def find(self, key: Key) -> Tracked | None:
        return self.rows.get(key)

    def _parent(self, key: Key, kind: type[Tracked]) -> Any:
        parent = self.rows.get(key)
        if not isinstance(parent, kind):
            raise LookupError(f"{key.describe()} does not exist")
        return parent

    def write(
        self, key: Key, fields: Fields | None, blobs: Mapping[str, bytes] | None = None
    ) -> Tracked | None:
        """Make the row for `key` hold `fields` (creating it), or remove it when `fields` is None.

        Items (chapters, pages, questions, pictures) are never removed here, only marked deleted through their
        `deleted` field, so a deletion can be undone; text rows are removed, and their revision keeps the text.
        Call `flush` (or let the session autoflush) before querying what was written.
        """
        row = self.rows.get(key)
        if fields is None:
            if row is not None:
                self.session.delete(row)
                del self.rows[key]
            return None
        if key.kind == "asset":
            digest = fields["sha256"]
            if digest not in self.blobs:
                data = (blobs or {}).get(digest)
                if data is None:
                    raise LookupError(f"no picture data for {key.id} ({digest[:12]})")
                self.session.add(AssetBlob(sha256=digest, data=data, size=len(data)))
                self.blobs.add(digest)
            asset = row if isinstance(row, Asset) else Asset(name=key.id)
            asset.sha256, asset.media_type = digest, fields["media_type"]
            asset.deleted_at = _deleted_at(asset.deleted_at, fields.get("deleted", False))
            row = asset
        elif key.kind == "chapter":
            chapter = row if isinstance(row, Chapter) else Chapter(id=key.id)
            chapter.position, chapter.kind, chapter.published = (
                fields["position"],
                fields["kind"],
                fields["published"],
            )
            chapter.sources = list(fields["sources"])
            chapter.reviewed_on = (
                dt.date.fromisoformat(fields["reviewed_on"]) if fields.get("reviewed_on") else None
            )
            chapter.reviewed_by = fields.get("reviewed_by") or ""
            chapter.deleted_at = _deleted_at(chapter.deleted_at, fields.get("deleted", False))
            row = chapter
        elif key.kind == "chapter_text":
            ctext = (
                row
                if isinstance(row, ChapterText)
                else ChapterText(chapter=self._parent(key.item, Chapter), lang=key.lang)
            )
            ctext.title, ctext.summary = fields["title"], fields.get("summary") or ""
            row = ctext
        elif key.kind == "page":
            page = (
                row
                if isinstance(row, Page)
                else Page(
                    chapter=self._parent(Key("chapter", key.id.split("/", 1)[0]), Chapter),
                    slug=key.id.split("/", 1)[1],
                )
            )
            page.position, page.published = fields["position"], fields["published"]
            page.deleted_at = _deleted_at(page.deleted_at, fields.get("deleted", False))
            row = page
        elif key.kind == "page_text":
            ptext = (
                row
                if isinstance(row, PageText)
                else PageText(page=self._parent(key.item, Page), lang=key.lang)
            )
            rendered = render(fields["markdown"])
            picture = rendered.picture
            ptext.title, ptext.markdown = fields["title"], fields["markdown"]
            ptext.html, ptext.plain = rendered.html, rendered.plain
            ptext.image = picture.src if picture else None
            ptext.image_alt = picture.alt if picture else ""
            ptext.image_caption = picture.caption if picture else ""
            row = ptext
        elif key.kind == "faq_category":
            category = row if isinstance(row, FaqCategory) else FaqCategory(id=key.id)
            category.position, category.published = fields["position"], fields["published"]
            category.sources = list(fields["sources"])
            category.deleted_at = _deleted_at(category.deleted_at, fields.get("deleted", False))
            row = category
        elif key.kind == "faq_category_text":
            cat_text = (
                row
                if isinstance(row, FaqCategoryText)
                else FaqCategoryText(category=self._parent(key.item, FaqCategory), lang=key.lang)
            )
            cat_text.title = fields["title"]
            row = cat_text
        elif key.kind == "faq_entry":
            entry = row if isinstance(row, FaqEntry) else FaqEntry(id=key.id)
            entry.category = self._parent(Key("faq_category", fields["category"]), FaqCategory)
            entry.position, entry.published = fields["position"], fields["published"]
            entry.deleted_at = _deleted_at(entry.deleted_at, fields.get("deleted", False))
            row = entry
        elif key.kind == "faq_entry_text":
            etext = (
                row
                if isinstance(row, FaqEntryText)
                else FaqEntryText(entry=self._parent(key.item, FaqEntry), lang=key.lang)
            )
            rendered = render(fields["markdown"])
            etext.question, etext.markdown = fields["question"], fields["markdown"]
            etext.html, etext.plain = rendered.html, rendered.plain
            row = etext
        else:
            raise ValueError(f"unknown row kind {key.kind!r}")
        self.session.add(row)
        self.rows[key] = row
        return row

    def flush(self) -> None:
        self.session.flush()


def _deleted_at(current: dt.datetime | None, deleted: bool) -> dt.datetime | None:
    if not deleted:
        return None
    return current or utcnow()

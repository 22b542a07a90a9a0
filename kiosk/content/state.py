"""Content as rows of plain fields: the one shape that import, export, edits, revisions and undo all share.

Every row content can touch has a `Key` (what it is) and fields (a JSON-able dict of what staff can change). The
kinds of row are described once, in `ROW_KINDS`: each with its model, how its key is made, how its fields are
read and how they are written, and the `TypedDict` its fields follow. Derived columns (rendered HTML, plain text,
the picture pulled out of a page) are computed from the fields when a row is written, so they can never disagree
with the Markdown they come from.

`bundled_hash` is the hash of a row's fields as the bundled content last supplied them; a row whose current fields
hash differently was changed by staff (`is_staff_edited`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.content import checks
from kiosk.content.links import page_ref, split_page_ref
from kiosk.content.render import render
from kiosk.db.models import (
    Asset,
    AssetBlob,
    Chapter,
    ChapterText,
    Check,
    CheckText,
    FaqCategory,
    FaqCategoryText,
    FaqEntry,
    FaqEntryText,
    Page,
    PageText,
    Placed,
    Tracked,
    utcnow,
)

#: A row's fields in the form revisions store and staff tools pass around; each kind's follows its TypedDict.
Fields = dict[str, Any]


class AssetFields(TypedDict):
    sha256: str
    media_type: str
    deleted: bool


class _ChapterRequired(TypedDict):
    position: int
    kind: str  # "topic" or "reference"
    published: bool
    sources: list[str]
    reviewed_on: str | None  # ISO date
    reviewed_by: str
    deleted: bool


class ChapterFields(_ChapterRequired, total=False):
    #: The page a patient takes home from this chapter (its id), instead of its summary: the after-care
    #: checklist, say. Left out when there is none, so a chapter written before it existed hashes as it did.
    take_home: str


class _ChapterTextRequired(TypedDict):
    title: str
    summary: str


class ChapterTextFields(_ChapterTextRequired, total=False):
    #: What the chapter's take-home code carries in this language, written for the phone (plain text). Left out
    #: when there is none, so a chapter written before it existed hashes as it did.
    take_home_text: str


class PageFields(TypedDict):
    position: int
    published: bool
    deleted: bool


class PageTextFields(TypedDict):
    title: str
    markdown: str


class CategoryFields(TypedDict):
    position: int
    published: bool
    sources: list[str]
    deleted: bool


class CategoryTextFields(TypedDict):
    title: str


class _EntryTextRequired(TypedDict):
    question: str
    markdown: str


class EntryFields(TypedDict):
    category: str
    position: int
    published: bool
    deleted: bool


class EntryTextFields(_EntryTextRequired, total=False):
    #: Other ways patients ask the question (search only). Left out when there are none, so a question written
    #: before they existed hashes as it always did.
    asked: list[str]


class CheckFields(TypedDict):
    position: int
    published: bool
    deleted: bool


class CheckTextFields(TypedDict):
    question: str
    markdown: str  # the choices, the right one ticked, and why (`kiosk.content.checks`)


#: Fields that belong to the clinic, not the bundle: a bundled update never compares or overwrites them.
CLINIC_FIELDS: Mapping[str, frozenset[str]] = {"chapter": frozenset({"reviewed_on", "reviewed_by"})}


@dataclass(frozen=True, order=True)
class Key:
    kind: str
    id: str  # chapter id, "chapter-id/page-id" (a page or a teach-back question), category id, question id, picture
    lang: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" + (f"@{self.lang}" if self.lang else "")

    @property
    def item(self) -> Key:
        """The language-neutral row this text row belongs to (itself if it is one)."""
        return Key(self.kind.removesuffix("_text"), self.id) if self.lang else self

    @property
    def chapter(self) -> str:
        """The chapter a chapter, page or teach-back row belongs to (its id, or the first part of the others')."""
        if self.item.kind not in ("chapter", "page", "check"):
            raise ValueError(f"{self} is not a chapter, a page or a teach-back question")
        return split_page_ref(self.id)[0]

    @property
    def slug(self) -> str:
        """A page's or teach-back question's own id within its chapter (the part after the '/')."""
        if self.item.kind not in ("page", "check"):
            raise ValueError(f"{self} is not a page or a teach-back question")
        return split_page_ref(self.id)[1]

    def describe(self) -> str:
        """Words for staff: 'page what-is-ketamine/history (es)'."""
        return f"{ROW_KINDS[self.item.kind].noun} {self.id}" + (f" ({self.lang})" if self.lang else "")


def fields_hash(kind: str, fields: Mapping[str, Any]) -> str:
    ignored = CLINIC_FIELDS.get(kind, frozenset())
    canonical = {k: v for k, v in fields.items() if k not in ignored}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_staff_edited(key: Key, fields: Mapping[str, Any], bundled_hash: str | None) -> bool:
    return bundled_hash is None or fields_hash(key.kind, fields) != bundled_hash


@dataclass
class Row:
    fields: Fields
    bundled_hash: str | None
    bundled_changed: bool
    updated_at: dt.datetime


# --- each kind of row: reading its fields, writing them -------------------------------------------------------------


def _deleted_at(current: dt.datetime | None, deleted: bool) -> dt.datetime | None:
    if not deleted:
        return None
    return current or utcnow()


def _place(item: Placed, fields: Mapping[str, Any]) -> None:
    """An item's place in order, whether it is published, and whether it is deleted (keeping the first time)."""
    item.position, item.published = fields["position"], fields["published"]
    item.deleted_at = _deleted_at(item.deleted_at, fields.get("deleted", False))


def _read_asset(asset: Asset) -> AssetFields:
    return {"sha256": asset.sha256, "media_type": asset.media_type, "deleted": asset.deleted_at is not None}


def _read_chapter(chapter: Chapter) -> ChapterFields:
    fields: ChapterFields = {
        "position": chapter.position,
        "kind": chapter.kind,
        "published": chapter.published,
        "sources": list(chapter.sources),
        "reviewed_on": chapter.reviewed_on.isoformat() if chapter.reviewed_on else None,
        "reviewed_by": chapter.reviewed_by,
        "deleted": chapter.deleted_at is not None,
    }
    if chapter.take_home:
        fields["take_home"] = chapter.take_home
    return fields


def _read_chapter_text(text: ChapterText) -> ChapterTextFields:
    fields: ChapterTextFields = {"title": text.title, "summary": text.summary}
    if text.take_home_text:
        fields["take_home_text"] = text.take_home_text
    return fields


def _read_page(page: Page) -> PageFields:
    return {"position": page.position, "published": page.published, "deleted": page.deleted_at is not None}


def _read_page_text(text: PageText) -> PageTextFields:
    return {"title": text.title, "markdown": text.markdown}


def _read_category(category: FaqCategory) -> CategoryFields:
    return {
        "position": category.position,
        "published": category.published,
        "sources": list(category.sources),
        "deleted": category.deleted_at is not None,
    }


def _read_category_text(text: FaqCategoryText) -> CategoryTextFields:
    return {"title": text.title}


def _read_entry(entry: FaqEntry) -> EntryFields:
    return {
        "category": entry.category_id,
        "position": entry.position,
        "published": entry.published,
        "deleted": entry.deleted_at is not None,
    }


def _read_entry_text(text: FaqEntryText) -> EntryTextFields:
    fields: EntryTextFields = {"question": text.question, "markdown": text.markdown}
    if text.asked:
        fields["asked"] = list(text.asked)
    return fields


def _write_asset(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(AssetFields, fields)
    digest = typed["sha256"]
    if digest not in writer.blobs:
        data = writer.pending_blobs.get(digest)
        if data is None:
            raise LookupError(f"no picture data for {key.id} ({digest[:12]})")
        writer.session.add(AssetBlob(sha256=digest, data=data, size=len(data)))
        writer.blobs.add(digest)
    asset = row if isinstance(row, Asset) else Asset(name=key.id)
    asset.sha256, asset.media_type = digest, typed["media_type"]
    asset.deleted_at = _deleted_at(asset.deleted_at, typed.get("deleted", False))
    return asset


def _write_chapter(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(ChapterFields, fields)
    chapter = row if isinstance(row, Chapter) else Chapter(id=key.id)
    _place(chapter, typed)
    chapter.kind, chapter.sources = typed["kind"], list(typed["sources"])
    reviewed_on = typed.get("reviewed_on")
    chapter.reviewed_on = dt.date.fromisoformat(reviewed_on) if reviewed_on else None
    chapter.reviewed_by = typed.get("reviewed_by") or ""
    chapter.take_home = typed.get("take_home") or ""
    return chapter


def _write_chapter_text(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(ChapterTextFields, fields)
    text = (
        row if isinstance(row, ChapterText) else ChapterText(chapter=writer.parent(key.item), lang=key.lang)
    )
    text.title, text.summary = typed["title"], typed.get("summary") or ""
    text.take_home_text = typed.get("take_home_text") or ""
    return text


def _write_page(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(PageFields, fields)
    new = row is None or not isinstance(row, Page)
    page = Page(chapter=writer.parent(Key("chapter", key.chapter)), slug=key.slug) if new else row
    _place(page, typed)
    return page


def _write_page_text(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(PageTextFields, fields)
    text = row if isinstance(row, PageText) else PageText(page=writer.parent(key.item), lang=key.lang)
    rendered = render(typed["markdown"])
    picture = rendered.picture
    text.title, text.markdown = typed["title"], typed["markdown"]
    text.html, text.plain = rendered.html, rendered.plain
    text.image = picture.src if picture else None
    text.image_alt = picture.alt if picture else ""
    text.image_caption = picture.caption if picture else ""
    return text


def _write_category(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(CategoryFields, fields)
    category = row if isinstance(row, FaqCategory) else FaqCategory(id=key.id)
    _place(category, typed)
    category.sources = list(typed["sources"])
    return category


def _write_category_text(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(CategoryTextFields, fields)
    text = (
        row
        if isinstance(row, FaqCategoryText)
        else FaqCategoryText(category=writer.parent(key.item), lang=key.lang)
    )
    text.title = typed["title"]
    return text


def _write_entry(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(EntryFields, fields)
    entry = row if isinstance(row, FaqEntry) else FaqEntry(id=key.id)
    entry.category = writer.parent(Key("faq_category", typed["category"]))
    _place(entry, typed)
    return entry


def _write_entry_text(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(EntryTextFields, fields)
    text = (
        row if isinstance(row, FaqEntryText) else FaqEntryText(entry=writer.parent(key.item), lang=key.lang)
    )
    rendered = render(typed["markdown"])
    text.question, text.markdown = typed["question"], typed["markdown"]
    text.asked = list(typed.get("asked", []))
    text.html, text.plain = rendered.html, rendered.plain
    return text


def _read_check(check: Check) -> CheckFields:
    return {"position": check.position, "published": check.published, "deleted": check.deleted_at is not None}


def _read_check_text(text: CheckText) -> CheckTextFields:
    return {"question": text.question, "markdown": text.markdown}


def _write_check(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    typed = cast(CheckFields, fields)
    new = row is None or not isinstance(row, Check)
    check = Check(chapter=writer.parent(Key("chapter", key.chapter)), slug=key.slug) if new else row
    _place(check, typed)
    return check


def _write_check_text(writer: RowWriter, key: Key, row: Any, fields: Fields) -> Tracked:
    """The question and its body, and what the body says: choices, the right one, why and the page. A body that
    does not read (only a staff edit the checks refused could be one) shows as text with no choices."""
    typed = cast(CheckTextFields, fields)
    text = row if isinstance(row, CheckText) else CheckText(check=writer.parent(key.item), lang=key.lang)
    text.question, text.markdown = typed["question"], typed["markdown"]
    body, _ = checks.parse_body(typed["markdown"])
    rendered = render(body.explanation if body else typed["markdown"])
    text.html, text.plain = rendered.html, rendered.plain
    text.choices = list(body.choices) if body else []
    text.answer = body.answer if body else 0
    text.page = body.page if body else ""
    return text


@dataclass(frozen=True)
class RowKind:
    """One kind of content row: its model, how a row's key is made, and how its fields are read and written."""

    name: str
    noun: str  # for staff
    model: type[Tracked]
    fields: type[Any]  # the TypedDict its fields follow
    key: Callable[[Any, Mapping[tuple[str, int], str]], Key]  # (row, ids by (table, database id)) -> key
    read: Callable[[Any], Mapping[str, Any]]
    write: Callable[[RowWriter, Key, Any, Fields], Tracked]  # (writer, key, existing row or None, fields)


def _page_key(page: Page, _refs: Mapping[tuple[str, int], str]) -> Key:
    return Key("page", page_ref(page.chapter_id, page.slug))


def _check_key(check: Check, _refs: Mapping[tuple[str, int], str]) -> Key:
    return Key("check", page_ref(check.chapter_id, check.slug))


#: Every kind of row, parents before children (the order rows must be created in).
ROW_KINDS: Mapping[str, RowKind] = {
    kind.name: kind
    for kind in (
        RowKind(
            "asset",
            "picture",
            Asset,
            AssetFields,
            lambda r, _: Key("asset", r.name),
            _read_asset,
            _write_asset,
        ),
        RowKind(
            "chapter",
            "chapter",
            Chapter,
            ChapterFields,
            lambda r, _: Key("chapter", r.id),
            _read_chapter,
            _write_chapter,
        ),
        RowKind(
            "chapter_text",
            "chapter",
            ChapterText,
            ChapterTextFields,
            lambda r, _: Key("chapter_text", r.chapter_id, r.lang),
            _read_chapter_text,
            _write_chapter_text,
        ),
        RowKind("page", "page", Page, PageFields, _page_key, _read_page, _write_page),
        RowKind(
            "page_text",
            "page",
            PageText,
            PageTextFields,
            lambda r, refs: Key("page_text", refs[("pages", r.page_id)], r.lang),
            _read_page_text,
            _write_page_text,
        ),
        RowKind("check", "teach-back question", Check, CheckFields, _check_key, _read_check, _write_check),
        RowKind(
            "check_text",
            "teach-back question",
            CheckText,
            CheckTextFields,
            lambda r, refs: Key("check_text", refs[("checks", r.check_id)], r.lang),
            _read_check_text,
            _write_check_text,
        ),
        RowKind(
            "faq_category",
            "question category",
            FaqCategory,
            CategoryFields,
            lambda r, _: Key("faq_category", r.id),
            _read_category,
            _write_category,
        ),
        RowKind(
            "faq_category_text",
            "question category",
            FaqCategoryText,
            CategoryTextFields,
            lambda r, _: Key("faq_category_text", r.category_id, r.lang),
            _read_category_text,
            _write_category_text,
        ),
        RowKind(
            "faq_entry",
            "question",
            FaqEntry,
            EntryFields,
            lambda r, _: Key("faq_entry", r.id),
            _read_entry,
            _write_entry,
        ),
        RowKind(
            "faq_entry_text",
            "question",
            FaqEntryText,
            EntryTextFields,
            lambda r, _: Key("faq_entry_text", r.entry_id, r.lang),
            _read_entry_text,
            _write_entry_text,
        ),
    )
}
#: Kinds in the order rows must be created (parents first).
KINDS = tuple(ROW_KINDS)


#: Rows are read in batches: reading thousands of rows in one call holds Python's interpreter lock for that long,
#: and the screen's event loop, waiting for it while a staff job reads on another thread, would stall.
BATCH = 200


def _rows(session: Session) -> Iterator[tuple[Key, RowKind, Tracked]]:
    """Every content row in the database with its key, parents first."""
    refs: dict[tuple[str, int], str] = {}  # the ids of pages and questions, for their text rows' keys
    for kind in ROW_KINDS.values():
        for row in session.scalars(select(kind.model).execution_options(yield_per=BATCH)):
            key = kind.key(row, refs)
            if isinstance(row, Page | Check):
                refs[(row.__tablename__, row.id)] = key.id
            yield key, kind, row


def read_state(session: Session) -> dict[Key, Row]:
    """Every content row in the database, deleted (recoverable) items included."""
    return {
        key: Row(dict(kind.read(row)), row.bundled_hash, row.bundled_changed, row.updated_at)
        for key, kind, row in _rows(session)
    }


class RowWriter:
    """Writes rows by key inside one session, with every existing row indexed up front.

    Looking rows up one by one (and flushing after each) made importing the bundled content take seconds;
    with the index an import is a handful of queries and a single flush.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[Key, Tracked] = {key: row for key, _, row in _rows(session)}
        self.blobs = set(session.scalars(select(AssetBlob.sha256)))
        self.pending_blobs: Mapping[str, bytes] = {}

    def find(self, key: Key) -> Tracked | None:
        return self.rows.get(key)

    def parent(self, key: Key) -> Any:
        """The row a new row belongs to, which must exist already."""
        parent = self.rows.get(key)
        if not isinstance(parent, ROW_KINDS[key.kind].model):
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
        kind = ROW_KINDS.get(key.kind)
        if kind is None:
            raise ValueError(f"unknown row kind {key.kind!r}")
        self.pending_blobs = blobs or {}
        written = kind.write(self, key, row, fields)
        self.session.add(written)
        self.rows[key] = written
        return written

    def flush(self) -> None:
        self.session.flush()

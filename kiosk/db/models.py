"""The kiosk's tables, as SQLAlchemy 2 typed models.

Content items (chapters, pages, FAQ categories and entries) are language-neutral rows with one text row per
language. Every row that the bundled content can supply carries `bundled_hash`: the hash of the fields it had when
it was last imported from the bundle. A row whose current fields hash differently was edited by staff, so a newer
bundle leaves it alone and sets `bundled_changed` to tell staff a vendor update is waiting.

Pictures are stored once per distinct file (`AssetBlob`, keyed by SHA-256) and named by `Asset`, so a revision can
point back at an earlier picture without copying it, and one SQLite file holds the whole kiosk.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: JSON columns: text in SQLite, JSONB on PostgreSQL (a clinic group's hub), where plain JSON has no equality.
Json = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: Json,
        list[str]: Json,
        dt.datetime: DateTime(),
        dt.date: Date(),
        str: String(),
    }


class Tracked:
    """Columns shared by every row the bundled content can supply."""

    bundled_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    bundled_changed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Placed:
    """Columns shared by the items patients see (chapters, pages, question groups, questions): their place in
    order, whether they are published, and when they were deleted (recoverably), if they were."""

    position: Mapped[int] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(default=True)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Translated:
    """A row of text in one language, for the item its other primary key column names."""

    lang: Mapped[str] = mapped_column(String(8), primary_key=True)


class Rendered:
    """A page's or an answer's Markdown, and what is shown and searched, recomputed from it on every write."""

    markdown: Mapped[str] = mapped_column(Text)  # the source, a page's picture line included
    html: Mapped[str] = mapped_column(Text)  # sanitized; a page's picture is not part of it
    plain: Mapped[str] = mapped_column(Text)  # for search and readability


class Chapter(Placed, Tracked, Base):
    __tablename__ = "chapters"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="topic")  # "topic" or "reference"
    sources: Mapped[list[str]] = mapped_column(default=list)
    reviewed_on: Mapped[dt.date | None] = mapped_column(default=None)
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    take_home: Mapped[str] = mapped_column(String(80), default="")  # the page taken home, if not the summary

    texts: Mapped[list[ChapterText]] = relationship(back_populates="chapter", cascade="all, delete-orphan")
    pages: Mapped[list[Page]] = relationship(
        back_populates="chapter", order_by="Page.position", cascade="all, delete-orphan"
    )


class ChapterText(Translated, Tracked, Base):
    __tablename__ = "chapter_texts"

    chapter_id: Mapped[str] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    #: What the chapter's Take this home code carries, written for the phone ("": its take-home or summary page).
    take_home_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    chapter: Mapped[Chapter] = relationship(back_populates="texts")


class Page(Placed, Tracked, Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("chapter_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[str] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))

    chapter: Mapped[Chapter] = relationship(back_populates="pages")
    texts: Mapped[list[PageText]] = relationship(back_populates="page", cascade="all, delete-orphan")


class PageText(Rendered, Translated, Tracked, Base):
    __tablename__ = "page_texts"

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    image: Mapped[str | None] = mapped_column(String(200), default=None)
    image_alt: Mapped[str] = mapped_column(String(500), default="")
    image_caption: Mapped[str] = mapped_column(String(500), default="")

    page: Mapped[Page] = relationship(back_populates="texts")


class Check(Placed, Tracked, Base):
    """A chapter's teach-back question (language-neutral): which chapter, its id there, its place."""

    __tablename__ = "checks"
    __table_args__ = (UniqueConstraint("chapter_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[str] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))

    chapter: Mapped[Chapter] = relationship()
    texts: Mapped[list[CheckText]] = relationship(back_populates="check", cascade="all, delete-orphan")


class CheckText(Rendered, Translated, Tracked, Base):
    """A teach-back question in one language: its words and body (`markdown`: the choices, the right one ticked,
    and why), and what is derived from the body when it is written (`kiosk.content.checks`): the choices, which
    is right, the explanation (`html`, without its link to the page) and the page it links to."""

    __tablename__ = "check_texts"

    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    choices: Mapped[list[str]] = mapped_column(default=list)
    answer: Mapped[int] = mapped_column(Integer, default=0)
    page: Mapped[str] = mapped_column(String(200), default="")

    check: Mapped[Check] = relationship(back_populates="texts")


class FaqCategory(Placed, Tracked, Base):
    __tablename__ = "faq_categories"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    sources: Mapped[list[str]] = mapped_column(default=list)

    texts: Mapped[list[FaqCategoryText]] = relationship(
        back_populates="category", cascade="all, delete-orphan"
    )
    entries: Mapped[list[FaqEntry]] = relationship(
        back_populates="category", order_by="FaqEntry.position", cascade="all, delete-orphan"
    )


class FaqCategoryText(Translated, Tracked, Base):
    __tablename__ = "faq_category_texts"

    category_id: Mapped[str] = mapped_column(
        ForeignKey("faq_categories.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(200))

    category: Mapped[FaqCategory] = relationship(back_populates="texts")


class FaqEntry(Placed, Tracked, Base):
    __tablename__ = "faq_entries"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    category_id: Mapped[str] = mapped_column(ForeignKey("faq_categories.id", ondelete="CASCADE"), index=True)

    category: Mapped[FaqCategory] = relationship(back_populates="entries")
    texts: Mapped[list[FaqEntryText]] = relationship(back_populates="entry", cascade="all, delete-orphan")


class FaqEntryText(Rendered, Translated, Tracked, Base):
    __tablename__ = "faq_entry_texts"

    entry_id: Mapped[str] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    #: Other ways patients ask the question, for search only (never shown).
    asked: Mapped[list[str]] = mapped_column(default=list, server_default="[]")

    entry: Mapped[FaqEntry] = relationship(back_populates="texts")


class AssetBlob(Base):
    """One distinct picture file, stored once however many names or revisions point at it."""

    __tablename__ = "asset_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)


class Asset(Tracked, Base):
    """A picture by the file name content refers to (`history-timeline.svg`)."""

    __tablename__ = "assets"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("asset_blobs.sha256"))
    media_type: Mapped[str] = mapped_column(String(40))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    blob: Mapped[AssetBlob] = relationship()


class ChangeSet(Base):
    """One user action (an import, a save, a restore) that changed content; undone as a whole."""

    __tablename__ = "changesets"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))  # bundled-import, import, pack-import, edit, restore, ...
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: Who did it: a staff account's name, or "command line" for a change made from a terminal.
    author: Mapped[str] = mapped_column(String(80), default="", server_default="")
    #: What else the change needs remembered: the change sets an undo undid, the backup a restore saved.
    detail: Mapped[dict[str, Any] | None] = mapped_column(default=None)

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="changeset", order_by="Revision.id", cascade="all, delete-orphan"
    )


class Revision(Base):
    """The fields of one row before and after a change (None: the row did not exist)."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    changeset_id: Mapped[int] = mapped_column(ForeignKey("changesets.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(String(32))
    item_key: Mapped[str] = mapped_column(String(200), index=True)
    lang: Mapped[str | None] = mapped_column(String(8), default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)

    changeset: Mapped[ChangeSet] = relationship(back_populates="revisions")


class SettingValue(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(Json)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StaffAccount(Base):
    """A named member of staff: their roles and their PIN (a salted scrypt hash, never the PIN itself), and the
    keypad's lockout for them, so a restart does not reset it."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    roles: Mapped[list[str]] = mapped_column()  # "editor", "reviewer", "admin"
    pin: Mapped[dict[str, Any]] = mapped_column()  # {"scheme": "scrypt", "n", "r", "p", "salt", "hash"}
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Review(Base):
    """The latest clinical sign-off of a question's answer: who reviewed it, and when. (A chapter keeps its own in
    its `reviewed_on` and `reviewed_by`, which its file carries too.) Earlier sign-offs are in the history."""

    __tablename__ = "reviews"

    item_kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # "faq_entry"
    item_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    reviewed_on: Mapped[dt.date] = mapped_column()
    reviewed_by: Mapped[str] = mapped_column(String(200))


class Draft(Base):
    """A change to a text that patients do not see yet: saved by an editor, waiting for a reviewer to publish it."""

    __tablename__ = "drafts"

    item_kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # "page_text" or "faq_entry_text"
    item_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    fields: Mapped[dict[str, Any]] = mapped_column()
    author: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UsageCount(Base):
    """Anonymous counts per day ("page-view", "what-is-ketamine/history"): no text a patient typed, no ids."""

    __tablename__ = "usage_counts"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


# --- the clinic group's hub (PostgreSQL only) ------------------------------------------------------------------


class HubBase(DeclarativeBase):
    """Tables only a hub has: its kiosks, their releases, health and counts. A kiosk's SQLite file never holds
    them; the migrations create them, with their row-level security, on PostgreSQL alone."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: DateTime(), dt.date: Date(), str: String()}


class HubGroup(HubBase):
    """A clinic group: the kiosks that show the same releases, signed by the group's key."""

    __tablename__ = "hub_groups"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(100))  # `ed25519:<base64>`; the private key is never here
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HubRelease(HubBase):
    """A numbered, signed content pack for a group. Numbers only grow: kiosks refuse a lower one."""

    __tablename__ = "hub_releases"

    group_name: Mapped[str] = mapped_column(
        ForeignKey("hub_groups.name", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pack: Mapped[bytes] = mapped_column(LargeBinary)


class HubKiosk(HubBase):
    """An enrolled kiosk and the PostgreSQL role it logs in as (dropped when it is revoked)."""

    __tablename__ = "hub_kiosks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    group_name: Mapped[str] = mapped_column(ForeignKey("hub_groups.name"), index=True)
    role_name: Mapped[str] = mapped_column(String(63), unique=True)
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class HubHeartbeat(HubBase):
    """A kiosk's latest word: what it runs and how it is. `seen_at` is the hub's clock, set by a trigger."""

    __tablename__ = "hub_heartbeats"

    kiosk: Mapped[str] = mapped_column(ForeignKey("hub_kiosks.name", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    release: Mapped[int] = mapped_column(Integer, default=0)
    last_sync: Mapped[dt.datetime | None] = mapped_column(default=None)
    free_disk_mb: Mapped[int | None] = mapped_column(Integer, default=None)
    uptime_s: Mapped[int | None] = mapped_column(Integer, default=None)
    restarts: Mapped[int | None] = mapped_column(Integer, default=None)
    version: Mapped[str] = mapped_column(String(40), default="")


class HubUsage(HubBase):
    """A kiosk's daily counts, as absolute numbers: pushing the same day again replaces, never adds."""

    __tablename__ = "hub_usage"

    kiosk: Mapped[str] = mapped_column(ForeignKey("hub_kiosks.name", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """For Alembic: the search tables (FTS5, created in SQL by the migrations) are not modelled here."""
    return not (type_ == "table" and name is not None and name.startswith("search_"))

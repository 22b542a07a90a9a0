"""What the patient screens show: chapters, pages, questions and pictures, as plain frozen dataclasses.

Only published, undeleted items reach a patient. Text missing in the patient's language falls back to the
clinic's first language, so a half-translated new question still shows rather than vanishing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

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
)
from kiosk.services.settings import load_settings

_PAGE_LINK = re.compile(r"\(page:([a-z0-9-]+)/([a-z0-9-]+)\)")


@dataclass(frozen=True)
class PageView:
    chapter_id: str
    id: str
    title: str
    html: str
    image: str | None
    image_alt: str
    image_caption: str
    lang: str  # the language this text is in (may differ from the one asked for)


@dataclass(frozen=True)
class ChapterCard:
    id: str
    title: str
    summary: str
    image: str | None
    kind: str
    page_count: int


@dataclass(frozen=True)
class QuestionView:
    id: str
    category_id: str
    question: str
    html: str
    lang: str
    links_to: tuple[str, ...]  # chapter-id/page-id of the pages the answer links to


@dataclass(frozen=True)
class CategoryView:
    id: str
    title: str
    questions: tuple[QuestionView, ...]


@dataclass(frozen=True)
class ChapterView:
    card: ChapterCard
    pages: tuple[PageView, ...]

    @property
    def id(self) -> str:
        return self.card.id

    @property
    def title(self) -> str:
        return self.card.title

    def index_of(self, page_id: str) -> int:
        for index, page in enumerate(self.pages):
            if page.id == page_id:
                return index
        return -1


@dataclass(frozen=True)
class Catalogue:
    """Everything a patient can read in one language, loaded at once (it is small) for instant page turns."""

    lang: str
    chapters: tuple[ChapterView, ...]
    categories: tuple[CategoryView, ...]

    def chapter(self, chapter_id: str) -> ChapterView | None:
        return next((c for c in self.chapters if c.id == chapter_id), None)

    def next_chapter(self, chapter_id: str) -> ChapterView | None:
        topics = [c for c in self.chapters if c.card.kind == "topic"]
        for index, chapter in enumerate(topics[:-1]):
            if chapter.id == chapter_id:
                return topics[index + 1]
        return None

    def question(self, question_id: str) -> QuestionView | None:
        return next((q for c in self.categories for q in c.questions if q.id == question_id), None)

    def related_questions(self, chapter_id: str, limit: int = 4) -> tuple[QuestionView, ...]:
        """Questions whose answers point into this chapter, for its last page."""
        found = [
            q
            for c in self.categories
            for q in c.questions
            if any(link.startswith(f"{chapter_id}/") for link in q.links_to)
        ]
        return tuple(found[:limit])


T = TypeVar("T")


def _pick(texts: dict[tuple[str, str], T], item: str, lang: str, fallback: str) -> T | None:
    return texts.get((item, lang)) or texts.get((item, fallback))


def load_catalogue(session: Session, lang: str) -> Catalogue:
    settings = load_settings(session)
    fallback = settings.languages[0]
    chapter_texts = {(t.chapter_id, t.lang): t for t in session.scalars(select(ChapterText))}
    page_texts = {(str(t.page_id), t.lang): t for t in session.scalars(select(PageText))}
    chapters: list[ChapterView] = []
    query = select(Chapter).where(Chapter.published, Chapter.deleted_at.is_(None)).order_by(Chapter.position)
    for chapter in session.scalars(query):
        ctext = _pick(chapter_texts, chapter.id, lang, fallback)
        if ctext is None:
            continue
        pages: list[PageView] = []
        for page in session.scalars(
            select(Page)
            .where(Page.chapter_id == chapter.id, Page.published, Page.deleted_at.is_(None))
            .order_by(Page.position)
        ):
            ptext = _pick(page_texts, str(page.id), lang, fallback)
            if ptext is None:
                continue
            pages.append(
                PageView(
                    chapter.id,
                    page.slug,
                    ptext.title,
                    ptext.html,
                    ptext.image,
                    ptext.image_alt,
                    ptext.image_caption,
                    ptext.lang,
                )
            )
        if not pages:
            continue
        image = next((p.image for p in pages if p.image), None)
        card = ChapterCard(chapter.id, ctext.title, ctext.summary, image, chapter.kind, len(pages))
        chapters.append(ChapterView(card, tuple(pages)))
    chapters.sort(key=lambda c: c.card.kind != "topic")  # reference chapters (sources) last, order kept

    category_texts = {(t.category_id, t.lang): t for t in session.scalars(select(FaqCategoryText))}
    entry_texts = {(t.entry_id, t.lang): t for t in session.scalars(select(FaqEntryText))}
    categories: list[CategoryView] = []
    for category in session.scalars(
        select(FaqCategory)
        .where(FaqCategory.published, FaqCategory.deleted_at.is_(None))
        .order_by(FaqCategory.position)
    ):
        cat_text = _pick(category_texts, category.id, lang, fallback)
        if cat_text is None:
            continue
        questions: list[QuestionView] = []
        for entry in session.scalars(
            select(FaqEntry)
            .where(FaqEntry.category_id == category.id, FaqEntry.published, FaqEntry.deleted_at.is_(None))
            .order_by(FaqEntry.position)
        ):
            etext = _pick(entry_texts, entry.id, lang, fallback)
            if etext is None:
                continue
            links = tuple(f"{c}/{p}" for c, p in _PAGE_LINK.findall(etext.markdown))
            questions.append(
                QuestionView(entry.id, category.id, etext.question, etext.html, etext.lang, links)
            )
        if questions:
            categories.append(CategoryView(category.id, cat_text.title, tuple(questions)))
    return Catalogue(lang, tuple(chapters), tuple(categories))


@dataclass(frozen=True)
class Picture:
    name: str
    media_type: str
    data: bytes


def load_picture(session: Session, name: str) -> Picture | None:
    asset = session.get(Asset, name)
    if asset is None or asset.deleted_at is not None:
        return None
    blob = session.get(AssetBlob, asset.sha256)
    return Picture(asset.name, asset.media_type, blob.data) if blob else None

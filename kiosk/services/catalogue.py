"""What the patient screens show: chapters, pages, questions and pictures, as plain frozen dataclasses.

Only published, undeleted items reach a patient. Text missing in the patient's language falls back to the
clinic's first language, so a half-translated new question still shows rather than vanishing. Clinic facts
written as placeholders (`{{clinic_phone}}`) are filled in from the current settings.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass
from typing import Any

from kiosk.content import placeholders
from kiosk.content.links import pages_linked
from kiosk.db.lite import Db, query
from kiosk.services.settings import load_settings


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
    reviewed_on: str | None = None  # the clinic's last clinical review (YYYY-MM-DD), and by whom
    reviewed_by: str = ""
    take_home: str = ""  # the id of the page a patient takes home from this chapter ("": its summary)
    take_home_text: str = ""  # what its take-home code carries, written for the phone ("": that page)


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
class CheckView:
    """A teach-back question: its words, the choices, which is right, why (HTML), and the page that explains."""

    chapter_id: str
    id: str
    question: str
    choices: tuple[str, ...]
    answer: int
    html: str
    page: str  # chapter-id/page-id
    lang: str
    page_label: str = ""  # the words of the explanation's link to it, shown as a button instead

    @property
    def ref(self) -> str:
        return f"{self.chapter_id}/{self.id}"


@dataclass(frozen=True)
class ChapterView:
    card: ChapterCard
    pages: tuple[PageView, ...]
    checks: tuple[CheckView, ...] = ()

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


def load_catalogue(db: Db, lang: str) -> Catalogue:
    """Everything published, in `lang` (falling back to the first language), read with plain SQL."""
    settings = load_settings(db)
    fallback = settings.languages[0]
    facts = settings.placeholder_values(lang)

    def html(value: str) -> str:
        return placeholders.fill(value, facts, escape=True)

    def text(value: str) -> str:
        return placeholders.fill(value, facts, escape=False)

    def pick(texts: dict[tuple[str, str], tuple[Any, ...]], item: str) -> tuple[Any, ...] | None:
        return texts.get((item, lang)) or texts.get((item, fallback))

    chapter_texts = {
        (c, lg): (t, s, h)
        for c, lg, t, s, h in query(
            db, "SELECT chapter_id, lang, title, summary, take_home_text FROM chapter_texts"
        )
    }
    page_texts = {
        (str(page_id), text_lang): (text_lang, *rest)
        for page_id, text_lang, *rest in query(
            db, "SELECT page_id, lang, title, html, image, image_alt, image_caption FROM page_texts"
        )
    }
    pages_by_chapter: dict[str, list[tuple[Any, ...]]] = {}
    for page_id, chapter_id, slug in query(
        db,
        "SELECT id, chapter_id, slug FROM pages WHERE published AND deleted_at IS NULL ORDER BY chapter_id, position",
    ):
        pages_by_chapter.setdefault(chapter_id, []).append((page_id, slug))
    check_texts = {
        (str(check_id), text_lang): (text_lang, *rest)
        for check_id, text_lang, *rest in query(
            db, "SELECT check_id, lang, question, choices, answer, html, page FROM check_texts"
        )
    }
    checks_by_chapter: dict[str, list[CheckView]] = {}
    for check_id, chapter_id, slug in query(
        db,
        "SELECT id, chapter_id, slug FROM checks WHERE published AND deleted_at IS NULL "
        "ORDER BY chapter_id, position",
    ):
        ctext_row = pick(check_texts, str(check_id))
        if ctext_row is None:
            continue
        text_lang, question, choices, answer, why, page = ctext_row
        options = json.loads(choices) if isinstance(choices, str) else list(choices)
        link = re.search(rf'<a href="page:{re.escape(str(page))}">([^<]*)</a>', why)
        if link is not None:  # the link becomes the button under the explanation
            why = why[: link.start()].rstrip() + why[link.end() :]
        checks_by_chapter.setdefault(chapter_id, []).append(
            CheckView(
                chapter_id,
                slug,
                text(question),
                tuple(text(str(choice)) for choice in options),
                int(answer),
                html(why),
                str(page),
                text_lang,
                text(htmllib.unescape(link.group(1))) if link else "",
            )
        )
    chapters: list[ChapterView] = []
    for chapter_id, kind, reviewed_on, reviewed_by, take_home in query(
        db,
        "SELECT id, kind, reviewed_on, reviewed_by, take_home FROM chapters WHERE published AND deleted_at IS NULL "
        "ORDER BY position",
    ):
        ctext = pick(chapter_texts, chapter_id)
        if ctext is None:
            continue
        pages: list[PageView] = []
        for page_id, slug in pages_by_chapter.get(chapter_id, []):
            ptext = pick(page_texts, str(page_id))
            if ptext is None:
                continue
            text_lang, title, body, image, alt, caption = ptext
            pages.append(
                PageView(
                    chapter_id,
                    slug,
                    text(title),
                    html(body),
                    image,
                    text(alt or ""),
                    text(caption or ""),
                    text_lang,
                )
            )
        if not pages:
            continue
        image = next((p.image for p in pages if p.image), None)
        card = ChapterCard(
            chapter_id,
            text(ctext[0]),
            text(ctext[1] or ""),
            image,
            kind,
            len(pages),
            str(reviewed_on)[:10] if reviewed_on and reviewed_by else None,
            str(reviewed_by or ""),
            str(take_home or ""),
            text(ctext[2] or ""),
        )
        checks = tuple(checks_by_chapter.get(chapter_id, ())) if kind == "topic" else ()
        chapters.append(ChapterView(card, tuple(pages), checks))
    chapters.sort(key=lambda c: c.card.kind != "topic")  # reference chapters (sources) last, order kept

    category_texts = {
        (c, lg): (t,) for c, lg, t in query(db, "SELECT category_id, lang, title FROM faq_category_texts")
    }
    entry_texts = {
        (e, lg): (lg, q, h, m)
        for e, lg, q, h, m in query(
            db, "SELECT entry_id, lang, question, html, markdown FROM faq_entry_texts"
        )
    }
    entries_by_category: dict[str, list[str]] = {}
    for entry_id, category_id in query(
        db,
        "SELECT id, category_id FROM faq_entries WHERE published AND deleted_at IS NULL "
        "ORDER BY category_id, position",
    ):
        entries_by_category.setdefault(category_id, []).append(entry_id)
    categories: list[CategoryView] = []
    for (category_id,) in query(
        db, "SELECT id FROM faq_categories WHERE published AND deleted_at IS NULL ORDER BY position"
    ):
        cat_text = pick(category_texts, category_id)
        if cat_text is None:
            continue
        questions: list[QuestionView] = []
        for entry_id in entries_by_category.get(category_id, []):
            etext = pick(entry_texts, entry_id)
            if etext is None:
                continue
            text_lang, question, answer, markdown = etext
            links = pages_linked(markdown)
            questions.append(
                QuestionView(entry_id, category_id, text(question), html(answer), text_lang, links)
            )
        if questions:
            categories.append(CategoryView(category_id, text(cat_text[0]), tuple(questions)))
    return Catalogue(lang, tuple(chapters), tuple(categories))


@dataclass(frozen=True)
class StoredPicture:
    """A picture file as the database holds it (not to be confused with a page's picture: render.Picture)."""

    name: str
    media_type: str
    data: bytes


def load_picture(db: Db, name: str) -> StoredPicture | None:
    rows = query(
        db,
        "SELECT a.media_type, b.data FROM assets a JOIN asset_blobs b ON b.sha256 = a.sha256 "
        "WHERE a.name = :name AND a.deleted_at IS NULL",
        {"name": name},
    )
    return StoredPicture(name, rows[0][0], bytes(rows[0][1])) if rows else None

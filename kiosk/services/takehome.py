"""Take this home: what a chapter's, an answer's or a page's QR code carries, and the code itself.

If the clinic has set a website pattern (`take_home_url`), the code opens that topic's page there. If not, it
carries a short plain-text summary (at most `MAX_TEXT` characters: the points to remember, the clinic's phone and
the crisis line) that a phone shows without any network. Either way it holds nothing about the patient: only
the content's id and language, or the content's own words.

The code is made here with segno (no Qt): `qr_modules` gives its dark and light squares, quiet zone included,
for the screen to draw.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from kiosk.config import MAX_TAKE_HOME
from kiosk.services.catalogue import Catalogue
from kiosk.services.settings import SiteSettings

MAX_TEXT = (
    MAX_TAKE_HOME  # characters: a QR code of this much text still scans from arm's length at 35 mm and more
)
QUIET_ZONE = 4  # modules of light around the code, as the QR standard asks

_WORDS = {
    "en": {"phone": "Questions? Call {name}: {phone}", "clinic": "From {name}"},
    "es": {"phone": "¿Preguntas? Llame a {name}: {phone}", "clinic": "De {name}"},
}
_TAG = re.compile(r"<[^>]*>")
_LINK_ONLY = re.compile(r"<p>\s*<a\b[^>]*>[^<]*</a>[.\s]*</p>")


@dataclass(frozen=True)
class TakeHome:
    """What one take-home code is for and what it carries."""

    kind: str  # "chapter", "question" or "page"
    id: str  # chapter id, question id, or chapter-id/page-id
    title: str
    payload: str
    is_url: bool


def plain_lines(html: str) -> list[str]:
    """The lines of a rendered (sanitized) text: a list item or a paragraph each, tags removed."""
    text = _LINK_ONLY.sub("", html)  # "Read more about ..." leads nowhere on paper
    text = re.sub(r"</(p|li|h3|h4|blockquote)>|<br\s*/?>", "\n", text)
    text = re.sub(r"<li[^>]*>", "- ", text)
    text = htmllib.unescape(_TAG.sub("", text))
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _fit(head: list[str], body: list[str], tail: list[str], limit: int) -> str:
    """`head`, as many whole lines of `body` as fit, then `tail`, within `limit` characters."""
    fixed = "\n".join([*head, "", *tail])
    room = limit - len(fixed) - 2
    kept: list[str] = []
    for line in body:
        if len(line) + 1 > room:
            if not kept and room > 20:  # one line too long for the room: cut it at a word
                cut = line[: room - 1].rsplit(" ", 1)[0]
                kept.append(cut + "…")
            break
        kept.append(line)
        room -= len(line) + 1
    return "\n".join(head + kept + [""] + tail)[:limit]


def _tail(settings: SiteSettings, lang: str) -> list[str]:
    words = _WORDS.get(lang, _WORDS["en"])
    tail = []
    if settings.clinic_phone:
        tail.append(words["phone"].format(name=settings.clinic_name, phone=settings.clinic_phone))
    else:
        tail.append(words["clinic"].format(name=settings.clinic_name))
    tail.append(settings.crisis_text(lang))
    return tail


def text_summary(title: str, lines: list[str], settings: SiteSettings, lang: str) -> str:
    return _fit([title], lines, _tail(settings, lang), MAX_TEXT)


def text_lines(text: str) -> list[str]:
    """A take-home text's lines as the code carries them: each line's spaces tidied, empty lines left out."""
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def room_for_text(title: str, settings: SiteSettings, lang: str) -> int:
    """How many characters of a chapter's own take-home text its code has room for, whole: what is left of
    MAX_TEXT once the title, the clinic's phone and the crisis line are in (as `text_summary` lays them out)."""
    return MAX_TEXT - len("\n".join([title, "", *_tail(settings, lang)])) - 1


def text_length(text: str) -> int:
    """The characters a take-home text takes in the code (its lines and the breaks between them)."""
    return len("\n".join(text_lines(text)))


def url_for(settings: SiteSettings, item_id: str, lang: str) -> str:
    return settings.take_home_url.replace("{id}", item_id).replace("{lang}", lang)


def for_chapter(catalogue: Catalogue, settings: SiteSettings, chapter_id: str) -> TakeHome | None:
    """A chapter's code: the clinic's page for it, or as text the chapter's own take-home text in this language,
    else the page it names to take home (the after-care checklist, say), else its summary (its last page)."""
    chapter = catalogue.chapter(chapter_id)
    if chapter is None or not chapter.pages:
        return None
    if chapter.card.take_home_text and not settings.take_home_url:  # written for the phone by the clinic
        text = text_summary(chapter.title, text_lines(chapter.card.take_home_text), settings, catalogue.lang)
        return TakeHome("chapter", chapter_id, chapter.title, text, False)
    if chapter.card.take_home and chapter.index_of(chapter.card.take_home) >= 0:
        return for_page(catalogue, settings, f"{chapter_id}/{chapter.card.take_home}")
    if settings.take_home_url:
        return TakeHome(
            "chapter", chapter_id, chapter.title, url_for(settings, chapter_id, catalogue.lang), True
        )
    summary = chapter.pages[-1]
    text = text_summary(chapter.title, plain_lines(summary.html), settings, catalogue.lang)
    return TakeHome("chapter", chapter_id, chapter.title, text, False)


def for_page(catalogue: Catalogue, settings: SiteSettings, ref: str) -> TakeHome | None:
    """One page's code (the after-care checklist): the clinic's page for its chapter, or the page as text."""
    chapter_id, _, page_id = ref.partition("/")
    chapter = catalogue.chapter(chapter_id)
    index = chapter.index_of(page_id) if chapter else -1
    if chapter is None or index < 0:
        return None
    page = chapter.pages[index]
    if settings.take_home_url:
        return TakeHome("page", ref, page.title, url_for(settings, chapter_id, catalogue.lang), True)
    return TakeHome(
        "page",
        ref,
        page.title,
        text_summary(page.title, plain_lines(page.html), settings, catalogue.lang),
        False,
    )


def for_question(catalogue: Catalogue, settings: SiteSettings, question_id: str) -> TakeHome | None:
    """An answer's code: the clinic's page for it, or the question and its answer as text."""
    question = catalogue.question(question_id)
    if question is None:
        return None
    if settings.take_home_url:
        return TakeHome(
            "question", question_id, question.question, url_for(settings, question_id, catalogue.lang), True
        )
    text = text_summary(question.question, plain_lines(question.html), settings, catalogue.lang)
    return TakeHome("question", question_id, question.question, text, False)


def qr_modules(payload: str) -> list[list[bool]]:
    """The code's squares, row by row (True: dark), with its quiet zone. Error correction M where it fits in a
    code that is still easy to scan, else L: a larger, denser code is harder to read from arm's length."""
    import segno  # loaded when a patient first asks for a code, not at start (it takes longer than a frame)

    code = segno.make_qr(payload, error="m", boost_error=False)
    if code.version is not None and int(code.version) > 15:
        code = segno.make_qr(payload, error="l", boost_error=False)
    return [[bool(bit) for bit in row] for row in code.matrix_iter(scale=1, border=QUIET_ZONE)]

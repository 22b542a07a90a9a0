"""The bundled content held to the clinic's standards (../shared/STANDARDS.md), so every edit keeps the bar.

Reading level, one idea per page, both languages aligned, pictures with alt text and captions, frequencies
instead of percentages, honesty (off-label said, nothing from the fact sheet's "never state" list), sources
from the fact sheet, steps the patient can take, and illustrations in one safe, wordless style.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from functools import cache
from pathlib import Path

import pytest

from kiosk import paths
from kiosk.content import readability
from kiosk.content.parse import ContentSet, Document, read_content
from kiosk.content.render import render
from kiosk.content.validate import validate

CONTENT = paths.bundled_content_dir()
TAGS = {
    line.strip()
    for line in (Path(__file__).parent / "source_tags.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
}


@cache
def content() -> ContentSet:
    return read_content(CONTENT)


def documents(kind: str, lang: str | None = None) -> list[Document]:
    return [d for d in content().documents if d.kind == kind and (lang is None or d.lang == lang)]


def topics(lang: str | None = None) -> list[Document]:
    return [d for d in documents("chapter", lang) if d.meta.get("kind", "topic") == "topic"]


def plain(markdown: str) -> str:
    return render(markdown).plain


def all_text(lang: str | None = None) -> list[tuple[str, str]]:
    """(where, text) for every title, page, question and answer, pictures' words included."""
    found = []
    for doc in documents("chapter", lang) + documents("faq", lang):
        found.append((doc.path, f"{doc.title} {doc.meta.get('summary') or ''}"))
        for section in doc.sections:
            pictures = " ".join(f"{p.alt} {p.caption}" for p in render(section.markdown).pictures)
            found.append(
                (f"{doc.path}#{section.id}", f"{section.title}\n{plain(section.markdown)}\n{pictures}")
            )
    return found


def test_the_bundled_content_validates_without_errors() -> None:
    errors = [str(p) for p in validate(content()) if p.severity == "error"]
    assert errors == []


def test_the_only_warnings_are_the_clinics_review_to_do() -> None:
    warnings = [str(p) for p in validate(content()) if p.severity == "warning"]
    assert warnings and all("not yet reviewed by the clinic" in w for w in warnings), warnings


def test_size_of_the_guide() -> None:
    for lang in ("en", "es"):
        assert len(topics(lang)) >= 8
        assert sum(len(d.sections) for d in topics(lang)) >= 32
        assert len(documents("faq", lang)) >= 6
        assert sum(len(d.sections) for d in documents("faq", lang)) >= 36
    assert len(content().pictures) >= 14


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_and_answer_meets_the_reading_level(lang: str) -> None:
    too_hard = []
    for doc in topics(lang) + documents("faq", lang):
        for section in doc.sections:
            score = readability.page_score(plain(section.markdown), lang)
            if not score.ok:
                too_hard.append(f"{doc.path}#{section.id}: {score}")
    assert too_hard == []


def test_english_chapters_read_easily_as_a_whole() -> None:
    for doc in topics("en"):
        text = "\n".join(plain(s.markdown) for s in doc.sections)
        for score in readability.chapter_scores(text, "en"):
            assert score.ok, f"{doc.path}: {score}"


def test_one_idea_per_page_with_an_informative_heading() -> None:
    for doc in topics():
        for section in doc.sections:
            words = readability.word_count(plain(section.markdown))
            assert 35 <= words <= 135, f"{doc.path}#{section.id}: {words} words"
            heading = section.title
            assert len(heading.split()) >= 3, f"{doc.path}#{section.id}: heading {heading!r} says too little"


#: The home screen shows every chapter's tile at once: on the 1366x768 and 1280x800 screens five tiles share a row,
#: each about 18 letters wide, and every tile is as tall as the tallest one, so one long summary pushes the
#: second row below the fold. Spanish needs more letters for the same words. A tile whose title wraps to three or
#: four lines there needs a shorter summary still (kiosk screenshot home --size 1280x800 --lang es shows it).
TILE_SUMMARY_LETTERS = {"en": 60, "es": 70}


def test_tile_summaries_are_short_enough_for_the_home_screen() -> None:
    problems = []
    for doc in topics():
        summary = str(doc.meta.get("summary") or "")
        if len(summary) > TILE_SUMMARY_LETTERS[doc.lang]:
            problems.append(f"{doc.path}: {len(summary)} letters, at most {TILE_SUMMARY_LETTERS[doc.lang]}")
        if readability.word_count(summary) < 5:
            problems.append(f"{doc.path}: the summary {summary!r} does not say what the chapter is for")
    assert problems == []


def test_every_chapter_ends_with_a_summary_and_cites_its_sources() -> None:
    for doc in topics():
        assert doc.sections[-1].id == "summary", doc.path
        sources = doc.meta.get("sources") or []
        assert sources and set(sources) <= TAGS, f"{doc.path}: {set(sources) - TAGS}"
        assert not doc.meta.get("reviewed_on") and not doc.meta.get("reviewed_by"), (
            "the clinic fills these in"
        )
    for doc in documents("faq"):
        assert set(doc.meta.get("sources") or []) <= TAGS, doc.path


def test_a_sources_page_lists_the_references() -> None:
    for lang in ("en", "es"):
        references = [d for d in documents("chapter", lang) if d.meta.get("kind") == "reference"]
        assert references, lang
        text = "\n".join(s.markdown for d in references for s in d.sections)
        for tag in ("Zarate 2006", "ELEKT-D", "Spravato", "FDA", "Cochrane"):
            assert tag in text, (lang, tag)


def test_both_languages_have_the_same_ids_pictures_and_links() -> None:
    for kind in ("chapter", "faq"):
        english = {d.id: d for d in documents(kind, "en")}
        spanish = {d.id: d for d in documents(kind, "es")}
        assert english.keys() == spanish.keys()
        for identifier, doc in english.items():
            other = spanish[identifier]
            assert [s.id for s in doc.sections] == [s.id for s in other.sections], identifier
            for mine, theirs in zip(doc.sections, other.sections, strict=True):
                a, b = render(mine.markdown), render(theirs.markdown)
                assert [p.src for p in a.pictures] == [p.src for p in b.pictures], f"{identifier}#{mine.id}"
                assert sorted(a.links) == sorted(b.links), f"{identifier}#{mine.id}"
            assert doc.meta.get("sources") == other.meta.get("sources"), identifier


def test_every_picture_has_alt_text_and_a_caption_and_mechanisms_are_illustrated() -> None:
    for doc in topics():
        pictured = 0
        for section in doc.sections:
            for picture in render(section.markdown).pictures:
                pictured += 1
                assert len(picture.alt.split()) >= 4, f"{doc.path}#{section.id}: alt text too thin"
                assert picture.caption.strip(), f"{doc.path}#{section.id}: no caption"
        assert pictured >= 1, f"{doc.path} has no picture"
    mechanism_pages = [
        "how-it-works/nmda",
        "how-it-works/glutamate-burst",
        "how-it-works/growth-signals",
        "neuroplasticity/regrowth",
        "neuroplasticity/stress",
        "brain-regions/map",
    ]
    pages = {f"{d.id}/{s.id}": s for d in topics("en") for s in d.sections}
    for page in mechanism_pages:
        assert render(pages[page].markdown).picture is not None, page


ANIMAL_CAPTION = re.compile(r"\b(mice|rats|animals?|ratones|ratas|animales)\b", re.IGNORECASE)


def test_animal_evidence_is_labelled_as_animal_evidence() -> None:
    for doc in topics():
        for section in doc.sections:
            for picture in render(section.markdown).pictures:
                if picture.src in ("dendritic-spines.svg", "stress-remodeling.svg"):
                    assert ANIMAL_CAPTION.search(picture.caption), (
                        f"{doc.path}#{section.id}: {picture.caption}"
                    )


def test_numbers_are_frequencies_never_percentages() -> None:
    for where, text in all_text():
        assert "%" not in text and not re.search(r"\bper ?cent\b|\bpor ?ciento\b", text, re.I), where


#: FACTS.md section 4 ("never state these"), in the phrasings they are likely to take in either language.
FORBIDDEN = [
    r"almost identical|nearly identical|casi id[eé]ntic",
    r"back to normal|returns? to normal|vuelve a (la )?normal",
    r"biggest (discovery|breakthrough)|greatest discovery|mayor descubrimiento|gran descubrimiento",
    r"discovered (in )?the last decade|descubiert[oa] en la [uú]ltima d[eé]cada",
    r"VA[^.\n]{0,40}approv[^.\n]{0,40}PTSD|aprob[^.\n]{0,40}VA[^.\n]{0,40}(PTSD|TEPT|estr[eé]s postraum)",
    r"(within|in) (about )?(two|2) hours[^.\n]{0,60}(spine|dendrit|connection|synap)",
    r"(spine|dendrit|synap)[^.\n]{0,60}(within|in) (about )?(two|2) hours",
    r"(espinas|dendrit|conexiones|sinapsis)[^.\n]{0,60}(en|dentro de) (unas )?(dos|2) horas",
    r"brain atrophy|atrofia cerebral|stress (kills|destroys) brain cells|el estr[eé]s (mata|destruye)",
    r"one (low-dose )?infusion (increases|builds|grows) (new )?(brain )?connections",
    r"\b(will|can|it|ketamine) cures?\b|\bcures? (depression|pain|ptsd|ocd|anxiety)",
    r"guarantee|garantiza|\bcura (la|el|su)\b",
]


def test_nothing_from_the_never_state_list() -> None:
    for where, text in all_text():
        for pattern in FORBIDDEN:
            match = re.search(pattern, text, re.IGNORECASE)
            assert match is None, f"{where}: {match.group(0) if match else ''!r}"


def test_off_label_status_is_said_in_both_languages() -> None:
    chapters = {d.lang: d for d in topics() if d.id == "uses-and-evidence"}
    for lang, doc in chapters.items():
        text = "\n".join(f"{s.title}\n{plain(s.markdown)}" for s in doc.sections).lower()
        assert "off-label" in text, lang
        assert "fda" in text and re.search(r"anesthesia|anestesia|surgery|cirug[ií]a", text), lang
    for lang in ("en", "es"):
        answer = next(s for d in documents("faq", lang) for s in d.sections if s.id == "fda-approved")
        assert "off-label" in plain(answer.markdown).lower(), lang


def test_benefits_and_limits_side_by_side() -> None:
    """Where the guide says ketamine helps, it also says it does not help everyone and that benefits fade."""
    limits = {
        "en": (r"not help everyone|not everyone|did not improve", r"fades?|wears? off"),
        "es": (r"no (les )?ayuda a todos|no a todos|no mejoraron", r"se va|desaparece|se pasa"),
    }
    for lang, patterns in limits.items():
        chapter = next(d for d in topics(lang) if d.id == "uses-and-evidence")
        text = "\n".join(f"{s.title}\n{plain(s.markdown)}" for s in chapter.sections).lower()
        for pattern in patterns:
            assert re.search(pattern, text), (lang, pattern)


def test_each_chapter_gives_the_patient_steps_to_take() -> None:
    for doc in topics():
        steps = [
            s
            for s in doc.sections
            if re.search(r"^\s*(\d+\.|[-*+])\s+\S", s.markdown, re.M) and s.id != "summary"
        ]
        assert steps, f"{doc.path}: no page with a list of steps"
        text = " ".join(plain(s.markdown) for s in doc.sections).lower()
        assert re.search(r"\byou\b|\busted\b", text), doc.path


def test_crisis_help_is_given_in_both_languages() -> None:
    for lang in ("en", "es"):
        crisis = next(s for d in documents("faq", lang) for s in d.sections if s.id == "crisis")
        text = plain(crisis.markdown)
        assert "988" in text and "911" in text and "838255" in text, lang
        page = next(s for d in topics(lang) for s in d.sections if s.id == "get-help-now")
        assert "988" in plain(page.markdown) and "911" in plain(page.markdown), lang


REQUIRED_QUESTIONS = [
    "can-i-drive",
    "eat-before",
    "will-i-be-asleep",
    "is-it-addictive",
    "party-drug",
    "how-many-sessions",
    "how-fast",
    "how-long-lasts",
    "cost",
    "insurance",
    "pregnancy",
    "blood-pressure",
    "other-medicines",
    "alcohol-and-drugs",
    "if-it-does-not-work",
    "esketamine-vs-iv",
    "is-it-safe",
    "crisis",
]


def test_the_questions_patients_really_ask_are_answered() -> None:
    for lang in ("en", "es"):
        ids = {s.id for d in documents("faq", lang) for s in d.sections}
        assert set(REQUIRED_QUESTIONS) <= ids, set(REQUIRED_QUESTIONS) - ids


def test_every_answer_is_short_and_links_to_the_page_that_explains_more() -> None:
    for doc in documents("faq"):
        for section in doc.sections:
            rendered = render(section.markdown)
            assert any(link.startswith("page:") for link in rendered.links), f"{doc.path}#{section.id}"
            words = readability.word_count(rendered.plain)
            assert 15 <= words <= 130, f"{doc.path}#{section.id}: {words} words"


def test_cost_answer_sends_patients_to_the_front_desk() -> None:
    for lang, desk in (("en", "front desk"), ("es", "recepción")):
        answer = next(s for d in documents("faq", lang) for s in d.sections if s.id == "cost")
        assert desk in plain(answer.markdown).lower()


def test_calm_tone_no_exclamations() -> None:
    for where, text in all_text():
        assert "!" not in text and "¡" not in text, where


#: docs/CONTENT.md's palette legend: one colour, one meaning, in every picture.
PALETTE = {
    "#4a7fa7",
    "#f4a261",
    "#b5443a",
    "#2a9d8f",
    "#bfe3de",
    "#7b6bb0",
    "#dcd6f0",
    "#e07a5f",
    "#f6d2c6",
    "#e9c46a",
    "#f8eac2",
    "#8a9ba8",
    "#dde3e8",
    "#ffffff",
    "#1f3a4d",
    "#f4f1ea",
    "#f1c27d",
    "#c68642",
    "#8d5524",
    "#e0ac69",
    "none",
    "transparent",
}
ALLOWED_ELEMENTS = {
    "svg",
    "title",
    "desc",
    "g",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "path",
    "lineargradient",
    "radialgradient",
    "stop",
    "defs",
    "use",
    "clippath",
}


@pytest.mark.parametrize("name", sorted(p.name for p in (CONTENT / "illustrations").glob("*.svg")))
def test_illustrations_share_one_safe_wordless_style(name: str) -> None:
    path = CONTENT / "illustrations" / name
    data = path.read_bytes()
    assert len(data) < 60_000
    root = ElementTree.fromstring(data)
    assert root.get("viewBox") == "0 0 800 560"
    tags = {element.tag.rsplit("}", 1)[-1].lower() for element in root.iter()}
    assert tags <= ALLOWED_ELEMENTS, tags - ALLOWED_ELEMENTS  # no text, style, script, image, filter
    colours = set()
    for element in root.iter():
        for attribute in ("fill", "stroke", "stop-color"):
            value = (element.get(attribute) or "").strip().lower()
            if value and not value.startswith("url(#"):
                colours.add(value)
    assert colours <= PALETTE, colours - PALETTE


def test_every_illustration_is_used() -> None:
    used = {p.src for d in documents("chapter") for s in d.sections for p in render(s.markdown).pictures}
    assert set(content().pictures) == used

"""Every chapter rated on PEMAT-P (AHRQ's Patient Education Materials Assessment Tool for print), with the
evidence for each rating checked against the content itself.

A rating is a person's judgement, so it lives in `tests/content/pemat/<chapter-id>.yaml`, written by whoever
changes the chapter. What a test can check, it checks: the pages named as evidence exist and do what the item
asks (a summary page, a checklist with steps addressed to "you", a worked example where a rule needs
arithmetic), each chapter introduces at most three new medical terms and explains each where it first appears,
and the scores meet STANDARDS.md (understandability >= 85%, actionability >= 80%).

The file's format:

    chapter: treatment-day
    terms:                      # new medical terms this chapter introduces, and the page that explains each
      infusion: how-many        #   (the English word; the page must contain it, and no earlier page may)
    understandability:          # PEMAT-P items 1-12 and 15-19 (13 and 14 are for audio-visual material)
      1: {score: 1, evidence: "..."}
      19: {score: na, evidence: "no tables"}
    actionability:              # items 20-26
      20: {score: 1, page: before-you-come, evidence: "..."}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk import paths
from kiosk.content.parse import Document, read_content
from kiosk.content.render import render

RATINGS = Path(__file__).parent / "pemat"
UNDERSTANDABILITY = {*range(1, 13), *range(15, 20)}
ACTIONABILITY = set(range(20, 27))
#: Items PEMAT-P allows to be "not applicable".
MAY_BE_NA = {7, 15, 16, 17, 18, 19, 24, 25, 26}
LIST_ITEM = re.compile(r"^\s*(\d+\.|[-*+])\s+\S", re.MULTILINE)


def rating_files() -> list[Path]:
    return sorted(RATINGS.glob("*.yaml"))


def chapters(lang: str) -> dict[str, Document]:
    content = read_content(paths.bundled_content_dir())
    return {d.id: d for d in content.docs("chapter", lang) if d.meta.get("kind", "topic") == "topic"}


def plain(markdown: str) -> str:
    return render(markdown).plain


def score(items: dict[int, dict[str, Any]], expected: set[int]) -> float:
    assert set(items) == expected, f"rate exactly items {sorted(expected)}"
    applicable: list[int] = [item["score"] for number, item in items.items() if item["score"] != "na"]
    for number, item in items.items():
        assert item["score"] in (0, 1, "na"), (number, item)
        assert item["score"] != "na" or number in MAY_BE_NA, f"item {number} cannot be 'na'"
        assert str(item.get("evidence", "")).strip(), f"item {number} needs its evidence"
    return 100 * sum(applicable) / len(applicable)


@pytest.mark.parametrize("path", rating_files(), ids=lambda p: p.stem)
def test_chapter_meets_pemat_p_with_evidence_that_holds(path: Path) -> None:
    rating = yaml.safe_load(path.read_text(encoding="utf-8"))
    chapter_id = rating["chapter"]
    assert path.stem == chapter_id
    english = chapters("en")[chapter_id]
    pages = {s.id: s for s in english.sections}
    understandability = score(rating["understandability"], UNDERSTANDABILITY)
    actionability = score(rating["actionability"], ACTIONABILITY)
    assert understandability >= 85, f"{chapter_id}: understandability {understandability:.0f}%"
    assert actionability >= 80, f"{chapter_id}: actionability {actionability:.0f}%"

    for group in ("understandability", "actionability"):
        for number, item in rating[group].items():
            if "page" in item:
                assert item["page"] in pages, f"item {number}: no page {item['page']!r} in {chapter_id}"
    # 11: a summary, as the last page.
    assert rating["understandability"][11]["score"] == 1 and english.sections[-1].id == "summary"
    # 20-23: the action pages hold a list the patient can follow, addressed to them.
    for number in (20, 22, 23):
        item = rating["actionability"][number]
        if item["score"] == 1:
            page = pages[item.get("page", "")] if item.get("page") in pages else None
            assert page is not None, f"item {number}: name the page that holds the steps"
            assert LIST_ITEM.search(page.markdown), f"item {number}: {page.id} has no list to follow"
            assert re.search(r"\byou(r)?\b", plain(page.markdown), re.IGNORECASE), page.id
    # 24: a worked example means numbers to follow on the named page.
    if rating["actionability"][24]["score"] == 1:
        page = pages[rating["actionability"][24]["page"]]
        assert len(re.findall(r"\d", plain(page.markdown))) >= 2, f"{page.id}: no worked example"

    terms: dict[str, str] = rating.get("terms") or {}
    assert len(terms) <= 3, f"{chapter_id}: more than three new medical terms"
    order = [s.id for s in english.sections]
    for term, page_id in terms.items():
        assert page_id in pages, f"term {term!r}: no page {page_id!r}"
        pattern = re.compile(rf"\b{re.escape(term)}", re.IGNORECASE)
        first = next(
            (s.id for s in english.sections if pattern.search(f"{s.title}\n{plain(s.markdown)}")), None
        )
        assert first == page_id, f"{term!r} first appears on {first}, not where it is explained ({page_id})"
        assert order.index(page_id) <= order.index(first or page_id)


def test_ampa_and_mtor_are_not_in_patient_text() -> None:
    for lang in ("en", "es"):
        for doc in chapters(lang).values():
            for section in doc.sections:
                text = f"{section.title}\n{plain(section.markdown)}"
                assert not re.search(r"\bAMPA\b|\bmTOR\b", text), f"{doc.path}#{section.id}"

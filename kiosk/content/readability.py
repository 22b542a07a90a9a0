"""Reading level, measured the way ../shared/STANDARDS.md sets the targets.

English pages and answers: Flesch-Kincaid grade 8 or below. Spanish: Fernandez-Huerta 70 or above. Whole English
chapters: SMOG 9 or below and Flesch reading ease 60 or above (SMOG needs several sentences, so it is measured
per chapter, not per page). A bullet or a heading counts as a sentence of its own: without its full stop a list
would read as one enormous sentence and score as hard as a legal contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

FK_GRADE_MAX = 8.0
FERNANDEZ_HUERTA_MIN = 70.0
SMOG_MAX = 9.0
READING_EASE_MIN = 60.0

_END = re.compile(r"[.!?:;…]\s*$")


@cache
def _textstat(lang: str) -> Any:
    from textstat.textstat import textstatistics  # slow to import: only validation needs it

    stats = textstatistics()
    stats.set_lang("es" if lang == "es" else "en_US")
    return stats


def as_sentences(plain: str) -> str:
    """Give every line a full stop so lists and short lines are counted as sentences."""
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    return " ".join(line if _END.search(line) else f"{line}." for line in lines)


@dataclass(frozen=True)
class Score:
    metric: str
    value: float
    ok: bool

    def __str__(self) -> str:
        return f"{self.metric} {self.value:.1f}"


def page_score(plain: str, lang: str) -> Score:
    """The per-page (or per-answer) score for `lang`, with whether it meets the target."""
    text = as_sentences(plain)
    stats = _textstat(lang)
    if lang == "es":
        value = float(stats.fernandez_huerta(text))
        return Score("Fernandez-Huerta", value, value >= FERNANDEZ_HUERTA_MIN)
    value = float(stats.flesch_kincaid_grade(text))
    return Score("Flesch-Kincaid grade", value, value <= FK_GRADE_MAX)


def chapter_scores(plain: str, lang: str) -> list[Score]:
    """Whole-chapter scores (English only: the targets are English formulas)."""
    if lang != "en":
        return []
    text = as_sentences(plain)
    stats = _textstat(lang)
    smog = float(stats.smog_index(text))
    ease = float(stats.flesch_reading_ease(text))
    return [
        Score("SMOG", smog, smog <= SMOG_MAX),
        Score("Flesch reading ease", ease, ease >= READING_EASE_MIN),
    ]


def word_count(plain: str) -> int:
    return len(re.findall(r"\w+(?:[-'’]\w+)*", plain))

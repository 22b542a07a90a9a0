"""The bundled teach-back questions held to the content standards: every topic chapter has two or three, in both
languages, in plain words, each explained from the chapter's own pages."""

from __future__ import annotations

from functools import cache

import pytest

from kiosk import paths
from kiosk.content import checks, readability
from kiosk.content.parse import ContentSet, Document, read_content
from kiosk.content.render import render


@cache
def content() -> ContentSet:
    return read_content(paths.bundled_content_dir())


def documents(kind: str, lang: str) -> list[Document]:
    return content().docs(kind, lang)


def topics(lang: str) -> list[Document]:
    return [d for d in documents("chapter", lang) if d.meta.get("kind", "topic") == "topic"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_topic_chapter_has_two_or_three_questions(lang: str) -> None:
    questions = {doc.id: len(doc.sections) for doc in documents("check", lang)}
    assert questions == {doc.id: questions.get(doc.id, 0) for doc in topics(lang)}
    assert all(2 <= count <= 3 for count in questions.values()), questions


@pytest.mark.parametrize("lang", ["en", "es"])
def test_questions_read_as_plainly_as_the_pages(lang: str) -> None:
    hard = []
    for doc in documents("check", lang):
        for section in doc.sections:
            score = readability.page_score(f"{section.title}\n{render(section.markdown).plain}", lang)
            # Stricter than pages: a question is read in a few seconds, under some stress.
            too_hard = score.value > 6.5 if lang == "en" else score.value < 75
            if too_hard:
                hard.append(f"{doc.path}#{section.id}: {score}")
    assert not hard, hard


def test_each_explanation_sends_the_patient_to_a_page_of_the_same_chapter() -> None:
    for lang in ("en", "es"):
        pages = {f"{d.id}/{s.id}" for d in documents("chapter", lang) for s in d.sections}
        for doc in documents("check", lang):
            for section in doc.sections:
                body, problems = checks.parse_body(section.markdown)
                assert body is not None, (doc.path, problems)
                assert body.page in pages and body.page.startswith(f"{doc.id}/"), (doc.path, section.id)
                assert readability.word_count(body.explanation) <= 45, (doc.path, section.id)


def test_true_or_false_questions_say_so_and_the_right_answer_varies() -> None:
    words = {"en": ("True", "False"), "es": ("Verdadero", "Falso")}
    answers = []
    for lang, pair in words.items():
        for doc in documents("check", lang):
            for section in doc.sections:
                body = checks.parse_body(section.markdown)[0]
                assert body is not None
                if len(body.choices) == 2:
                    assert body.choices == pair, (doc.path, section.id)
                    prefix = "True or false:" if lang == "en" else "¿Verdadero o falso?"
                    assert section.title.startswith(prefix), (doc.path, section.id)
                answers.append(body.answer)
    # A patient who always taps the first choice should not get everything right.
    assert 0.3 <= answers.count(0) / len(answers) <= 0.7
    assert content().errors == []

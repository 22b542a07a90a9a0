"""Search finds answers to questions typed the way patients speak, in both languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk import paths
from kiosk.content.state import Key, RowWriter, read_state
from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.services import lexicon, search

DATA = Path(__file__).resolve().parents[2] / "data"


def top(store: Store, query: str, lang: str = "en", limit: int = 3, typing: bool = False) -> list[str]:
    with store.session() as session:
        return [hit.id for hit in search.search_faq(session, query, lang, limit=limit, typing=typing)]


def questions(name: str, lang: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))[lang]
    return items


def quality(store: Store, name: str, lang: str) -> tuple[float, float, float]:
    """(top-1 accuracy, top-3 recall, share of unanswerable queries that return nothing)."""
    first = three = answered = silent = unanswerable = 0
    for item in questions(name, lang):
        ids = top(store, item["q"], lang)
        if not item["ids"]:
            unanswerable += 1
            silent += not ids
            continue
        answered += 1
        first += bool(ids) and ids[0] in item["ids"]
        three += any(found in item["ids"] for found in ids)
    return first / answered, three / answered, silent / max(unanswerable, 1)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_quality_on_the_tuning_set(bundled_store: Store, lang: str) -> None:
    first, three, silent = quality(bundled_store, "dev_questions.yaml", lang)
    assert first >= 0.85 and three >= 0.95, (first, three)
    assert silent >= 0.6, silent


@pytest.mark.parametrize("lang", ["en", "es"])
def test_quality_on_the_held_out_set(bundled_store: Store, lang: str) -> None:
    """Questions written from how patients talk, before anyone read the search code or the lexicon, and never
    tuned on: the right answer is among the first three for at least 9 in 10 (README gives the figures)."""
    first, three, _ = quality(bundled_store, "heldout_questions.yaml", lang)
    assert three >= 0.9 and first >= 0.75, (first, three)


@pytest.mark.parametrize(("lang", "min_first", "min_three"), [("en", 0.82, 0.9), ("es", 0.8, 0.9)])
def test_quality_on_the_regression_set(
    bundled_store: Store, lang: str, min_first: float, min_three: float
) -> None:
    """An earlier held-out set, kept to notice a change that helps one kind of question and hurts another."""
    first, three, silent = quality(bundled_store, "regression_questions.yaml", lang)
    assert first >= min_first and three >= min_three, (first, three)
    # Six questions the kiosk cannot answer; a single word the content uses ("time") is enough to answer, so
    # half of them find something (the English half already did before the other wordings were added).
    assert silent >= 0.5, silent


def lexicon_words(lang: str) -> set[str]:
    return {word for group in lexicon.SYNONYMS[lang] for word in search.words(group)}


def question_words(name: str, lang: str) -> set[str]:
    return {word for item in questions(name, lang) for word in search.words(item["q"])}


def content_words(lang: str) -> set[str]:
    return {
        word
        for path in (paths.bundled_content_dir() / lang).rglob("*.md")
        for word in search.words(path.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_lexicon_grows_only_from_the_content_and_the_tuning_questions(lang: str) -> None:
    """A word for the same idea is added with a tuning question that uses it, so the held-out figures measure
    how the search generalises, not what it was fitted to."""
    unjustified = lexicon_words(lang) - content_words(lang) - question_words("dev_questions.yaml", lang)
    assert not unjustified, (
        f"add a question using each to dev_questions.yaml, or drop them: {sorted(unjustified)}"
    )


@pytest.mark.parametrize("held_out", ["heldout_questions.yaml", "regression_questions.yaml"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_lexicon_word_comes_only_from_held_out_questions(lang: str, held_out: str) -> None:
    fitted = (lexicon_words(lang) & question_words(held_out, lang)) - content_words(lang)
    fitted -= question_words("dev_questions.yaml", lang)
    assert not fitted, f"lexicon words found only in {held_out}: {sorted(fitted)}"


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("can I drive myself home afterwards", "en", "can-i-drive"),
        ("afterwards home drive myself", "en", "can-i-drive"),  # any word order
        ("¿la ketamina es adictiva?", "es", "is-it-addictive"),
        ("la ketamina es adictiva", "es", "is-it-addictive"),  # accents optional
        ("LA KETAMINA ES ADICTIVA", "es", "is-it-addictive"),
        ("is it adictive", "en", "is-it-addictive"),  # small typos forgiven
        ("embarasada", "es", "pregnancy"),
        ("can i get hooked", "en", "is-it-addictive"),  # words the answer does not use
        ("how much will this cost me", "en", "cost"),
        ("cuanto cuesta", "es", "cost"),
    ],
)
def test_natural_questions_find_their_answer_first(
    bundled_store: Store, query: str, lang: str, expected: str
) -> None:
    assert top(bundled_store, query, lang)[:1] == [expected]


def test_nonsense_finds_nothing(bundled_store: Store) -> None:
    assert top(bundled_store, "zebra xylophone") == []
    assert top(bundled_store, "") == []
    assert top(bundled_store, "the and of") == []


def test_results_are_best_first_with_scores(bundled_store: Store) -> None:
    with bundled_store.session() as session:
        results = search.search_faq(session, "how much does it cost and will insurance pay", "en", limit=5)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert {r.id for r in results[:2]} == {"cost", "insurance"}
    assert results[0].category == "cost-and-insurance" and results[0].category_title


def test_the_last_word_is_a_prefix_while_typing(bundled_store: Store) -> None:
    assert "pregnancy" in top(bundled_store, "pregn", typing=True)
    assert "pregnancy" not in top(bundled_store, "pregn", typing=False)


def test_pages_are_searchable_too(bundled_store: Store) -> None:
    with bundled_store.session() as session:
        hits = search.search(session, "glutamate burst", "en", kinds=("page",))
    assert hits and hits[0].ref == "how-it-works/glutamate-burst"


@pytest.mark.parametrize("query", ["what happens during the infusion", "memory and thinking", "cost"])
def test_questions_only_is_the_questions_of_a_search_over_everything(
    bundled_store: Store, query: str
) -> None:
    with bundled_store.session() as session:
        everything = search.search(session, query, "en", limit=500)
        questions = search.search(session, query, "en", kinds=("faq",), limit=500)
    assert any(hit.kind == "page" for hit in everything)
    assert questions == [hit for hit in everything if hit.kind == "faq"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_looking_up_by_the_rarer_words_first_changes_no_result(bundled_store: Store, lang: str) -> None:
    """Search finds its candidates by a query's rarer words, in questions' own words first; scoring every
    question in full must give the same results."""
    queries = [item["q"] for item in yaml.safe_load((DATA / "dev_questions.yaml").read_text("utf-8"))[lang]]
    with bundled_store.session() as session:
        model = search._model(session, lang)
        documents = lite.query(
            session,
            "SELECT title, body, extra FROM search_fts WHERE lang = :lang AND kind = 'faq'",
            {"lang": lang},
        )
        for text in queries:
            concepts = search._concepts(text, lang, model, False)
            every = sorted(
                (
                    round(score, 4)
                    for title, body, extra in documents
                    for score, _ in [
                        search._score(concepts, {"title": title, "body": body, "extra": extra}, model)
                    ]
                    if score >= search.MIN_SCORE
                ),
                reverse=True,
            )
            found = search.search(session, text, lang, kinds=("faq",), limit=5)
            assert [hit.score for hit in found] == every[:5], text


def test_unpublished_and_deleted_questions_are_not_found(store: Store) -> None:
    assert top(store, "is ketamine addictive")[:1] == ["is-it-addictive"]
    with store.session() as session, session.begin():
        state = read_state(session)
        key = Key("faq_entry", "is-it-addictive")
        RowWriter(session).write(key, {**state[key].fields, "published": False})
        search.reindex(session)
    assert "is-it-addictive" not in top(store, "is ketamine addictive")


def test_the_index_follows_edits_made_in_another_session(store: Store) -> None:
    assert top(store, "zebra") == []
    with store.session() as session, session.begin():
        state = read_state(session)
        key = Key("faq_entry_text", "can-i-drive", "en")
        RowWriter(session).write(key, {**state[key].fields, "question": "Can I ride a zebra home?"})
        search.reindex(session)
    assert top(store, "zebra") == ["can-i-drive"]


def test_analysis_folds_accents_and_stems() -> None:
    assert search.terms("Adicción adictivo", "es") == search.terms("adiccion ADICTIVO", "es")
    assert search.terms("driving drives", "en") == ["drive", "drive"]
    assert search.words("doesn't") == ["does", "not"]


def test_a_question_is_found_by_the_other_ways_it_is_asked(store: Store) -> None:
    """The fixture's driving question lists "need a lift" among the ways it is asked; neither word is in it."""
    assert top(store, "need a lift")[:1] == ["can-i-drive"]
    assert top(store, "quien me da un aventon", "es")[:1] == ["can-i-drive"]

"""Teach-back questions in files: read into choices, an answer and why; every mistake named at FILE:LINE."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kiosk.content import checks
from kiosk.content.parse import read_content
from kiosk.content.state import Key, read_state
from kiosk.content.validate import validate
from kiosk.db.models import CheckText
from kiosk.db.store import Store
from tests.helpers.db import FIXTURE_CONTENT, export, import_dir, staff_edit

GOOD_EN = """---
id: first-steps
---
# Check what you learned

## True or false: each page has one idea. {#one-idea}
- [x] True
- [ ] False

Each page has one idea, so it is easy to read. [Read the first page](page:first-steps/picture)

## Who can you ask? {#ask}
- [ ] Nobody
- [x] The nurse
- [ ] A web page

You can ask the nurse. [Read the list](page:first-steps/links)
"""

GOOD_ES = """---
id: first-steps
---
# Repase lo que aprendió

## ¿Verdadero o falso? Cada página tiene una idea. {#one-idea}
- [x] Verdadero
- [ ] Falso

Cada página tiene una idea. [Lea la primera página](page:first-steps/picture)

## ¿A quién le puede preguntar? {#ask}
- [ ] A nadie
- [x] A la enfermera
- [ ] A una página web

Le puede preguntar a la enfermera. [Lea la lista](page:first-steps/links)
"""


def write(root: Path, en: str, es: str = GOOD_ES) -> None:
    for lang, text in (("en", en), ("es", es)):
        (root / lang / "checks").mkdir(exist_ok=True)
        (root / lang / "checks" / "01-first-steps.md").write_text(text, encoding="utf-8")


def errors(root: Path) -> list[str]:
    return [str(p) for p in validate(read_content(root), readability_checks=False) if p.severity == "error"]


def test_a_question_reads_into_choices_answer_explanation_and_page() -> None:
    body, problems = checks.parse_body(
        "- [ ] Nobody\n- [x] The nurse\n- [ ] A web page\n\nAsk. [Read](page:first-steps/links)"
    )
    assert problems == []
    assert body == checks.CheckBody(
        ("Nobody", "The nurse", "A web page"), 1, "Ask. [Read](page:first-steps/links)", "first-steps/links"
    )
    assert checks.parse_body(checks.body_markdown(body.choices, body.answer, body.explanation))[0] == body


def test_good_questions_validate_and_are_read_as_check_documents(content_dir: Path) -> None:
    write(content_dir, GOOD_EN)
    assert errors(content_dir) == []
    docs = read_content(content_dir).docs("check", "es")
    assert [(d.id, [s.id for s in d.sections]) for d in docs] == [("first-steps", ["one-idea", "ask"])]


def test_each_mistake_is_named_at_its_line(content_dir: Path) -> None:
    bad = (
        GOOD_EN.replace("- [x] True\n- [ ] False", "- [x] True\n- [x] False")  # line 7-8: two ticked
        .replace("- [ ] A web page\n", "- [ ] A web page\n- [ ] A book\n")  # from line 13: four choices
        .replace("[Read the list](page:first-steps/links)", "Nothing to read.")  # line 18: no page link
    )
    write(content_dir, bad)
    found = errors(content_dir)
    assert (
        "en/checks/01-first-steps.md:7: tick exactly one choice as right with [x] (this question has 2)"
        in found
    )
    assert "en/checks/01-first-steps.md:13: a question has 2 or 3 choices, not 4" in found
    assert (
        "en/checks/01-first-steps.md:18: the explanation must link to the page that explains it: "
        "[Read more](page:...)" in found
    )


def test_no_choices_an_unknown_page_and_a_chapter_that_does_not_exist(content_dir: Path) -> None:
    bad = GOOD_EN.replace("- [x] True\n- [ ] False\n\n", "").replace(
        "first-steps/picture", "first-steps/nope"
    )
    write(content_dir, bad.replace("id: first-steps", "id: no-such-chapter"))
    found = errors(content_dir)
    assert any(
        e.startswith("en/checks/01-first-steps.md:7: a question starts with its choices") for e in found
    ), found
    assert (
        "en/checks/01-first-steps.md:2: id 'no-such-chapter' must be the id of a chapter in en/topics/"
        in found
    )


def test_languages_must_agree_on_which_choice_is_right(content_dir: Path) -> None:
    write(
        content_dir, GOOD_EN, GOOD_ES.replace("- [x] Verdadero\n- [ ] Falso", "- [ ] Verdadero\n- [x] Falso")
    )
    assert errors(content_dir) == [
        "es/checks/01-first-steps.md:7: the choices differ from en/checks/01-first-steps.md: the same number, "
        "in the same order, with the same one ticked"
    ]


def test_a_question_over_the_size_limit_is_refused(content_dir: Path) -> None:
    write(content_dir, GOOD_EN.replace("You can ask the nurse.", "word " * 600))
    assert "en/checks/01-first-steps.md:13: a question is too long (3087 characters; at most 2000)" in errors(
        content_dir
    )


def test_questions_round_trip_through_export_and_import(store: Store, tmp_path: Path) -> None:
    """The fixture's questions, imported with its content, export as the very files they came from; a staff
    change (a question hidden, another answer ticked) survives export and import."""
    first = export(store, tmp_path / "one")
    for lang in ("en", "es"):
        name = f"{lang}/checks/01-first-steps.md"
        assert first[name] == (FIXTURE_CONTENT / name).read_bytes()
    key = Key("check_text", "first-steps/ask", "en")
    changed = checks.body_markdown(
        ["Nobody", "The nurse", "A web page"], 0, "Changed. [See](page:first-steps/links)"
    )
    staff_edit(store, key, markdown=changed)
    spanish = checks.body_markdown(
        ["A nadie", "A la enfermera", "A una web"], 0, "Otra. [Vea](page:first-steps/links)"
    )
    staff_edit(
        store, Key("check_text", "first-steps/ask", "es"), markdown=spanish
    )  # both alike, or it is refused
    staff_edit(store, Key("check", "first-steps/one-idea"), published=False)
    with store.session() as session:
        text = session.scalars(
            select(CheckText).where(CheckText.lang == "en", CheckText.question.like("Who%"))
        ).one()
        assert (text.choices, text.answer, text.page) == (
            ["Nobody", "The nurse", "A web page"],
            0,
            "first-steps/links",
        )
    second = export(store, tmp_path / "two")
    assert "unpublished: [one-idea]" in second["en/checks/01-first-steps.md"].decode()
    import_dir(store, tmp_path / "two")
    assert export(store, tmp_path / "three") == second
    with store.session() as session:
        assert read_state(session)[key].fields["markdown"] == changed


def test_a_chapter_names_the_page_to_take_home_and_it_round_trips(store: Store, tmp_path: Path) -> None:
    staff_edit(store, Key("chapter", "first-steps"), take_home="links")
    first = export(store, tmp_path / "one")
    assert "take_home: links" in first["en/topics/01-first-steps.md"].decode()
    import_dir(store, tmp_path / "one")
    assert export(store, tmp_path / "two") == first
    chapter = tmp_path / "one" / "en/topics/01-first-steps.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("take_home: links", "take_home: nowhere"))
    assert (
        "en/topics/01-first-steps.md:2: take_home names 'nowhere', which is not a page of this chapter"
        in (errors(tmp_path / "one"))
    )


def test_a_chapters_take_home_text_is_held_to_what_its_code_can_carry(store: Store, tmp_path: Path) -> None:
    export(store, tmp_path / "one")
    chapter = tmp_path / "one" / "es/topics/01-first-steps.md"
    source = chapter.read_text(encoding="utf-8")
    chapter.write_text(
        source.replace("\nid: first-steps\n", f"\nid: first-steps\ntake_home_text: {'a' * 601}\n")
    )
    assert (
        "es/topics/01-first-steps.md:3: take_home_text is too long (601 characters; at most 600)"
        in errors(tmp_path / "one")
    )
    chapter.write_text(source.replace("\nid: first-steps\n", "\nid: first-steps\ntake_home_text: [a, b]\n"))
    assert "es/topics/01-first-steps.md:3: take_home_text must be text" in errors(tmp_path / "one")

"""Validation reports every kind of bad input at FILE:LINE, and the fixture content is clean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.content.parse import read_content
from kiosk.content.validate import validate
from kiosk.errors import KioskError


def problems_of(root: Path, severity: str = "error") -> list[str]:
    return [
        str(p) for p in validate(read_content(root), today=dt.date(2026, 11, 21)) if p.severity == severity
    ]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_content_has_no_errors(content_dir: Path) -> None:
    assert problems_of(content_dir) == []


def test_unreviewed_chapters_are_warned_about(content_dir: Path) -> None:
    warnings = problems_of(content_dir, "warning")
    assert (
        "en/topics/02-second.md:2: warning: not yet reviewed by the clinic: fill in reviewed_on and reviewed_by"
        in warnings
    )


def test_old_reviews_are_warned_about(content_dir: Path) -> None:
    edit(content_dir / "en/topics/01-first-steps.md", "reviewed_on: 2026-01-15", "reviewed_on: 2023-01-15")
    assert any("last reviewed 46 months ago" in w for w in problems_of(content_dir, "warning"))
    (content_dir / "site.yaml").write_text(
        (content_dir / "site.yaml").read_text(encoding="utf-8") + "review_months: 60\n", encoding="utf-8"
    )  # the clinic's own interval is honoured
    assert not any("last reviewed" in w for w in problems_of(content_dir, "warning"))


EN1 = "en/topics/01-first-steps.md"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("id: first-steps\n", "", f"{EN1}:2: front matter has no 'id'"),
        (
            "id: first-steps",
            "id: First Steps",
            f"{EN1}:2: id 'First Steps' must be lowercase words joined by hyphens",
        ),
        (
            "sources: [FDA-label, WHO 2015]",
            "sources: [FDA-label, WHO 2015",
            f"{EN1}:6: front matter is not valid YAML",
        ),
        ("reviewed_on: 2026-01-15", "reviewed_on: last week", f"{EN1}:4: reviewed_on must be a date"),
        (
            "## Links and lists {#links}",
            "## Links and lists",
            f"{EN1}:16: heading 'Links and lists' has no id",
        ),
        ("{#links}", "{#picture}", f"{EN1}:16: duplicate id 'picture' (first used on line 10)"),
        ("(dot.svg", "(missing.svg", f"{EN1}:11: picture 'missing.svg' is not in illustrations/"),
        ("![A teal dot on a light card]", "![]", f"{EN1}:11: picture has no alt text"),
        (
            "(dot.svg",
            "(https://evil.example/dot.svg",
            f"{EN1}:11: picture 'https://evil.example/dot.svg' must be",
        ),
        ("(dot.svg", "(../dot.svg", f"{EN1}:11: picture '../dot.svg' must be a file name in illustrations/"),
        ("(page:first-steps/links)", "(page:first-steps/nowhere)", f"{EN1}:13: link to unknown page"),
        (
            "(faq:can-i-drive)",
            "(faq:no-such-question)",
            f"{EN1}:14: link to unknown question 'no-such-question'",
        ),
        (
            "(faq:can-i-drive)",
            "(javascript:alert(1))",
            f"{EN1}:14: unknown link target 'javascript:alert(1)'",
        ),
        (
            "This page has a picture",
            "<script>x()</script> This page has a picture",
            f"{EN1}:13: HTML <script> is not allowed",
        ),
        (
            "This page has a picture",
            '<b onclick="x()">This</b> page has a picture',
            f"{EN1}:13: HTML attributes on <b> are not allowed",
        ),
        ("# First steps\n", "", f"{EN1}:8: missing '# Title' line"),
        ("Read this page.", "Read this page.\n# Another title", f"{EN1}:20: a file has one '# Title'"),
    ],
)
def test_each_kind_of_bad_input_is_reported_at_file_and_line(
    content_dir: Path, old: str, new: str, expected: str
) -> None:
    edit(content_dir / EN1, old, new)
    errors = problems_of(content_dir)
    assert any(e.startswith(expected) for e in errors), errors


def test_missing_front_matter(content_dir: Path) -> None:
    path = content_dir / EN1
    path.write_text(path.read_text(encoding="utf-8").split("---\n", 2)[2], encoding="utf-8")
    assert f"{EN1}:1: missing front matter" in "\n".join(problems_of(content_dir))


def test_invalid_utf8_names_the_line(content_dir: Path) -> None:
    path = content_dir / EN1
    data = path.read_bytes().replace(b"Links and lists", b"Links \xff and lists")
    path.write_bytes(data)
    assert f"{EN1}:16: the file is not valid UTF-8 text (save it as UTF-8)" in problems_of(content_dir)


def test_huge_files_are_refused(content_dir: Path) -> None:
    path = content_dir / EN1
    path.write_text(path.read_text(encoding="utf-8") + ("word " * 60_000), encoding="utf-8")
    assert any(e.startswith(f"{EN1}:1: file is too large") for e in problems_of(content_dir))


def test_ids_must_agree_between_languages(content_dir: Path) -> None:
    edit(content_dir / "es/topics/01-first-steps.md", "{#links}", "{#enlaces}")
    errors = problems_of(content_dir)
    assert "es/topics/01-first-steps.md:16: id 'enlaces' is not in en/topics/01-first-steps.md" in errors
    assert any("id 'links' from en/topics/01-first-steps.md is missing here" in e for e in errors)


def test_a_chapter_missing_in_one_language(content_dir: Path) -> None:
    (content_dir / "es/topics/02-second.md").unlink()
    assert "en/topics/02-second.md:2: no Español version of 'second' in es/" in problems_of(content_dir)


def test_duplicate_question_ids_across_files(content_dir: Path) -> None:
    for lang in ("en", "es"):
        source = (content_dir / f"{lang}/faq/01-general.md").read_text(encoding="utf-8")
        copy = source.replace("id: general", "id: more").replace("{#is-it-addictive}", "{#other}")
        (content_dir / f"{lang}/faq/02-more.md").write_text(copy, encoding="utf-8")
    assert any("question id 'can-i-drive' is already used" in e for e in problems_of(content_dir))


def test_unsafe_svg_in_illustrations_is_an_error(content_dir: Path) -> None:
    (content_dir / "illustrations/dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script></svg>', encoding="utf-8"
    )
    assert "illustrations/dot.svg:2: unsafe SVG: <script> is not allowed" in problems_of(content_dir)


def test_unused_pictures_and_missing_captions_are_warnings(content_dir: Path) -> None:
    (content_dir / "illustrations/spare.svg").write_bytes(
        (content_dir / "illustrations/dot.svg").read_bytes()
    )
    edit(content_dir / EN1, ' "The dot stands for one idea"', "")
    warnings = problems_of(content_dir, "warning")
    assert "illustrations/spare.svg:1: warning: picture is not used by any page" in warnings
    assert f"{EN1}:11: warning: picture has no caption: add one in quotes after the file name" in warnings


def test_hard_reading_is_a_warning_not_an_error(content_dir: Path) -> None:
    edit(
        content_dir / "en/topics/02-second.md",
        "Do not drive until the next day.",
        "Pharmacokinetic considerations notwithstanding, operating motorised conveyances subsequent to "
        "intravenous administration of dissociative anaesthetic pharmaceuticals necessitates postponement "
        "until neuropsychological recuperation is comprehensively substantiated.",
    )
    assert problems_of(content_dir) == []
    assert any("reads too hard: Flesch-Kincaid grade" in w for w in problems_of(content_dir, "warning"))


def test_bad_site_settings_are_reported(content_dir: Path) -> None:
    (content_dir / "site.yaml").write_text("clinic_name: X\nidle_seconds: 5\n", encoding="utf-8")
    assert "site.yaml:2: setting idle_seconds must be between 20 and 900" in problems_of(content_dir)


def test_not_a_content_folder(tmp_path: Path) -> None:
    with pytest.raises(KioskError, match="has no content"):
        read_content(tmp_path)


FAQ_EN = "en/faq/01-general.md"


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (
            "  no-such-question: [need a lift]",
            f"{FAQ_EN}:2: asked lists 'no-such-question', which is not a question in this file",
        ),
        ("  can-i-drive: need a lift", f"{FAQ_EN}:4: asked must list other ways to ask each question"),
        ("  can-i-drive: [need a lift, '']", f"{FAQ_EN}:4: asked must list other ways to ask each question"),
    ],
)
def test_other_ways_of_asking_must_name_questions_of_their_file(
    content_dir: Path, new: str, expected: str
) -> None:
    edit(content_dir / FAQ_EN, "  can-i-drive: [need a lift, who takes me back]", new)
    errors = problems_of(content_dir)
    assert any(e.startswith(expected) for e in errors), errors

"""Rendering: the page picture is pulled out, links are policed, and hostile Markdown never yields unsafe HTML."""

from __future__ import annotations

import re

import pytest

from kiosk.content import validate as validate_module
from kiosk.content.parse import Section
from kiosk.content.render import (
    ALLOWED_RAW_TAGS,
    ALLOWED_TAGS,
    LINK_SCHEMES,
    MAX_MARKDOWN_BRACKETS,
    MAX_MARKDOWN_CHARS,
    markdown_problem,
    plain_text,
    render,
)
from kiosk.content.validate import Targets
from kiosk.errors import KioskError
from tests.helpers.html import SAFE_TAGS, assert_safe

NO_TARGETS = Targets(frozenset(), frozenset(), frozenset())

HOSTILE = [
    "<script>alert(1)</script>hello",
    '<img src="x" onerror="alert(1)">',
    '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name="pin"></form>',
    "<style>body { display: none }</style>text",
    '<p style="position:fixed" onclick="steal()">click</p>',
    "[tap me](javascript:alert(1))",
    "[tap me](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    '![remote](https://evil.example/tracker.png "caption")',
    "![outside](../../etc/passwd)",
    '<a href="https://evil.example">web</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    "<<script>script>alert(1)<</script>/script>",
    '<a href="page:x/y" onmouseover="alert(1)">ok</a>',
    "<!-- secret comment --> visible",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_never_produces_disallowed_html(source: str) -> None:
    assert_safe(render(source).html)


def test_picture_is_taken_out_of_the_text_with_alt_and_caption() -> None:
    rendered = render('![A brain seen from the side](brain.svg "Three areas")\n\nText after.')
    assert rendered.picture is not None
    assert (rendered.picture.src, rendered.picture.alt, rendered.picture.caption) == (
        "brain.svg",
        "A brain seen from the side",
        "Three areas",
    )
    assert "img" not in rendered.html and "brain.svg" not in rendered.html
    assert rendered.html == "<p>Text after.</p>"


def test_the_allow_lists_are_the_ones_written_down() -> None:
    """Adding a tag (a picture, a form) to what reaches the screen must be a decision, not an accident."""
    assert ALLOWED_TAGS == SAFE_TAGS
    assert frozenset({"br", "strong", "em", "b", "i", "sup", "sub"}) == ALLOWED_RAW_TAGS
    assert LINK_SCHEMES == ("page:", "faq:")


def test_content_links_are_kept_and_web_links_become_text() -> None:
    rendered = render("See [this page](page:a/b), [that answer](faq:c) and [the web](https://example.org).")
    assert '<a href="page:a/b">this page</a>' in rendered.html
    assert '<a href="faq:c">that answer</a>' in rendered.html
    assert "example.org" not in rendered.html
    # The web link's words stay as plain text: not a link at all (not even one without an address, which would
    # look tappable and do nothing).
    assert re.findall(r"<a\b[^>]*>", rendered.html) == ['<a href="page:a/b">', '<a href="faq:c">']
    assert "<span>the web</span>" in rendered.html
    assert rendered.links == ("page:a/b", "faq:c", "https://example.org")


def test_plain_text_keeps_block_boundaries_and_decodes_entities() -> None:
    rendered = render("First paragraph.\n\n- one &amp; two\n- three")
    assert rendered.plain == "First paragraph.\none & two\nthree"


def test_plain_text_of_list_items_are_separate_lines() -> None:
    assert plain_text("<ul><li>a</li><li>b</li></ul>") == "a\nb"


def test_bold_lists_and_emphasis_survive() -> None:
    html = render("**Bold** and *soft*.\n\n1. one\n2. two").html
    assert "<strong>Bold</strong>" in html and "<em>soft</em>" in html and "<ol>" in html


# --- limits: what Python-Markdown would take minutes over, or recurse on, is refused first ------------------------


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("Fine.\n\n" + "[" * 16_000, 0, "too long"),
        ("Fine.\n\n" + "[" * 9_000, 2, "too many '['"),
        ("[a](page:x/y) " * 50 + "\n[one more", 1, "too many '['"),
        ("Fine.\n" + "- " * 600 + "deep", 1, "nested too deeply"),
        ("Fine.\n" + "> " * 9 + "deep", 1, "nested too deeply"),
        ("\n".join("    " * depth + "- item" for depth in range(12)), 8, "nested too deeply"),
    ],
)
def test_markdown_over_a_limit_is_refused_before_rendering(source: str, line: int, words: str) -> None:
    problem = markdown_problem(source)
    assert problem is not None and problem[0] == line and words in problem[1], problem
    with pytest.raises(KioskError, match=words.replace("'", ".").replace("[", r"\[")):
        render(source)


def test_markdown_within_the_limits_renders() -> None:
    source = "\n".join(["- one", "    - two", "        - three", "> quoted", "[a](page:x/y) and [b](faq:z)"])
    assert markdown_problem(source) is None
    assert "<li>three" in render(source).html
    assert markdown_problem("x" * MAX_MARKDOWN_CHARS) is None
    assert markdown_problem("[" * MAX_MARKDOWN_BRACKETS) is None


def test_check_text_names_the_file_and_line_and_does_not_render(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(source: str) -> None:
        raise AssertionError("rendered a text over the limits")

    monkeypatch.setattr(validate_module, "render", never)
    section = Section("page", "Page", "Fine.\n\n" + "- " * 600 + "x", line=10, body_line=11)
    problems, rendered = validate_module.check_text(
        "en/topics/01-a.md", section, "en", NO_TARGETS, answer=False
    )
    assert [str(p) for p in problems] == [
        "en/topics/01-a.md:13: lists or quotes are nested too deeply (at most 8 levels)"
    ]
    assert rendered.html == ""

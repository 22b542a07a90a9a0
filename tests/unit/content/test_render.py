"""Rendering: the page picture is pulled out, links are policed, and hostile Markdown never yields unsafe HTML."""

from __future__ import annotations

import re

import pytest

from kiosk.content.render import ALLOWED_TAGS, plain_text, render

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
ATTRIBUTE = re.compile(r"<[a-z0-9]+\s+([^>]*)>")


def assert_safe(html: str) -> None:
    tags = {tag.lower() for tag in re.findall(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)", html)}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for attributes in ATTRIBUTE.findall(html):
        names = re.findall(r"([a-zA-Z-]+)=", attributes)
        assert set(names) <= {"href"}, attributes
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("page:", "faq:")), href
    for markup in re.findall(r"<[^>]*>", html):  # as text (in a code sample, say) it is harmless
        assert "javascript" not in markup.lower() and "script" not in markup.lower(), markup
    assert "<!--" not in html


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


def test_content_links_are_kept_and_web_links_become_text() -> None:
    rendered = render("See [this page](page:a/b), [that answer](faq:c) and [the web](https://example.org).")
    assert '<a href="page:a/b">this page</a>' in rendered.html
    assert '<a href="faq:c">that answer</a>' in rendered.html
    assert "example.org" not in rendered.html
    assert "the web" in rendered.html
    assert rendered.links == ("page:a/b", "faq:c", "https://example.org")


def test_plain_text_keeps_block_boundaries_and_decodes_entities() -> None:
    rendered = render("First paragraph.\n\n- one &amp; two\n- three")
    assert rendered.plain == "First paragraph.\none & two\nthree"


def test_plain_text_of_list_items_are_separate_lines() -> None:
    assert plain_text("<ul><li>a</li><li>b</li></ul>") == "a\nb"


def test_bold_lists_and_emphasis_survive() -> None:
    html = render("**Bold** and *soft*.\n\n1. one\n2. two").html
    assert "<strong>Bold</strong>" in html and "<em>soft</em>" in html and "<ol>" in html

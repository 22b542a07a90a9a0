"""Pictures: unsafe SVG is refused with a line number; files must be what they claim to be."""

from __future__ import annotations

import pytest

from kiosk.content.pictures import picture_problem, svg_problem

SAFE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs>'
    b'<rect width="10" height="10" fill="url(#g)"/><use href="#g"/></svg>'
)


def test_a_plain_drawing_is_accepted() -> None:
    assert svg_problem(SAFE) is None


@pytest.mark.parametrize(
    ("svg", "words"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>',
            "refers",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            b'<use xlink:href="other.svg#a"/></svg>',
            "refers",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
            "foreignobject",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://x/y.css);</style></svg>',
            "style",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/y)"/></svg>', "style"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', "DOCTYPE"),
        (b"<html><body/></html>", "not an SVG"),
        (b"<svg><rect></svg>", "well-formed"),
    ],
)
def test_unsafe_or_broken_svg_is_refused(svg: bytes, words: str) -> None:
    problem = svg_problem(svg)
    assert problem is not None
    assert words.lower() in problem[1].lower()


def test_refusal_names_the_line() -> None:
    problem = svg_problem(b'<svg xmlns="http://www.w3.org/2000/svg">\n<g>\n<script/>\n</g></svg>')
    assert problem is not None and problem[0] == 3


def test_a_file_must_be_what_its_name_says() -> None:
    assert picture_problem(b"GIF89a....", "image/png") == (1, "the file is not a PNG picture")
    assert picture_problem(b"\x89PNG\r\n\x1a\nrest", "image/png") is None
    assert picture_problem(b"nope", "image/jpeg") is not None

"""Pictures: unsafe SVG is refused with a line number; files must be what they claim to be; a picture that costs
too much to draw is refused, from the file where it can be, else by drawing it once in a separate process."""

from __future__ import annotations

import dataclasses
import struct
import sys
from pathlib import Path

import pytest

from kiosk.content import pictures
from kiosk.content.pictures import (
    RENDER_BUDGET,
    SvgLimits,
    measure,
    media_type_of,
    picture_problem,
    picture_size,
    raster_size,
    svg_problem,
)
from kiosk.errors import KioskError
from kiosk.paths import bundled_content_dir
from tests.helpers.hostile import SVG, png, use_bomb

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


# --- what drawing costs, from the file alone --------------------------------------------------------------------


def test_the_two_kilobyte_use_bomb_is_refused_in_milliseconds() -> None:
    data = use_bomb(8, 10)
    assert len(data) < 2500
    assert svg_problem(data) == (
        8,  # the sixth level
        "the picture copies parts that copy parts too deeply (6 levels; at most 5): simplify it",
    )


def test_fan_out_is_multiplied_through_every_level() -> None:
    assert svg_problem(use_bomb(3, 10)) is None  # 6,799 elements drawn
    problem = svg_problem(use_bomb(4, 10))
    assert problem == (
        7,  # the <use> that draws the most
        "the picture repeats its parts too often: drawing it means drawing 68,020 shapes (at most 20,000); "
        "simplify it",
    )


def test_a_part_that_uses_itself_is_refused() -> None:
    for body in (
        '<g id="a"><use href="#a"/></g>',
        '<g id="a"><use href="#b"/></g><g id="b">\n<use href="#a"/></g>',
    ):
        problem = svg_problem(f"<svg {SVG}>{body}</svg>".encode())
        assert problem is not None and "uses itself" in problem[1], body


@pytest.mark.parametrize(
    ("limits", "body", "words"),
    [
        (SvgLimits(elements=50), "<rect/>" * 60, "too many parts (more than 50)"),
        (SvgLimits(depth=10), "<g>" * 20 + "</g>" * 20, "nested too deeply (at most 10 levels)"),
        (SvgLimits(references=5), '<g id="a"/>' + '<use href="#a"/>' * 6, "too many references"),
        (SvgLimits(path_numbers=100), '<path d="' + "M1 1 " * 60 + '"/>', "outlines are too detailed"),
        (SvgLimits(filters=2), "<filter>" + "<feGaussianBlur/>" * 3 + "</filter>", "too many filter effects"),
    ],
)
def test_each_cost_has_a_limit(limits: SvgLimits, body: str, words: str) -> None:
    problem = svg_problem(f"<svg {SVG}>{body}</svg>".encode(), limits)
    assert problem is not None and words in problem[1], problem
    assert svg_problem(f"<svg {SVG}>{body}</svg>".encode()) is None  # within the real limits


def test_a_marker_counts_once_for_every_point_it_is_drawn_at() -> None:
    marker = '<marker id="m"><path d="' + "L1 1 " * 20 + '"/></marker>'
    points = " ".join(f"{n} {n}" for n in range(12_000))  # 12,000 points, each with the marker's 2 elements
    data = f'<svg {SVG}>{marker}<polyline points="{points}" marker-mid="url(#m)"/></svg>'.encode()
    problem = svg_problem(data)
    assert problem is not None and "repeats its parts too often" in problem[1], problem
    styled = (
        f'<svg {SVG}><style>polyline {{ marker: url(#m) }}</style>{marker}<polyline points="{points}"/></svg>'
    )
    assert svg_problem(styled.encode()) is not None


def test_a_gradient_costs_a_fill_not_a_shape() -> None:
    shapes = '<rect fill="url(#g)"/>' * 8000
    data = f'<svg {SVG}><linearGradient id="g"><stop/><stop/></linearGradient>{shapes}</svg>'.encode()
    assert svg_problem(data) is None


def test_the_bundled_illustrations_are_well_within_the_limits() -> None:
    for path in sorted((bundled_content_dir() / "illustrations").glob("*.svg")):
        tight = SvgLimits(elements=1000, drawn=1000, path_numbers=20_000, references=0, reference_depth=0)
        assert svg_problem(path.read_bytes(), tight) is None, path.name


# --- raster pictures ----------------------------------------------------------------------------------------------


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_raster_sizes_come_from_the_header_alone() -> None:
    assert raster_size(png(640, 480)) == (640, 480)
    assert raster_size(jpeg(1600, 1200)) == (1600, 1200)
    assert raster_size(b"\xff\xd8\xff\xd9") is None
    assert picture_size(png(640, 480)) == (640.0, 480.0)


def test_a_decompression_bomb_is_refused_by_its_header() -> None:
    assert picture_problem(png(100_000, 100_000), "image/png") == (
        1,
        "the picture is too large (100000 x 100000 pixels; at most 4096 on its longest side): make it smaller, "
        "or add it in the staff console, which does that for you",
    )
    assert picture_problem(jpeg(65_000, 20), "image/jpeg") is not None
    assert picture_problem(png(4096, 3000), "image/png") is None


def test_a_file_must_be_what_its_name_says() -> None:
    assert picture_problem(b"GIF89a....", "image/png") == (1, "the file is not a PNG picture")
    assert picture_problem(pictures.PNG_MAGIC + b"rest", "image/png") == (
        1,
        "the PNG picture is damaged (its size cannot be read)",
    )
    assert picture_problem(b"nope", "image/jpeg") is not None
    assert media_type_of(png(1, 1)) == "image/png" and media_type_of(SAFE) == "image/svg+xml"


def test_the_declared_shape_of_an_svg() -> None:
    assert picture_size(b'<svg viewBox="0 0 800 560"/>') == (800.0, 560.0)
    assert picture_size(b'<svg width="40px" height="20"/>') == (40.0, 20.0)
    laughs = (
        b'<!DOCTYPE svg [<!ENTITY a "4"><!ENTITY b "&a;&a;">]><svg width="&b;" height="1"/>'  # no entities
    )
    for absurd in (
        b'<svg viewBox="0 0 0 10"/>',
        b'<svg viewBox="0 0 1e400 1"/>',
        b"<svg/>",
        b"not xml",
        laughs,
    ):
        assert picture_size(absurd) is None, absurd


# --- drawing each picture once, in a separate process ------------------------------------------------------------


@pytest.fixture(autouse=True)
def forget_measurements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pictures, "_measured", {})


def test_the_bundled_illustrations_draw_within_budget() -> None:
    folder = bundled_content_dir() / "illustrations"
    found = {p.name: (p.read_bytes(), "image/svg+xml") for p in folder.glob("*.svg")}
    assert len(found) > 10 and measure(found) == {}


def slow_picture() -> bytes:
    """Within every limit of the file, but large, stroked, see-through shapes to fill (thousands of these take
    minutes to draw; a few dozen, as here, take a measurable time)."""
    shape = '<path d="M0 0L100 100L0 100Z" stroke="#000" stroke-width="3" fill-opacity="0.5"/>'
    return f'<svg {SVG} viewBox="0 0 100 100">{shape * 40}</svg>'.encode()


def test_a_picture_over_the_drawing_budget_is_refused() -> None:
    data = slow_picture()
    assert svg_problem(data) is None
    budget = dataclasses.replace(RENDER_BUDGET, seconds=0.0)  # what the real budget would say of a slower one
    [(name, (line, message))] = measure({"slow.svg": (data, "image/svg+xml")}, budget).items()
    assert name == "slow.svg" and line == 1
    assert (
        message.startswith("the picture takes too long to draw (")
        and "at 2048 pixels; at most 0.0 s" in message
    )


def test_a_picture_that_never_finishes_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    budget = dataclasses.replace(RENDER_BUDGET, timeout=1.0)
    bomb = use_bomb(8, 10)  # what the file checks refuse; here it reaches the drawing program
    found = measure({"fine.svg": (SAFE, "image/svg+xml"), "bomb.svg": (bomb, "image/svg+xml")}, budget)
    assert found == {
        "bomb.svg": (
            1,
            "the picture takes too long to draw (more than 1 s; at most 1.0 s): simplify it, or save it as a PNG",
        )
    }


def test_a_picture_over_the_memory_budget_is_refused() -> None:
    budget = dataclasses.replace(RENDER_BUDGET, memory_mb=1)  # drawing at 2048 pixels takes 16 MB at least
    [(_, message)] = measure({"a.svg": (SAFE, "image/svg+xml")}, budget).values()
    assert message.startswith("the picture needs too much memory to draw (")


def test_a_picture_that_breaks_the_drawing_program_is_refused() -> None:
    budget = dataclasses.replace(RENDER_BUDGET, memory_mb=100_000)
    broken = png(64, 64)  # a header and nothing else: unpacking it fails
    assert measure({"b.png": (broken, "image/png")}, budget) == {
        "b.png": (1, "the picture cannot be drawn (the file cannot be read as a picture)")
    }


def test_each_picture_is_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert measure({"a.svg": (SAFE, "image/svg+xml")}) == {}

    def no_second_run(*args: object) -> None:
        raise AssertionError("measured again")

    monkeypatch.setattr(pictures, "_run_probe", no_second_run)
    assert measure({"same-bytes-other-name.svg": (SAFE, "image/svg+xml")}) == {}


def test_pictures_that_cannot_be_checked_are_not_let_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    with pytest.raises(KioskError, match="pictures cannot be checked"):
        measure({"a.svg": (SAFE, "image/svg+xml")})

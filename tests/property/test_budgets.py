"""Input budgets, generated: for any size, nesting depth, YAML alias fan-out or `<use>` fan-out, every check ends
in a separate process with 1 GB of memory and a minute of time, and refuses exactly what is over its limit.

Each example runs in `tests.helpers.bounded.Bounded`: before the limits, the alias and `<use>` generators here
ran out of memory or time within a few examples.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kiosk.content.packs import MAX_JSON_DEPTH, PackError, parse_manifest
from kiosk.content.parse import MAX_YAML_DEPTH, YamlError, load_yaml
from kiosk.content.pictures import SVG_LIMITS, svg_problem
from kiosk.content.render import MAX_MARKDOWN_CHARS, MAX_MARKDOWN_NESTING, markdown_problem, render
from kiosk.errors import KioskError
from tests.helpers.bounded import Bounded

EXAMPLES = settings(max_examples=40, deadline=None)


@pytest.fixture(scope="module")
def bounded() -> Iterator[Bounded]:
    worker = Bounded(memory_mb=1024, seconds=60)
    yield worker
    worker.close()


# --- what runs in the bounded process ------------------------------------------------------------------------


def markdown_outcome(source: str) -> tuple[str, int, str]:
    """("refused", line, message) or ("rendered", length of the HTML, "")."""
    problem = markdown_problem(source)
    if problem is not None:
        try:
            render(source)
        except KioskError:
            return "refused", problem[0], problem[1]
        raise AssertionError("render() took a text over the limits")
    return "rendered", len(render(source).html), ""


def yaml_outcome(text: str) -> tuple[int, str] | None:
    try:
        load_yaml(text)
    except YamlError as error:
        return error.line, error.message
    return None


def manifest_outcome(data: bytes) -> str | None:
    try:
        parse_manifest(data, "pack.zip")
    except PackError as error:
        return str(error)
    return None


def svg_outcome(data: bytes) -> tuple[int, str] | None:
    return svg_problem(data)


# --- size ----------------------------------------------------------------------------------------------------

EXPENSIVE = ["[", "[a](", "![", "*a* ", "`", "<b>", "&#", "\\", "x\n\n", "_a_ "]


@given(st.integers(min_value=0, max_value=3 * MAX_MARKDOWN_CHARS), st.sampled_from(EXPENSIVE))
@EXAMPLES
def test_a_text_of_any_size_is_rendered_or_refused(bounded: Bounded, size: int, fragment: str) -> None:
    source = (fragment * (size // len(fragment) + 1))[:size]
    outcome, line, message = bounded(markdown_outcome, source)
    if size > MAX_MARKDOWN_CHARS:
        assert (outcome, line) == ("refused", 0) and "too long" in message
    elif outcome == "refused":
        assert "'['" in message, message  # within the size limit, only the bracket limit can refuse these


# --- nesting depth ---------------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=3000), st.sampled_from(["- ", "> ", "1. ", "indent"]))
@example(depth=MAX_MARKDOWN_NESTING, marker="- ")  # the last depth rendered, and the first refused
@example(depth=MAX_MARKDOWN_NESTING + 1, marker="indent")
@EXAMPLES
def test_markdown_nested_to_any_depth_is_rendered_or_refused(
    bounded: Bounded, depth: int, marker: str
) -> None:
    if marker == "indent":
        source = "\n".join("    " * level + "- item" for level in range(depth))
        deepest = depth  # the last line's indentation levels and its marker
    else:
        source = marker * depth + "text"
        deepest = depth
    outcome, line, message = bounded(markdown_outcome, source[:MAX_MARKDOWN_CHARS])
    if len(source) > MAX_MARKDOWN_CHARS:
        return  # the size limit speaks first; the size test covers it
    if deepest > MAX_MARKDOWN_NESTING:
        assert outcome == "refused" and "nested too deeply" in message, (depth, marker, message)
        assert line == (MAX_MARKDOWN_NESTING if marker == "indent" else 0)
    else:
        assert outcome == "rendered", (depth, marker, message)


@given(st.integers(min_value=0, max_value=5000), st.sampled_from(["[", "{a: "]))
@example(depth=MAX_YAML_DEPTH - 1, opening="[")  # the last depth read, and the first refused
@example(depth=MAX_YAML_DEPTH, opening="[")
@EXAMPLES
def test_yaml_nested_to_any_depth_is_read_or_refused(bounded: Bounded, depth: int, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    outcome = bounded(yaml_outcome, "value: " + opening * depth + "1" + closing * depth + "\n")
    if depth + 1 > MAX_YAML_DEPTH:  # the map of the file itself is the first level
        assert outcome is not None and "nested too deeply" in outcome[1], (depth, outcome)
    else:
        assert outcome is None, (depth, outcome)


@given(st.integers(min_value=0, max_value=200_000))
@example(depth=MAX_JSON_DEPTH - 3)  # the last depth read, and the first refused
@example(depth=MAX_JSON_DEPTH - 2)
@EXAMPLES
def test_a_manifest_nested_to_any_depth_is_read_or_refused(bounded: Bounded, depth: int) -> None:
    manifest = {"format": 1, "created_at": "2026-01-01T00:00:00+00:00", "languages": ["en"], "files": {}}
    signature = '{"key": ' + "[" * depth + '"x"' + "]" * depth + "}"
    text = json.dumps(manifest)[:-1] + ', "signature": ' + signature + "}"
    outcome = bounded(manifest_outcome, text.encode())
    if depth + 3 > MAX_JSON_DEPTH:  # the manifest, the signature's map and the text inside are three levels
        assert outcome is not None and "nested too deeply" in outcome, (depth, outcome)
    else:
        assert outcome is None, (depth, outcome)


@given(st.integers(min_value=1, max_value=3000))
@example(depth=SVG_LIMITS.depth - 1)  # the last depth accepted, and the first refused
@example(depth=SVG_LIMITS.depth)
@EXAMPLES
def test_an_svg_nested_to_any_depth_is_accepted_or_refused(bounded: Bounded, depth: int) -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * depth + b"</g>" * depth + b"</svg>"
    outcome = bounded(svg_outcome, data)
    if depth + 1 > SVG_LIMITS.depth:
        assert outcome is not None and "nested too deeply" in outcome[1], (depth, outcome)
    else:
        assert outcome is None, (depth, outcome)


# --- fan-out -------------------------------------------------------------------------------------------------


def alias_bomb(levels: int, fan_out: int) -> str:
    """`levels` anchors, each a list of `fan_out` aliases of the one before: fan_out ** levels values."""
    lines = ["a0: &a0 [x]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * fan_out) + "]")
    lines.append(f"languages: *a{levels}")
    return "\n".join(lines) + "\n"


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=12))
@EXAMPLES
def test_yaml_alias_fan_out_is_refused_at_the_first_alias(
    bounded: Bounded, levels: int, fan_out: int
) -> None:
    assert bounded(yaml_outcome, alias_bomb(levels, fan_out)) == (
        2,
        "aliases (*name) are not allowed: write the value out",
    )


def use_fan_out(levels: int, fan_out: int) -> bytes:
    lines = ['<svg xmlns="http://www.w3.org/2000/svg"><defs>', '<g id="l0"><path d="M0 0L9 9L0 9Z"/></g>']
    for level in range(1, levels + 1):
        lines.append(f'<g id="l{level}">' + f'<use href="#l{level - 1}"/>' * fan_out + "</g>")
    lines.append(f'</defs><use href="#l{levels}"/></svg>')
    return "\n".join(lines).encode()


def drawn_cost(levels: int, fan_out: int) -> tuple[int, int, int]:
    """What `use_fan_out` draws, worked out by hand: (elements drawn, numbers of path data, references deep).
    A group draws itself and its children; a <use> draws itself and its target again."""
    elements, numbers = [2], [6]  # l0: the group and its path of 6 numbers
    for _ in range(levels):
        elements.append(1 + fan_out * (1 + elements[-1]))
        numbers.append(fan_out * numbers[-1])
    total = 1 + (1 + sum(elements)) + (1 + elements[-1])  # <svg>, <defs> with every level, the last <use>
    return total, sum(numbers) + numbers[-1], levels + 1


@given(st.integers(min_value=1, max_value=10), st.integers(min_value=1, max_value=15))
@EXAMPLES
def test_use_fan_out_is_refused_exactly_when_over_a_limit(
    bounded: Bounded, levels: int, fan_out: int
) -> None:
    elements, numbers, depth = drawn_cost(levels, fan_out)
    outcome = bounded(svg_outcome, use_fan_out(levels, fan_out))
    over = (
        depth > SVG_LIMITS.reference_depth or elements > SVG_LIMITS.drawn or numbers > SVG_LIMITS.path_numbers
    )
    assert (outcome is not None) == over, (levels, fan_out, elements, numbers, outcome)
    if outcome is not None and depth <= SVG_LIMITS.reference_depth and elements > SVG_LIMITS.drawn:
        assert f"drawing {elements:,} shapes" in outcome[1], (elements, outcome)

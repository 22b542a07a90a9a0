"""Hostile content, generated: the pipeline never crashes, never lets unsafe HTML through, and always points the
author at a real FILE:LINE."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.content.parse import read_content
from kiosk.content.render import render, sanitize
from kiosk.content.validate import validate
from tests.helpers.html import assert_safe

FRAGMENTS = [
    "# Title",
    "## Page {#page}",
    "## Page {#other}",
    "## No id",
    "## {#}",
    "### Sub",
    "plain words.",
    "**bold**",
    "*soft*",
    "- item",
    "1. step",
    "> quote",
    "```",
    "~~~",
    "    code",
    "---",
    "***",
    '![alt](dot.svg "caption")',
    "![](dot.svg)",
    "![x](../../etc/passwd)",
    "![x](https://evil.example/a.png)",
    "[a](page:first/page)",
    "[b](faq:q)",
    "[c](javascript:alert(1))",
    "[d](data:text/html,x)",
    "[e](//evil)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=x></iframe>",
    "<style>*{}</style>",
    "<b onclick=x()>b</b>",
    "<a href='javascript:x'>a</a>",
    "<!-- c -->",
    "<br>",
    "&amp; &lt; &#0; &#x110000;",
    "\u202e\u200b\ufeff",
    "ñáéíóú ¿?",
    "{#a b}",
    "[",
    "](",
    "![",
    "\\",
    "\t",
    "",
    "   ",
]
text_lines = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=30)
yaml_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.lists(st.text(max_size=8), max_size=4),
    st.sampled_from(
        ["[unclosed", "{a: b", "!!python/object:os.system", "2026-13-45", "*alias", "&anchor x", "- a"]
    ),
)
front_matter = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "summary",
            "reviewed_on",
            "reviewed_by",
            "sources",
            "kind",
            "published",
            "unpublished",
            "other",
        ]
    ),
    yaml_values,
    max_size=6,
)


@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=60)), max_size=40).map("\n".join))
@settings(max_examples=300, deadline=None)
def test_rendering_any_markdown_is_safe(source: str) -> None:
    assert_safe(render(source).html)


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_sanitizing_any_html_is_safe(html: str) -> None:
    assert_safe(sanitize(html))


def as_yaml(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


@given(front_matter, text_lines, st.booleans(), st.binary(max_size=30))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_file_gives_problems_at_real_lines_never_a_crash(
    meta: dict[str, object], body: list[str], with_front_matter: bool, junk: bytes
) -> None:
    lines = (
        ["---", *(f"{k}: {as_yaml(v)}" for k, v in meta.items()), "---"] if with_front_matter else []
    ) + body
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + junk
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "illustrations").mkdir()
        (root / "illustrations" / "dot.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
        for lang in ("en", "es"):
            (root / lang / "topics").mkdir(parents=True)
            (root / lang / "topics" / "01-first.md").write_bytes(data)
        problems = validate(read_content(root), today=dt.date(2026, 11, 21))
    total = data.count(b"\n") + 1
    for problem in problems:
        assert problem.path and 1 <= problem.line <= total + 1, (str(problem), total)
        assert str(problem).startswith(f"{problem.path}:{problem.line}: ")

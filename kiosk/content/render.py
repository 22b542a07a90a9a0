"""Markdown to the HTML the kiosk shows, and to plain text for search and readability.

Content is not trusted, whoever wrote it. Rendering happens in two steps:

1. Python-Markdown with a small tree processor that takes the page's picture out of the text (the reader shows it
   beside the text, with its caption), and turns every link that is not `page:` or `faq:` into plain text
   (web links are shown, never followed).
2. nh3 (ammonia) cleans the result to a small allow-list: no scripts, iframes, forms, styles, event handlers,
   images or URLs other than `page:` and `faq:`. Whatever step 1 misses, step 2 does not let through.

Python-Markdown is pure Python and some inputs cost it far more than their size: each unclosed `[` makes it scan
the rest of the text (16,000 of them took about a minute), and every level of lists or quotes inside each other is
a level of recursion (600 raise RecursionError). `markdown_problem` refuses those before rendering, with limits far
above what a page of 40-120 words needs, so checking any text takes milliseconds: that is what lets the staff
editor check as staff type without holding up the screen.
"""

from __future__ import annotations

import html as htmllib
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from functools import lru_cache

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from kiosk.content import links
from kiosk.errors import KioskError

#: Tags that may reach the screen. QTextBrowser renders all of them.
ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "blockquote",
        "hr",
        "sup",
        "sub",
        "span",
    }
)
#: Raw HTML an author may write inside Markdown; anything else is reported by validation and removed here.
ALLOWED_RAW_TAGS = frozenset({"br", "strong", "em", "b", "i", "sup", "sub"})
LINK_SCHEMES = links.SCHEMES

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={"a": {"href"}},
    url_schemes={"page", "faq"},
    url_relative="deny",
    link_rel=None,
    strip_comments=True,
)
#: Limits for one page or answer (see the module docstring). A page of the bundled content is under 1,500
#: characters (the longest, a list of sources, 2,300), with at most a few links and two levels of lists.
MAX_MARKDOWN_CHARS = 10_000
MAX_MARKDOWN_NESTING = 8  # lists and quotes inside each other, and indentation (4 spaces a level)
MAX_MARKDOWN_BRACKETS = 50  # '[' opens a link or a picture; each unclosed one costs a scan of the rest
_CONTAINER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)]|>)(?=[ \t]|$)")
_BLOCK_END = re.compile(r"</(p|li|h3|h4|blockquote|ul|ol)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


@dataclass(frozen=True)
class Picture:
    src: str
    alt: str
    caption: str


@dataclass(frozen=True)
class Rendered:
    html: str
    plain: str
    pictures: tuple[Picture, ...] = ()
    links: tuple[str, ...] = ()

    @property
    def picture(self) -> Picture | None:
        return self.pictures[0] if self.pictures else None


class _KioskTree(Treeprocessor):
    """Collects pictures and links, removes pictures from the text and neutralises foreign links."""

    def __init__(self, md: markdown.Markdown, pictures: list[Picture], links: list[str]) -> None:
        super().__init__(md)
        self.pictures = pictures
        self.links = links

    def run(self, root: etree.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for img in list(root.iter("img")):
            self.pictures.append(Picture(img.get("src", ""), img.get("alt", ""), img.get("title", "")))
            _remove_keeping_tail(parents[img], img)
        for link in root.iter("a"):
            href = (link.get("href") or "").strip()
            self.links.append(href)
            if links.parse(href) is None:
                link.tag = "span"
                link.attrib.clear()
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "p" and not len(child) and not (child.text or "").strip():
                    _remove_keeping_tail(parent, child)


def _remove_keeping_tail(parent: etree.Element, child: etree.Element) -> None:
    tail = child.tail or ""
    if tail.strip():
        index = list(parent).index(child)
        if index > 0:
            previous = parent[index - 1]
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(child)


class _KioskExtension(Extension):
    def __init__(self, pictures: list[Picture], links: list[str]) -> None:
        super().__init__()
        self.pictures = pictures
        self.links = links

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_KioskTree(md, self.pictures, self.links), "kiosk", 5)


def sanitize(html: str) -> str:
    """Clean any HTML to the kiosk's allow-list."""
    return _cleaner.clean(html)


def plain_text(html: str) -> str:
    """Readable text of sanitized HTML: one line per block, entities decoded."""
    text = _BLOCK_END.sub("\n", html)
    text = htmllib.unescape(nh3.clean(text, tags=set()))
    text = htmllib.unescape(text)  # nh3 escapes the text it returns
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def _nesting(line: str) -> int:
    """How deeply a line sits inside lists and quotes: its indentation levels plus the markers it starts with."""
    expanded = line.expandtabs(4)
    depth = (len(expanded) - len(expanded.lstrip(" "))) // 4
    position = 0
    while match := _CONTAINER.match(expanded, position):
        depth += 1
        position = match.end()
    return depth


def markdown_problem(source: str) -> tuple[int, str] | None:
    """(line within `source`, counted from 0, and message) for the first limit a text goes over, or None."""
    if len(source) > MAX_MARKDOWN_CHARS:
        return 0, f"the text is too long ({len(source):,} characters; at most {MAX_MARKDOWN_CHARS:,})"
    brackets = 0
    for number, line in enumerate(source.split("\n")):
        brackets += line.count("[")
        if brackets > MAX_MARKDOWN_BRACKETS:
            return number, f"the text has too many '[' (links and pictures; at most {MAX_MARKDOWN_BRACKETS})"
        if line.strip() and _nesting(line) > MAX_MARKDOWN_NESTING:
            return number, f"lists or quotes are nested too deeply (at most {MAX_MARKDOWN_NESTING} levels)"
    return None


_markdown: tuple[markdown.Markdown, list[Picture], list[str]] | None = None


@lru_cache(maxsize=2048)  # validation and import render the same texts; the result is immutable
def render(source: str) -> Rendered:
    """Render one page's or answer's Markdown. Raises `KioskError` for a text over the limits (callers check
    with `markdown_problem` first, so this only guards against a caller that did not)."""
    global _markdown
    problem = markdown_problem(source)
    if problem is not None:
        raise KioskError(f"line {problem[0] + 1}: {problem[1]}")
    if _markdown is None:  # building the parser costs more than using it; build it once, reset it per text
        pictures: list[Picture] = []
        links: list[str] = []
        md = markdown.Markdown(
            extensions=[_KioskExtension(pictures, links), "sane_lists"], output_format="html"
        )
        _markdown = (md, pictures, links)
    md, pictures, links = _markdown
    md.reset()
    pictures.clear()
    links.clear()
    try:
        html = sanitize(md.convert(source)).strip()
    except RecursionError:  # a shape of nesting the limits above do not foresee
        _markdown = None
        raise KioskError("the text is nested too deeply to show") from None
    return Rendered(html=html, plain=plain_text(html), pictures=tuple(pictures), links=tuple(links))

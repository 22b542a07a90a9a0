"""Markdown to the HTML the kiosk shows, and to plain text for search and readability.

Content is not trusted, whoever wrote it. Rendering happens in two steps:

1. Python-Markdown with a small tree processor that takes the page's picture out of the text (the reader shows it
   beside the text, with its caption), and turns every link that is not `page:` or `faq:` into plain text
   (web links are shown, never followed).
2. nh3 (ammonia) cleans the result to a small allow-list: no scripts, iframes, forms, styles, event handlers,
   images or URLs other than `page:` and `faq:`. Whatever step 1 misses, step 2 does not let through.
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
LINK_SCHEMES = ("page:", "faq:")

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={"a": {"href"}},
    url_schemes={"page", "faq"},
    url_relative="deny",
    link_rel=None,
    strip_comments=True,
)
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
            if not href.startswith(LINK_SCHEMES):
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


_markdown: tuple[markdown.Markdown, list[Picture], list[str]] | None = None


@lru_cache(maxsize=2048)  # validation and import render the same texts; the result is immutable
def render(source: str) -> Rendered:
    """Render one page's or answer's Markdown."""
    global _markdown
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
    html = sanitize(md.convert(source)).strip()
    return Rendered(html=html, plain=plain_text(html), pictures=tuple(pictures), links=tuple(links))

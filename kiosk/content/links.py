"""Links between content, read in one place: `page:chapter-id/page-id` and `faq:question-id`.

A page is named by its chapter and its own id, joined as "chapter-id/page-id" (the page's id in links, search
results, revisions and `kiosk screenshot --page`). Anything else a link may hold (a web address) is not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: The link targets the kiosk follows; every other link is shown as plain text.
SCHEMES = ("page:", "faq:")
_PAGE_LINK = re.compile(r"\(page:([a-z0-9-]+/[a-z0-9-]+)\)")


def page_ref(chapter: str, page: str) -> str:
    """A page's full id: "chapter-id/page-id"."""
    return f"{chapter}/{page}"


def split_page_ref(ref: str) -> tuple[str, str]:
    """("chapter-id", "page-id") of a page's full id; the page part is empty for a bare chapter id."""
    chapter, _, page = ref.partition("/")
    return chapter, page


@dataclass(frozen=True)
class Link:
    kind: Literal["page", "faq"]
    target: str  # "chapter-id/page-id", or a question id

    @property
    def chapter(self) -> str:
        return split_page_ref(self.target)[0] if self.kind == "page" else ""

    @property
    def page(self) -> str:
        return split_page_ref(self.target)[1] if self.kind == "page" else ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


def parse(href: str) -> Link | None:
    """The content link an href names, or None for anything else (a web address, an empty link)."""
    href = href.strip()
    if href.startswith("page:"):
        return Link("page", href.removeprefix("page:"))
    if href.startswith("faq:"):
        return Link("faq", href.removeprefix("faq:"))
    return None


def pages_linked(markdown: str) -> tuple[str, ...]:
    """The pages a text links to ("chapter-id/page-id"), in order, read from its Markdown."""
    return tuple(_PAGE_LINK.findall(markdown))

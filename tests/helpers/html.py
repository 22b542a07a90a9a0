"""What may reach the screen, written out here rather than read from the code under test."""

from __future__ import annotations

import re

#: The tags the kiosk's screens may show (docs/ARCHITECTURE.md, "Content"): text, lists, emphasis, quotes, and
#: links that stay inside the kiosk. No pictures in the text, no forms, frames, scripts or styles.
SAFE_TAGS = (
    frozenset({"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "span"})
    | {"a", "h3", "h4"}
    | {"blockquote", "hr", "sup", "sub"}
)
_ATTRIBUTES = re.compile(r"<[a-z0-9]+\s+([^>]*)>")


def assert_safe(html: str) -> None:
    """Fail unless `html` holds only safe tags, no attribute but a link's href, and links only inside the kiosk."""
    tags = {tag.lower() for tag in re.findall(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)", html)}
    assert tags <= SAFE_TAGS, tags - SAFE_TAGS
    for attributes in _ATTRIBUTES.findall(html):
        names = re.findall(r"([a-zA-Z-]+)=", attributes)
        assert set(names) <= {"href"}, attributes
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("page:", "faq:")), href
    for markup in re.findall(r"<[^>]*>", html):  # as text (in a code sample, say) it is harmless
        assert "javascript" not in markup.lower() and "script" not in markup.lower(), markup
    assert "<!--" not in html

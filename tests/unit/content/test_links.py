"""Links between content are read in one place."""

from __future__ import annotations

import pytest

from kiosk.content import links


@pytest.mark.parametrize(
    ("href", "kind", "target", "chapter", "page"),
    [
        ("page:treatment-day/driver", "page", "treatment-day/driver", "treatment-day", "driver"),
        (" faq:can-i-drive ", "faq", "can-i-drive", "", ""),
    ],
)
def test_content_links_are_parsed(href: str, kind: str, target: str, chapter: str, page: str) -> None:
    link = links.parse(href)
    assert link is not None
    assert (link.kind, link.target, link.chapter, link.page) == (kind, target, chapter, page)
    assert str(link) == href.strip()


@pytest.mark.parametrize("href", ["https://example.org", "mailto:a@b.c", "", "pages:x/y", "javascript:faq:x"])
def test_anything_else_is_not_a_content_link(href: str) -> None:
    assert links.parse(href) is None


def test_page_ids_join_and_split_the_same_way() -> None:
    assert links.page_ref("treatment-day", "driver") == "treatment-day/driver"
    assert links.split_page_ref("treatment-day/driver") == ("treatment-day", "driver")
    assert links.split_page_ref("treatment-day") == ("treatment-day", "")


def test_the_pages_a_text_links_to_in_order() -> None:
    text = "See [a](page:one/first), [b](faq:q), [c](https://x.org) and [d](page:two/second)."
    assert links.pages_linked(text) == ("one/first", "two/second")

"""Every picture shows what its words say: a short checklist per picture, checked against the drawing.

The checklists live in `tests/content/pictures/*.yaml` (one file per group of chapters, so writers do not
collide). For each picture:

    response-icon-array.svg:
      drawn:                  # class name in the SVG -> how many elements carry it (counted in the file)
        person: 20
        improved: 10
      alt:                    # phrases every alt text and caption for this picture must contain, per language
        en: ["20 people"]
        es: ["20 personas"]

Counts come from the drawing itself, so a caption that says "6 steps" over a drawing of 5 fails: every number
written in digits in an alt text or caption must be one of the picture's counts or appear in its listed phrases.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk import paths
from kiosk.content.parse import read_content
from kiosk.content.render import Picture, render

CHECKLISTS = Path(__file__).parent / "pictures"
ILLUSTRATIONS = paths.bundled_content_dir() / "illustrations"


def checklists() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(CHECKLISTS.glob("*.yaml")):
        for name, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            assert name not in found, f"{name} has two checklists"
            found[name] = entry
    return found


def uses(name: str) -> list[tuple[str, str, Picture]]:
    """(where, language, picture) for every page that shows the picture `name`."""
    content = read_content(paths.bundled_content_dir())
    return [
        (f"{doc.path}#{section.id}", doc.lang, picture)
        for doc in content.documents
        if doc.kind == "chapter"
        for section in doc.sections
        for picture in render(section.markdown).pictures
        if picture.src == name
    ]


def counts(name: str) -> dict[str, int]:
    root = ElementTree.fromstring((ILLUSTRATIONS / name).read_bytes())
    found: dict[str, int] = {}
    for element in root.iter():
        for token in (element.get("class") or "").split():
            found[token] = found.get(token, 0) + 1
    return found


@pytest.mark.parametrize("name", sorted(checklists()))
def test_picture_words_match_the_drawing(name: str) -> None:
    entry = checklists()[name]
    assert (ILLUSTRATIONS / name).is_file(), f"{name}: no such picture"
    drawn = counts(name)
    for token, expected in (entry.get("drawn") or {}).items():
        assert drawn.get(token, 0) == expected, f"{name}: {drawn.get(token, 0)} elements of class {token!r}"
    places = uses(name)
    assert places, f"{name} is not used by any page"
    allowed_numbers = {str(n) for n in (entry.get("drawn") or {}).values()}
    for where, lang, picture in places:
        phrases = (entry.get("alt") or {}).get(lang) or []
        for words in (picture.alt, picture.caption):
            for phrase in phrases:
                assert phrase.lower() in picture.alt.lower() + " " + picture.caption.lower(), (
                    f"{where}: alt text and caption must say {phrase!r}"
                )
            listed = " ".join(phrases)
            for number in re.findall(r"\d+", words):
                assert number in allowed_numbers or number in listed, (
                    f"{where}: {number!r} in {words!r} is neither counted in the drawing nor listed"
                )

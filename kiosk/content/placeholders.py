"""Clinic facts in content: `{{clinic_phone}}` in a page or answer shows the clinic's current phone number.

A clinic's phone numbers, address and website are settings staff change, never words written into content, so
one content pack serves every clinic and a new number reaches every page at once. Content refers to them by
name; the patient screens fill them in from the settings when they show the text, and a fact the clinic has not
set reads as a kind instruction ("ask the front desk for the number") instead of an empty gap. Write a
placeholder where such a phrase reads well too: after a colon, or alone in a list item.

Validation refuses any name not listed here, so a typo never reaches a patient as raw braces.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping

#: `{{ name }}`: two braces, optional spaces, a lowercase name.
PATTERN = re.compile(r"\{\{\s*([^{}\n]*?)\s*\}\}")

#: Every placeholder content may use: the setting it shows, and what patients read while it is not set.
FALLBACKS: Mapping[str, Mapping[str, str]] = {
    "clinic_name": {"en": "the clinic", "es": "la clínica"},
    "clinic_phone": {
        "en": "ask the front desk for the number",
        "es": "pida el número en la recepción",
    },
    "after_hours_phone": {
        "en": "ask the front desk for the after-hours number",
        "es": "pida en la recepción el número para después del horario de atención",
    },
    "clinic_address": {
        "en": "ask the front desk for the address",
        "es": "pida la dirección en la recepción",
    },
    "clinic_website": {
        "en": "ask the front desk for the website",
        "es": "pida en la recepción la dirección del sitio web",
    },
}
NAMES = frozenset(FALLBACKS)


def find(text: str) -> Iterator[tuple[str, int]]:
    """Each placeholder in `text` as (name, offset of its opening braces)."""
    for match in PATTERN.finditer(text):
        yield match.group(1), match.start()


def unknown(text: str) -> list[str]:
    """Names used in `text` that are not placeholders, in order of appearance."""
    return [name for name, _ in find(text) if name not in NAMES]


def values_for(settings: Mapping[str, object], lang: str) -> dict[str, str]:
    """What each placeholder reads as in `lang`, given the clinic's settings (unset facts fall back)."""
    values = {}
    for name, fallback in FALLBACKS.items():
        current = settings.get(name)
        text = current.strip() if isinstance(current, str) else ""
        values[name] = text or fallback.get(lang) or fallback["en"]
    return values


def fill(text: str, values: Mapping[str, str], *, escape: bool) -> str:
    """`text` with every known placeholder replaced (HTML-escaped when `text` is HTML); unknown ones stay."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return match.group(0)
        return html.escape(value, quote=False) if escape else value

    return PATTERN.sub(replace, text) if "{{" in text else text

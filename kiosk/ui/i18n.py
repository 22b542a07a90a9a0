"""The catalogue of UI strings (not content) in every language the kiosk offers.

A string that counts something has a form per plural category, chosen by its `count` value:

    idle.body:
      en: {one: "... in {count} second.", other: "... in {count} seconds."}
"""

from __future__ import annotations

import re
from functools import cache

import yaml

from kiosk import paths

CATALOGUE = paths.resources_dir() / "i18n" / "strings.yaml"
Text = str | dict[str, str]


@cache
def catalogue() -> dict[str, dict[str, Text]]:
    # libyaml's loader where PyYAML has it: the pure-Python one took a tenth of the kiosk's cold start.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(CATALOGUE.read_text(encoding="utf-8"), Loader=loader)
    result: dict[str, dict[str, Text]] = {}
    for key, texts in data.items():
        result[str(key)] = {
            str(lang): {str(k): str(v) for k, v in text.items()} if isinstance(text, dict) else str(text)
            for lang, text in texts.items()
        }
    return result


def plural_category(lang: str, count: int) -> str:
    """CLDR plural category for a whole number. English and Spanish: "one" for 1, "other" otherwise."""
    return "one" if abs(count) == 1 else "other"


def tr(key: str, lang: str, **values: object) -> str:
    """The string for `key` in `lang` (English if missing), with `{name}` placeholders filled and, for a string
    with plural forms, the form that agrees with `count`."""
    texts = catalogue()[key]
    text = texts.get(lang) or texts["en"]
    if isinstance(text, dict):
        count = values.get("count")
        form = plural_category(lang, count) if isinstance(count, int) else "other"
        text = text.get(form) or text["other"]
    return text.format(**values) if values else text


@cache
def _phrases(prefix: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, texts in catalogue().items():
        english = texts.get("en")
        if key.startswith(prefix) and isinstance(english, str):
            found[english] = key
    return found


@cache
def _patterns(prefix: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Entries whose English has `{name}` places (a message with a number or a name in it), as patterns that
    match the English once the places are filled: one per plural form."""
    found: list[tuple[re.Pattern[str], str]] = []
    for key, texts in catalogue().items():
        english = texts.get("en")
        forms = english.values() if isinstance(english, dict) else [english] if english else []
        for form in forms if key.startswith(prefix) else ():
            parts = re.split(r"{(\w+)}", form)
            if len(parts) < 3 or not "".join(parts[::2]).strip():
                continue  # no place to fill, or nothing but places: it would match any text at all
            pattern = "".join(
                re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts)
            )
            found.append((re.compile(pattern, re.DOTALL), key))
    return tuple(found)


def phrase(english: str, lang: str, prefix: str = "console.") -> str:
    """`english` in `lang`, for text the staff console makes in English: the catalogue entry (under `prefix`)
    whose English it is, or whose English it is once its `{name}` places are filled (numbers agreeing in the
    other language too); or the text as it is when there is none (content: titles, file names)."""
    key = _phrases(prefix).get(english)
    if key is not None:
        return tr(key, lang)
    if lang == "en" or not english:
        return english
    for pattern, key in _patterns(prefix):
        match = pattern.fullmatch(english)
        if match is not None:
            values: dict[str, object] = {
                name: int(value)
                if value.isdigit()
                else phrase(value, lang, prefix)
                if value in _phrases(prefix)
                else value
                for name, value in match.groupdict().items()
            }
            return tr(key, lang, **values)
    return english

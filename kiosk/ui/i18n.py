"""The catalogue of UI strings (not content) in every language the kiosk offers."""

from __future__ import annotations

from functools import cache

import yaml

from kiosk import paths

CATALOGUE = paths.resources_dir() / "i18n" / "strings.yaml"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {str(key): {str(lang): str(text) for lang, text in texts.items()} for key, texts in data.items()}


def tr(key: str, lang: str, **values: object) -> str:
    """The string for `key` in `lang` (English if missing), with `{name}` placeholders filled."""
    texts = catalogue()[key]
    text = texts.get(lang) or texts["en"]
    return text.format(**values) if values else text

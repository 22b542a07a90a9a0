"""The clinic's settings, declared once: key, kind, default, limits and what each one means.

The values live in the database (`kiosk.services.settings` reads and writes them); `content/site.yaml` supplies a
clinic's starting values. Everything that accepts a setting from outside goes through `coerce`, so a bad value
is refused with one clear line instead of reaching the screen.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from kiosk.errors import KioskError

Kind = Literal["text", "localized", "int", "bool", "languages", "language", "asset"]

#: Languages the kiosk has UI strings for. Content may be missing in one; it then falls back to the first.
SUPPORTED_LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
#: Characters a Take this home code carries as text: it still scans from arm's length at 35 mm and more. A chapter's
#: `take_home_text` is held to it (the code also carries the title, the clinic's phone and the crisis line).
MAX_TAKE_HOME = 600


#: A phone number as people write one: digits with spaces, dots, dashes, brackets, a leading + and an extension.
PHONE = r"\+?[0-9(][0-9 .()\-]{2,24}(\s*(ext\.?|x)\s*[0-9]{1,6})?"


@dataclass(frozen=True)
class Setting:
    key: str
    kind: Kind
    default: object
    description: str
    minimum: int | None = None
    maximum: int | None = None
    #: For text: a regular expression the whole value must match (when not empty), and what to say if not.
    pattern: str | None = None
    pattern_hint: str = ""


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "clinic_name", "text", "Ketamine Treatment Center", "The clinic's name, shown on every screen."
        ),
        Setting("clinic_logo", "asset", "", "A picture shown instead of the name (stored as an asset)."),
        Setting(
            "clinic_phone",
            "text",
            "",
            "The clinic's phone number, shown wherever content says {{clinic_phone}}.",
            pattern=PHONE,
            pattern_hint="a phone number: digits, spaces, + - ( ) and 'ext'",
        ),
        Setting(
            "after_hours_phone",
            "text",
            "",
            "Who to call when the clinic is closed, shown wherever content says {{after_hours_phone}}.",
            pattern=PHONE,
            pattern_hint="a phone number: digits, spaces, + - ( ) and 'ext'",
        ),
        Setting(
            "clinic_address",
            "text",
            "",
            "The clinic's street address, shown wherever content says {{clinic_address}}.",
        ),
        Setting(
            "clinic_website",
            "text",
            "",
            "The clinic's website, shown as text wherever content says {{clinic_website}} (never opened).",
        ),
        Setting(
            "take_home_url",
            "text",
            "",
            "The web address of each topic on the clinic's website, for take-home QR codes: {id} stands for the "
            "chapter or question id, {lang} for the language (https://clinic.example/learn/{lang}/{id}). Empty: "
            "the code carries a short text summary instead.",
            pattern=r"https://[^\s{}]+(\{(id|lang)\}[^\s{}]*)*",
            pattern_hint="a web address starting https:// with {id} (and {lang}) where they go",
        ),
        Setting(
            "crisis_line",
            "localized",
            {
                "en": "In crisis? Call or text 988",
                "es": "¿Está en crisis? Llame al 988 y marque el 2, o envíe AYUDA al 988",
            },
            "The crisis line shown in the footer of every screen, per language.",
        ),
        Setting(
            "languages", "languages", ["en", "es"], "Languages offered to patients; the first is the default."
        ),
        Setting(
            "idle_seconds",
            "int",
            90,
            "Seconds without a touch before the 'are you still there?' warning.",
            20,
            900,
        ),
        Setting(
            "countdown_seconds",
            "int",
            30,
            "Seconds the warning counts down before the session resets.",
            20,
            120,
        ),
        Setting(
            "attract_seconds", "int", 8, "Seconds each picture of the attract loop stays on screen.", 3, 60
        ),
        Setting("backup_keep", "int", 14, "How many automatic backups to keep.", 1, 365),
        Setting(
            "review_months",
            "int",
            24,
            "Months after which a chapter's or an answer's clinical review is flagged as due.",
            1,
            60,
        ),
        Setting(
            "allow_self_review",
            "bool",
            False,
            "Whether a reviewer may publish a change to medical text they wrote themselves (a second person "
            "checks it otherwise).",
        ),
        Setting(
            "allow_unsigned_packs",
            "bool",
            False,
            "Whether a kiosk that joined a clinic group's hub still imports USB packs nobody signed (a pack "
            "signed by another key is always refused). Never changed by a pack or a release.",
        ),
    )
}


def _one_line(key: str, text: str) -> str:
    """`text` as one line for the screen: runs of spaces, tabs and line breaks become one space; other control
    characters (which a screen cannot show and a report could be faked with) are refused."""
    text = " ".join(text.split())
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise KioskError(f"setting {key} contains control characters; type it again")
    return text


def coerce(key: str, value: object) -> object:
    """Return `value` in the canonical form for setting `key`, or raise `KioskError` saying what is wrong."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise KioskError(f"unknown setting {key!r}")
    if setting.kind in ("text", "asset"):
        if value is None:
            return ""
        if not isinstance(value, str):
            raise KioskError(f"setting {key} must be text")
        text = _one_line(key, value)
        if len(text) > 200:
            raise KioskError(f"setting {key} is too long (at most 200 characters)")
        if text and setting.pattern and not re.fullmatch(setting.pattern, text, re.IGNORECASE):
            raise KioskError(f"setting {key} must be {setting.pattern_hint}, not {text!r}")
        if sum(ch.isdigit() for ch in text) > 15 and setting.pattern == PHONE:
            raise KioskError(f"setting {key} has too many digits for a phone number")
        return text
    if setting.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise KioskError(f"setting {key} must be a whole number")
        try:
            number = int(value)
        except ValueError:
            raise KioskError(f"setting {key} must be a whole number, not {value!r}") from None
        low, high = setting.minimum, setting.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise KioskError(f"setting {key} must be between {low} and {high}")
        return number
    if setting.kind == "bool":
        if isinstance(value, bool):
            return value
        words = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
        if isinstance(value, str) and value.strip().lower() in words:
            return words[value.strip().lower()]
        raise KioskError(f"setting {key} must be yes or no")
    if setting.kind == "languages":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            raise KioskError(f"setting {key} must list at least one language")
        langs = [str(item).strip() for item in items]
        unknown = [lang for lang in langs if lang not in SUPPORTED_LANGUAGES]
        if unknown:
            raise KioskError(
                f"unsupported language {unknown[0]!r} (the kiosk offers {', '.join(SUPPORTED_LANGUAGES)})"
            )
        return list(dict.fromkeys(langs))
    if setting.kind == "localized":
        if isinstance(value, str):
            value = dict.fromkeys(SUPPORTED_LANGUAGES, value)
        if not isinstance(value, dict):
            raise KioskError(f"setting {key} must give a text per language")
        result: dict[str, str] = {}
        for lang, text in value.items():
            if lang not in SUPPORTED_LANGUAGES:
                raise KioskError(f"setting {key}: unsupported language {lang!r}")
            if not isinstance(text, str) or not text.strip():
                raise KioskError(f"setting {key}: the {LANGUAGE_NAMES[lang]} text is empty")
            if len(text) > 120:
                raise KioskError(f"setting {key}: the {LANGUAGE_NAMES[lang]} text is too long (at most 120)")
            result[lang] = _one_line(key, text)
        return result
    raise AssertionError(f"unhandled setting kind {setting.kind}")  # pragma: no cover


def default(key: str) -> object:
    return SETTINGS[key].default

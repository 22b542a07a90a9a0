"""The clinic's settings as one frozen snapshot, and changing them (each change is a revision)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.config import SETTINGS, coerce
from kiosk.content import placeholders
from kiosk.db.lite import Db, all_settings, get_setting, put_setting
from kiosk.errors import KioskError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kiosk.services.auth import Account


@dataclass(frozen=True)
class SiteSettings:
    clinic_name: str
    clinic_logo: str
    clinic_phone: str
    after_hours_phone: str
    clinic_address: str
    clinic_website: str
    take_home_url: str
    crisis_line: dict[str, str] = field(hash=False)
    languages: tuple[str, ...]
    idle_seconds: int
    countdown_seconds: int
    attract_seconds: int
    backup_keep: int
    review_months: int
    allow_self_review: bool
    allow_unsigned_packs: bool

    def crisis_text(self, lang: str) -> str:
        return self.crisis_line.get(lang) or next(iter(self.crisis_line.values()), "")

    def placeholder_values(self, lang: str) -> dict[str, str]:
        """What each `{{placeholder}}` in content reads as for patients in `lang`."""
        return placeholders.values_for(vars(self), lang)


def _value(stored: dict[str, Any], key: str) -> Any:
    if key in stored:
        try:
            return coerce(key, stored[key])
        except KioskError:  # a bad stored value must never stop the kiosk: fall back to the default
            pass
    return SETTINGS[key].default


def settings_from(stored: dict[str, Any]) -> SiteSettings:
    values = {key: _value(stored, key) for key in SETTINGS}
    values["languages"] = tuple(values["languages"])
    return SiteSettings(**values)


def load_settings(db: Db) -> SiteSettings:
    return settings_from({k: v for k, v in all_settings(db).items() if not k.startswith("_")})


def update_settings(session: Session, changes: dict[str, object], *, by: Account) -> SiteSettings:
    """Check and store several settings as one undoable change by `by` (an admin); raises `KioskError` naming a
    bad value, and then stores nothing."""
    by.require("admin", "change settings")
    # The staff side only: the patient kiosk never loads SQLAlchemy to read settings.
    from kiosk.content import history
    from kiosk.content.state import Key

    cleaned = {key: coerce(key, value) for key, value in changes.items()}
    stored = all_settings(session)
    changed = {key: value for key, value in cleaned.items() if stored.get(key) != value}
    if changed:
        history.record(
            session,
            "settings",
            "settings: " + ", ".join(sorted(changed)),
            [(Key("setting", key), {"value": value}) for key, value in changed.items()],
            author=by.name,
        )
    return load_settings(session)


def internal(db: Db, key: str) -> Any:
    """A value the program keeps for itself (keys starting with '_'), never exported or shown."""
    return get_setting(db, key)


def set_internal(db: Db, key: str, value: Any) -> None:
    if not key.startswith("_"):
        raise ValueError("internal keys start with '_'")
    put_setting(db, key, value)


#: The clinic group this kiosk belongs to, as `kiosk hub join` stored it: the hub's address, the group, the
#: kiosk's name and the group's public key. Internal: never exported, never shown to patients.
HUB_LINK_KEY = "_hub_link"


def trusted_key(db: Db) -> str | None:
    """The group's public key this kiosk pinned when it joined a hub (None: it trusts any valid signature)."""
    link = get_setting(db, HUB_LINK_KEY)
    key = link.get("key") if isinstance(link, dict) else None
    return key if isinstance(key, str) else None


#: Settings that decide what the kiosk trusts: only its own admin changes them, never a pack or a release.
TRUST_SETTINGS = frozenset({"allow_unsigned_packs"})


def unsigned_packs_allowed(db: Db) -> bool:
    """Whether an admin allowed unsigned packs on a kiosk that has pinned its group's key."""
    return load_settings(db).allow_unsigned_packs

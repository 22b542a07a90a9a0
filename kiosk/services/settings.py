"""The clinic's settings as one frozen snapshot, and changing them (each change is a revision)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.config import SETTINGS, coerce
from kiosk.db.models import ChangeSet, Revision, SettingValue


@dataclass(frozen=True)
class SiteSettings:
    clinic_name: str
    clinic_logo: str
    crisis_line: dict[str, str] = field(hash=False)
    languages: tuple[str, ...]
    idle_seconds: int
    countdown_seconds: int
    attract_seconds: int
    backup_keep: int
    review_months: int

    def crisis_text(self, lang: str) -> str:
        return self.crisis_line.get(lang) or next(iter(self.crisis_line.values()), "")


def _value(stored: dict[str, Any], key: str) -> Any:
    if key in stored:
        try:
            return coerce(key, stored[key])
        except Exception:  # a bad stored value must never stop the kiosk: fall back to the default
            pass
    return SETTINGS[key].default


def load_settings(session: Session) -> SiteSettings:
    stored = {
        row.key: row.value for row in session.scalars(select(SettingValue)) if not row.key.startswith("_")
    }
    values = {key: _value(stored, key) for key in SETTINGS}
    values["languages"] = tuple(values["languages"])
    return SiteSettings(**values)


def update_settings(session: Session, changes: dict[str, object]) -> SiteSettings:
    """Check and store several settings as one undoable change; raises `KioskError` naming a bad value."""
    cleaned = {key: coerce(key, value) for key, value in changes.items()}
    changeset = ChangeSet(kind="settings", summary="settings: " + ", ".join(sorted(cleaned)))
    for key, value in cleaned.items():
        row = session.get(SettingValue, key)
        before = row.value if row is not None else None
        if before == value:
            continue
        changeset.revisions.append(
            Revision(
                item_kind="setting",
                item_key=key,
                before=None if row is None else {"value": before},
                after={"value": value},
            )
        )
        if row is None:
            session.add(SettingValue(key=key, value=value))
        else:
            row.value = value
    if changeset.revisions:
        session.add(changeset)
    session.flush()
    return load_settings(session)


def internal(session: Session, key: str) -> Any:
    """A value the program keeps for itself (keys starting with '_'), never exported or shown."""
    row = session.get(SettingValue, key)
    return row.value if row is not None else None


def set_internal(session: Session, key: str, value: Any) -> None:
    if not key.startswith("_"):
        raise ValueError("internal keys start with '_'")
    row = session.get(SettingValue, key)
    if row is None:
        session.add(SettingValue(key=key, value=value))
    else:
        row.value = value
    session.flush()

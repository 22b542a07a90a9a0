"""The staff PIN: stored only as a salted scrypt hash; wrong tries lock the keypad for a growing time.

The lockout is kept in the database, so restarting the kiosk does not reset it, and in memory as well
(`PinGuard`), so a disk that cannot be written (read-only, full, or held by another program) neither stops staff
logging in nor lets a guesser try for ever. A PIN is never logged and never stored in clear.

What makes up the staff's credentials is said once, in `CREDENTIAL_KEYS` and `carry_credentials`, so a restore
can keep the running kiosk's credentials whatever a backup holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from kiosk.db import lite
from kiosk.db.lite import Db, delete_setting
from kiosk.errors import AuthError, KioskError
from kiosk.services.settings import internal, set_internal

log = logging.getLogger(__name__)

PIN_KEY = "_pin"
ATTEMPTS_KEY = "_pin_attempts"
#: Everything that lets staff in: the PIN and its lockout (named staff accounts will add theirs).
CREDENTIAL_KEYS = (PIN_KEY, ATTEMPTS_KEY)
MIN_DIGITS, MAX_DIGITS = 4, 8
FREE_TRIES = 5
LOCK_SECONDS = 30  # after the 5th wrong PIN; doubles with every further wrong PIN, up to an hour
MAX_LOCK_SECONDS = 3600
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
DIGITS = frozenset("0123456789")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _hash(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def check_pin_format(pin: str) -> str:
    """The PIN as the keypad can type it: 0-9 only (not other scripts' digits), 4 to 8 of them, not trivial."""
    pin = pin.strip()
    if not pin or not set(pin) <= DIGITS or not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise KioskError(f"the PIN must be {MIN_DIGITS} to {MAX_DIGITS} of the digits 0-9")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise KioskError("that PIN is too easy to guess; choose digits that do not repeat or run in order")
    return pin


def has_pin(db: Db) -> bool:
    return internal(db, PIN_KEY) is not None


def set_pin(db: Db, pin: str) -> None:
    pin = check_pin_format(pin)
    salt = secrets.token_bytes(16)
    digest = _hash(pin, salt, **SCRYPT)
    set_internal(db, PIN_KEY, {"scheme": "scrypt", **SCRYPT, "salt": salt.hex(), "hash": digest.hex()})
    set_internal(db, ATTEMPTS_KEY, Lockout(0, None).as_setting())


def carry_credentials(source: Db, target: Db) -> bool:
    """Make `target`'s staff credentials exactly `source`'s (in the caller's transaction on `target`).

    A restore uses this to keep the running kiosk's PIN and lockout whatever the backup holds. Returns whether
    `source` has a PIN at all.
    """
    for key in CREDENTIAL_KEYS:
        value = internal(source, key)
        if value is None:
            delete_setting(target, key)
        else:
            set_internal(target, key, value)
    return has_pin(source)


@dataclass(frozen=True)
class Lockout:
    failures: int
    locked_until: dt.datetime | None

    @classmethod
    def from_setting(cls, value: Any) -> Lockout:
        """The stored lockout; a value that makes no sense counts as no lockout rather than stopping the kiosk."""
        if not isinstance(value, dict):
            return cls(0, None)
        try:
            failures = max(0, int(value.get("failures", 0)))
            until = value.get("locked_until")
            return cls(failures, dt.datetime.fromisoformat(until) if until else None)
        except (TypeError, ValueError):
            return cls(0, None)

    def as_setting(self) -> dict[str, Any]:
        return {
            "failures": self.failures,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }

    def capped(self, now: dt.datetime) -> Lockout:
        """No lockout lasts longer than the longest one from now (a clock that was ahead set it too far)."""
        latest = now + dt.timedelta(seconds=MAX_LOCK_SECONDS)
        if self.locked_until is not None and self.locked_until > latest:
            return Lockout(self.failures, latest)
        return self

    def seconds_left(self, now: dt.datetime) -> int:
        if self.locked_until is None or now >= self.locked_until:
            return 0
        return min(math.ceil((self.locked_until - now).total_seconds()), MAX_LOCK_SECONDS)

    def after(self, right: bool, now: dt.datetime) -> Lockout:
        """The lockout after one try."""
        if right:
            return Lockout(0, None)
        failures = self.failures + 1
        if failures < FREE_TRIES:
            return Lockout(failures, None)
        seconds = min(LOCK_SECONDS * 2 ** min(failures - FREE_TRIES, 20), MAX_LOCK_SECONDS)
        return Lockout(failures, now + dt.timedelta(seconds=seconds))


def lockout(db: Db, now: dt.datetime | None = None) -> Lockout:
    return Lockout.from_setting(internal(db, ATTEMPTS_KEY)).capped(now or utcnow())


def _stored_pin(db: Db) -> dict[str, Any]:
    stored = internal(db, PIN_KEY)
    if not isinstance(stored, dict):
        raise AuthError("no staff PIN is set: run 'kiosk pin set' first")
    return stored


def _matches(stored: dict[str, Any], pin: str) -> bool:
    try:
        candidate = _hash(pin.strip(), bytes.fromhex(stored["salt"]), stored["n"], stored["r"], stored["p"])
        return hmac.compare_digest(candidate, bytes.fromhex(stored["hash"]))
    except (KeyError, TypeError, ValueError):
        log.error("the stored staff PIN is not readable; set it again with 'kiosk pin set'")
        return False


def _refuse_while_locked(state: Lockout, now: dt.datetime) -> None:
    wait = state.seconds_left(now)
    if wait:
        raise AuthError(f"too many wrong PINs: try again in {wait} seconds")


def verify_pin(db: Db, pin: str, now: dt.datetime | None = None) -> bool:
    """True for the right PIN, with the lockout read from and written to the database (in the caller's
    transaction). Raises `AuthError` while locked out or when no PIN is set."""
    now = now or utcnow()
    stored = _stored_pin(db)
    state = lockout(db, now)
    _refuse_while_locked(state, now)
    state = state.after(_matches(stored, pin), now)
    set_internal(db, ATTEMPTS_KEY, state.as_setting())
    return state.failures == 0


class PinGuard:
    """The keypad's PIN check in the running kiosk, which must work whatever the disk does.

    The lockout lives in memory and is saved to the database after every try; the save never waits for another
    program's lock, and a save that fails (read-only or full disk) is only logged: the lockout still holds, in
    memory, until the kiosk restarts. What the database says is taken over only when another program changed it
    (`kiosk pin set` clears the lockout) or at the first check.
    """

    def __init__(self) -> None:
        self._state = Lockout(0, None)
        self._seen: tuple[Any, Any] | None = None  # the stored (PIN, lockout) last read or written
        self.unsaved: str | None = None  # why the last save failed, for staff

    def _current(self, db: sqlite3.Connection, now: dt.datetime) -> Lockout:
        stored = (internal(db, PIN_KEY), internal(db, ATTEMPTS_KEY))
        if stored != self._seen:
            self._seen = stored
            self._state = Lockout.from_setting(stored[1])
        capped = self._state.capped(now)
        if capped != self._state:  # set while the clock was ahead: hold it to the longest lockout from now
            self._state = capped
            self._save(db)
        return self._state

    def seconds_left(self, db: sqlite3.Connection, now: dt.datetime | None = None) -> int:
        now = now or utcnow()
        return self._current(db, now).seconds_left(now)

    def verify(self, db: sqlite3.Connection, pin: str, now: dt.datetime | None = None) -> bool:
        """True for the right PIN; raises `AuthError` while locked out or when no PIN is set."""
        now = now or utcnow()
        stored = _stored_pin(db)
        state = self._current(db, now)
        _refuse_while_locked(state, now)
        self._state = state.after(_matches(stored, pin), now)
        self._save(db)
        return self._state.failures == 0

    def _save(self, db: sqlite3.Connection) -> None:
        value = self._state.as_setting()
        try:
            with lite.write_now(db):  # a PIN check never waits for another program's write
                set_internal(db, ATTEMPTS_KEY, value)
        except sqlite3.Error as error:
            known = lite.describe_error(error)
            self.unsaved = str(known or error)
            log.warning("the PIN lockout is kept in memory only: %s", self.unsaved)
            return
        self.unsaved = None
        self._seen = (self._seen[0] if self._seen else None, value)

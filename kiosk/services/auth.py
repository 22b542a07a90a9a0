"""The staff PIN: stored only as a salted scrypt hash; wrong tries lock the keypad for a growing time.

The lockout is kept in the database, so restarting the kiosk does not reset it. A PIN is never logged and never
stored in clear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass

from kiosk.db.lite import Db
from kiosk.errors import AuthError, KioskError
from kiosk.services.settings import internal, set_internal

PIN_KEY = "_pin"
ATTEMPTS_KEY = "_pin_attempts"
MIN_DIGITS, MAX_DIGITS = 4, 8
FREE_TRIES = 5
LOCK_SECONDS = 30  # after the 5th wrong PIN; doubles with every further wrong PIN, up to an hour
MAX_LOCK_SECONDS = 3600
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _hash(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def check_pin_format(pin: str) -> str:
    pin = pin.strip()
    if not pin.isdigit() or not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise KioskError(f"the PIN must be {MIN_DIGITS} to {MAX_DIGITS} digits")
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
    set_internal(db, ATTEMPTS_KEY, {"failures": 0, "locked_until": None})


@dataclass(frozen=True)
class Lockout:
    failures: int
    locked_until: dt.datetime | None

    def seconds_left(self, now: dt.datetime) -> int:
        if self.locked_until is None or now >= self.locked_until:
            return 0
        return math.ceil((self.locked_until - now).total_seconds())


def lockout(db: Db) -> Lockout:
    state = internal(db, ATTEMPTS_KEY) or {}
    until = state.get("locked_until")
    return Lockout(int(state.get("failures", 0)), dt.datetime.fromisoformat(until) if until else None)


def verify_pin(db: Db, pin: str, now: dt.datetime | None = None) -> bool:
    """True for the right PIN. Raises `AuthError` while locked out or when no PIN is set."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    stored = internal(db, PIN_KEY)
    if stored is None:
        raise AuthError("no staff PIN is set: run 'kiosk pin set' first")
    state = lockout(db)
    wait = state.seconds_left(now)
    if wait:
        raise AuthError(f"too many wrong PINs: try again in {wait} seconds")
    candidate = _hash(pin.strip(), bytes.fromhex(stored["salt"]), stored["n"], stored["r"], stored["p"])
    if hmac.compare_digest(candidate, bytes.fromhex(stored["hash"])):
        set_internal(db, ATTEMPTS_KEY, {"failures": 0, "locked_until": None})
        return True
    failures = state.failures + 1
    locked_until = None
    if failures >= FREE_TRIES:
        seconds = min(LOCK_SECONDS * 2 ** (failures - FREE_TRIES), MAX_LOCK_SECONDS)
        locked_until = (now + dt.timedelta(seconds=seconds)).isoformat()
    set_internal(db, ATTEMPTS_KEY, {"failures": failures, "locked_until": locked_until})
    return False

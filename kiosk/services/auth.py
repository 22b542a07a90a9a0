"""Staff accounts: named people with roles, each with a PIN stored only as a salted scrypt hash.

Roles: an ``editor`` edits and saves drafts; a ``reviewer`` (a clinician) also marks content reviewed and
publishes changes to medical text; an ``admin`` also manages accounts, settings, packs, backups and leaving the
kiosk. Wrong PINs lock that account's keypad for a growing time.

The lockout is kept in the database, so restarting the kiosk does not reset it, and in memory as well
(`PinGuard`), so a disk that cannot be written (read-only, full, or held by another program) neither stops staff
logging in nor lets a guesser try for ever. A PIN is never logged and never stored in clear.

Everything here is plain SQL through `kiosk.db.lite`, so the patient kiosk (sqlite3) and the staff tools and
command line (SQLAlchemy sessions) share it. What makes up the staff's credentials is said once, in
`carry_credentials`, so a restore keeps the running kiosk's accounts whatever a backup holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from kiosk.db import lite
from kiosk.db.lite import Db, decode, execute, query
from kiosk.errors import AuthError, KioskError

log = logging.getLogger(__name__)

ROLES = ("editor", "reviewer", "admin")
#: What each right needs: any one of these roles.
RIGHTS: dict[str, frozenset[str]] = {
    "edit": frozenset(ROLES),
    "review": frozenset({"reviewer"}),
    "admin": frozenset({"admin"}),
}
#: Name given to the account that `kiosk pin set` makes when there is none (and to the single PIN of old).
FIRST_ADMIN = "Administrator"
MIN_DIGITS, MAX_DIGITS = 4, 8
FREE_TRIES = 5
LOCK_SECONDS = 30  # after the 5th wrong PIN; doubles with every further wrong PIN, up to an hour
MAX_LOCK_SECONDS = 3600
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
DIGITS = frozenset("0123456789")
MAX_NAME = 80


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


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise KioskError("give the person's name")
    if len(name) > MAX_NAME:
        raise KioskError(f"the name is too long (at most {MAX_NAME} characters)")
    if any(not ch.isprintable() for ch in name):
        raise KioskError("the name holds characters that cannot be shown")
    return name


def check_roles(roles: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(role.strip().lower() for role in roles if role.strip()))
    unknown = [role for role in cleaned if role not in ROLES]
    if unknown:
        raise KioskError(f"unknown role {unknown[0]!r}: choose from {', '.join(ROLES)}")
    if not cleaned:
        raise KioskError(f"give at least one role: {', '.join(ROLES)}")
    return tuple(role for role in ROLES if role in cleaned)


def _pin_record(pin: str) -> dict[str, Any]:
    pin = check_pin_format(pin)
    salt = secrets.token_bytes(16)
    return {"scheme": "scrypt", **SCRYPT, "salt": salt.hex(), "hash": _hash(pin, salt, **SCRYPT).hex()}


@dataclass(frozen=True)
class Account:
    """A member of staff as the console knows them: a name and roles (never the PIN)."""

    name: str
    roles: tuple[str, ...]
    #: False for the command line, which acts for whoever has the database file rather than for a person.
    person: bool = True

    def can(self, right: str) -> bool:
        return bool(RIGHTS[right] & set(self.roles))

    def require(self, right: str, doing: str) -> None:
        """Raise `AuthError` naming the role needed, unless this account may do it."""
        if not self.can(right):
            needed = " or ".join(sorted(RIGHTS[right]))
            raise AuthError(f"{self.name} cannot {doing}: that needs the {needed} role")


#: Who makes a change from a terminal: the machine's own user has the file anyway, so it may do everything.
COMMAND_LINE = Account("command line", ROLES, person=False)


def _row_account(name: Any, roles: Any) -> Account:
    listed = decode(roles)
    return Account(str(name), tuple(r for r in ROLES if isinstance(listed, list) and r in listed))


def list_accounts(db: Db) -> list[Account]:
    rows = query(db, "SELECT name, roles FROM staff_accounts ORDER BY lower(name)")
    return [_row_account(name, roles) for name, roles in rows]


def find_account(db: Db, name: str) -> Account | None:
    rows = query(
        db,
        "SELECT name, roles FROM staff_accounts WHERE lower(name) = lower(:name)",
        {"name": " ".join(name.split())},
    )
    return _row_account(*rows[0]) if rows else None


def has_accounts(db: Db) -> bool:
    return bool(query(db, "SELECT 1 FROM staff_accounts LIMIT 1"))


def _admins(db: Db) -> list[Account]:
    return [account for account in list_accounts(db) if "admin" in account.roles]


def add_account(db: Db, name: str, roles: list[str] | tuple[str, ...], pin: str) -> Account:
    """A new account; raises `KioskError` for a bad name, role or PIN, or a name already taken."""
    name, cleaned, record = check_name(name), check_roles(roles), _pin_record(pin)
    if find_account(db, name) is not None:
        raise KioskError(f"there is already an account called {name}")
    execute(
        db,
        "INSERT INTO staff_accounts (name, roles, pin, failures, locked_until, created_at) "
        "VALUES (:name, :roles, :pin, 0, NULL, :now)",
        {"name": name, "roles": json.dumps(list(cleaned)), "pin": json.dumps(record), "now": lite.now_text()},
    )
    log.info("staff account added: %s (%s)", name, ", ".join(cleaned))
    return Account(name, cleaned)


def _require_account(db: Db, name: str) -> Account:
    account = find_account(db, name)
    if account is None:
        raise KioskError(f"there is no account called {' '.join(name.split())}")
    return account


def set_roles(db: Db, name: str, roles: list[str] | tuple[str, ...]) -> Account:
    account = _require_account(db, name)
    cleaned = check_roles(roles)
    if "admin" in account.roles and "admin" not in cleaned and len(_admins(db)) == 1:
        raise KioskError(f"{account.name} is the only admin: make someone else an admin first")
    execute(
        db,
        "UPDATE staff_accounts SET roles = :roles WHERE name = :name",
        {"roles": json.dumps(list(cleaned)), "name": account.name},
    )
    return Account(account.name, cleaned)


def remove_account(db: Db, name: str) -> Account:
    """Remove an account; the last admin cannot be removed (nobody could manage the kiosk then)."""
    account = _require_account(db, name)
    if "admin" in account.roles and len(_admins(db)) == 1:
        raise KioskError(f"{account.name} is the only admin: add another admin before removing this one")
    execute(db, "DELETE FROM staff_accounts WHERE name = :name", {"name": account.name})
    log.info("staff account removed: %s", account.name)
    return account


def set_account_pin(db: Db, name: str, pin: str) -> None:
    """A new PIN for an account (its lockout is cleared)."""
    account = _require_account(db, name)
    execute(
        db,
        "UPDATE staff_accounts SET pin = :pin, failures = 0, locked_until = NULL WHERE name = :name",
        {"pin": json.dumps(_pin_record(pin)), "name": account.name},
    )


def set_pin(db: Db, pin: str) -> Account:
    """`kiosk pin set`: the PIN of the first admin, made as "Administrator" if the kiosk has no admin yet."""
    admins = _admins(db)
    if not admins:
        return add_account(db, FIRST_ADMIN, ["admin", "reviewer"], pin)
    set_account_pin(db, admins[0].name, pin)
    return admins[0]


def has_pin(db: Db) -> bool:
    """Whether anybody can log in at all."""
    return has_accounts(db)


# --- credentials across a restore --------------------------------------------------------------------------------

_ACCOUNT_COLUMNS = ("name", "roles", "pin", "failures", "locked_until", "created_at")


def carry_credentials(source: Db, target: Db) -> bool:
    """Make `target`'s staff accounts exactly `source`'s: names, roles, PINs and lockouts (in the caller's
    transaction on `target`). A restore uses this to keep the running kiosk's accounts whatever the backup holds.
    Returns whether `source` has any account at all."""
    columns = ", ".join(_ACCOUNT_COLUMNS)
    rows = query(source, f"SELECT {columns} FROM staff_accounts ORDER BY id")
    execute(target, "DELETE FROM staff_accounts")
    execute(
        target,
        f"INSERT INTO staff_accounts ({columns}) VALUES ({', '.join(':' + c for c in _ACCOUNT_COLUMNS)})",
        [dict(zip(_ACCOUNT_COLUMNS, row, strict=True)) for row in rows],
    )
    return bool(rows)


# --- checking a PIN ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    failures: int
    locked_until: dt.datetime | None

    @classmethod
    def stored(cls, failures: Any, locked_until: Any) -> Lockout:
        """The stored lockout; a value that makes no sense counts as no lockout rather than stopping the kiosk."""
        try:
            until = dt.datetime.fromisoformat(str(locked_until)) if locked_until else None
            return cls(max(0, int(failures or 0)), until)
        except (TypeError, ValueError):
            return cls(0, None)

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


def _credentials(db: Db, name: str) -> tuple[Account, dict[str, Any], Lockout]:
    rows = query(
        db,
        "SELECT name, roles, pin, failures, locked_until FROM staff_accounts WHERE lower(name) = lower(:name)",
        {"name": " ".join(name.split())},
    )
    if not rows:
        raise AuthError("there is no such staff account")
    account_name, roles, pin, failures, locked_until = rows[0]
    stored = decode(pin)
    return (
        _row_account(account_name, roles),
        stored if isinstance(stored, dict) else {},
        Lockout.stored(failures, locked_until),
    )


def _save_lockout(db: Db, name: str, state: Lockout) -> None:
    execute(
        db,
        "UPDATE staff_accounts SET failures = :failures, locked_until = :until WHERE name = :name",
        {
            "failures": state.failures,
            "until": state.locked_until.isoformat(sep=" ") if state.locked_until else None,
            "name": name,
        },
    )


def lockout(db: Db, name: str, now: dt.datetime | None = None) -> Lockout:
    return _credentials(db, name)[2].capped(now or utcnow())


def _matches(stored: dict[str, Any], pin: str) -> bool:
    try:
        candidate = _hash(pin.strip(), bytes.fromhex(stored["salt"]), stored["n"], stored["r"], stored["p"])
        return hmac.compare_digest(candidate, bytes.fromhex(stored["hash"]))
    except (KeyError, TypeError, ValueError):
        log.error("a stored staff PIN is not readable; set it again with 'kiosk staff set-pin NAME'")
        return False


def _refuse_while_locked(state: Lockout, now: dt.datetime) -> None:
    wait = state.seconds_left(now)
    if wait:
        raise AuthError(f"too many wrong PINs: try again in {wait} seconds")


def verify(db: Db, name: str, pin: str, now: dt.datetime | None = None) -> Account | None:
    """The account for the right PIN, None for a wrong one, with the lockout read from and written to the
    database (in the caller's transaction). Raises `AuthError` while locked out or for an unknown name."""
    now = now or utcnow()
    account, stored, state = _credentials(db, name)
    state = state.capped(now)
    _refuse_while_locked(state, now)
    state = state.after(_matches(stored, pin), now)
    _save_lockout(db, account.name, state)
    return account if state.failures == 0 else None


def verify_pin(db: Db, pin: str, now: dt.datetime | None = None) -> bool:
    """The first admin's PIN (what `kiosk pin set` sets): for a kiosk with one account."""
    admins = _admins(db)
    if not admins:
        raise AuthError("no staff account is set: run 'kiosk staff add NAME --role admin' first")
    return verify(db, admins[0].name, pin, now) is not None


class PinGuard:
    """The keypad's PIN check in the running kiosk, which must work whatever the disk does.

    Each account's lockout lives in memory and is saved to the database after every try; the save never waits
    for another program's lock, and a save that fails (read-only or full disk) is only logged: the lockout still
    holds, in memory, until the kiosk restarts. What the database says is taken over only when another program
    changed it (`kiosk staff set-pin` clears the lockout) or at the first check.
    """

    def __init__(self) -> None:
        self._state: dict[str, Lockout] = {}
        self._seen: dict[str, tuple[Any, Lockout]] = {}  # the stored (PIN, lockout) last read or written
        self.unsaved: str | None = None  # why the last save failed, for staff

    def _current(self, db: Db, name: str, now: dt.datetime) -> tuple[Account, Any, Lockout]:
        account, stored, lockout_ = _credentials(db, name)
        key = account.name
        if self._seen.get(key) != (stored, lockout_):
            self._seen[key] = (stored, lockout_)
            self._state[key] = lockout_
        state = self._state[key]
        capped = state.capped(now)
        if capped != state:  # set while the clock was ahead: hold it to the longest lockout from now
            self._state[key] = capped
            self._save(db, key, stored)
        return account, stored, self._state[key]

    def seconds_left(self, db: Db, name: str, now: dt.datetime | None = None) -> int:
        now = now or utcnow()
        try:
            return self._current(db, name, now)[2].seconds_left(now)
        except AuthError:
            return 0

    def verify(self, db: Db, name: str, pin: str, now: dt.datetime | None = None) -> Account | None:
        """The account for the right PIN, None for a wrong one; raises `AuthError` while locked out."""
        now = now or utcnow()
        account, stored, state = self._current(db, name, now)
        _refuse_while_locked(state, now)
        state = state.after(_matches(stored, pin), now)
        self._state[account.name] = state
        self._save(db, account.name, stored)
        return account if state.failures == 0 else None

    def _save(self, db: Db, name: str, stored: Any) -> None:
        state = self._state[name]
        if not isinstance(db, sqlite3.Connection):  # the office's console on a hub: its caller commits
            _save_lockout(db, name, state)
            self._seen[name] = (stored, state)
            return
        try:
            with lite.write_now(db):  # a PIN check never waits for another program's write
                _save_lockout(db, name, state)
        except sqlite3.Error as error:
            known = lite.describe_error(error)
            self.unsaved = str(known or error)
            log.warning("the PIN lockout is kept in memory only: %s", self.unsaved)
            return
        self.unsaved = None
        self._seen[name] = (stored, state)

"""The clinic group's hub, as the group office runs it: set up, publish signed releases, enrol and revoke kiosks,
and see every kiosk's health and the group's anonymous counts.

Every function takes a `Session` on the hub (PostgreSQL), opened as the hub's owner, and leaves the transaction
to the caller. The kiosk's side of the same conversation is `kiosk.services.fleet`.

Least privilege: each kiosk logs in as its own PostgreSQL role, a member of one role for all the hub's kiosks
(`<database>_kiosks`), which may read the release tables and write the heartbeat and count tables, and nothing
else; row-level security (the migration's policies) narrows that to its own group's releases and its own rows.
Revoking a kiosk drops its role. Role names start with the hub's database name, because roles belong to the
whole PostgreSQL server and several hubs may share one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kiosk.content import signing
from kiosk.content.packs import MANIFEST, build_pack
from kiosk.content.sync import export_files
from kiosk.db import pg
from kiosk.db.models import HubGroup, HubKiosk, HubRelease, utcnow
from kiosk.errors import KioskError
from kiosk.services.fleet import NAME, QUIET_LIMIT, Link
from kiosk.services.settings import load_settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DEFAULT_GROUP = "main"
#: Cross-site counts under this are never shown: too few to be sure nobody could be singled out.
MIN_SHOWN_COUNT = 11
#: Kiosks hold one connection for a moment at a time; the limit stops a stolen account from exhausting the hub.
KIOSK_CONNECTION_LIMIT = 3
#: Read and written by the kiosks' role; everything else in the hub is the owner's alone.
KIOSK_READS = ("hub_releases", "hub_kiosks")
KIOSK_WRITES = ("hub_heartbeats", "hub_usage")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ddl(session: Session, statement: str) -> None:
    """A statement with names and a password verifier in it, sent as written (no parameters can stand in for
    those): straight to the driver, in the session's transaction."""
    session.connection().connection.driver_connection.execute(statement)  # type: ignore[union-attr]


def _database(session: Session) -> str:
    return str(session.execute(text("SELECT current_database()")).scalar_one())


def role_prefix(session: Session) -> str:
    """What every role this hub makes starts with: its database's name (shortened with a hash if long)."""
    database = re.sub(r"[^a-z0-9_]", "_", _database(session).lower())
    if len(database) > 24:
        database = database[:16] + "_" + hashlib.sha256(database.encode()).hexdigest()[:7]
    return database


def fleet_role(session: Session) -> str:
    return f"{role_prefix(session)}_kiosks"


def kiosk_role(session: Session, name: str) -> str:
    return f"{role_prefix(session)}_kiosk_{name.replace('-', '_')}"


def _role_exists(session: Session, role: str) -> bool:
    return bool(session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first())


def set_up(session: Session) -> str:
    """Create the kiosks' role if missing and grant it exactly what kiosks need (after the schema is current).
    Idempotent: `kiosk hub init` runs it every time. Returns the role's name."""
    role = fleet_role(session)
    if not _role_exists(session, role):
        _ddl(session, f"CREATE ROLE {_quote(role)} NOLOGIN")
    database = _quote(_database(session))
    # Only the hub's owner and enrolled kiosks may connect; kiosks see only what is granted below.
    _ddl(session, f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
    _ddl(session, f"GRANT CONNECT ON DATABASE {database} TO {_quote(role)}")
    for table in KIOSK_READS:
        _ddl(session, f"GRANT SELECT ON {table} TO {_quote(role)}")
    for table in KIOSK_WRITES:
        _ddl(session, f"GRANT SELECT, INSERT, UPDATE ON {table} TO {_quote(role)}")
    return role


# --- releases ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    group: str
    number: int
    files: int
    changed: int  # files added, changed or removed since the group's previous release
    size: int
    key: str

    def line(self) -> str:
        return (
            f"published release {self.number} for group {self.group}: {self.files} files "
            f"({self.changed} changed since the last release), signed by key {signing.fingerprint(self.key)}"
        )


def _group_name(session: Session, group: str | None) -> str:
    if group is not None:
        if not NAME.match(group):
            raise KioskError(f"group names are lower-case letters, digits and '-', not {group!r}")
        return group
    names = list(session.scalars(select(HubGroup.name)))
    if len(names) > 1:
        raise KioskError(f"this hub has several groups ({', '.join(sorted(names))}): say which with --group")
    return names[0] if names else DEFAULT_GROUP


def _manifest_files(pack: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        files = json.loads(archive.read(MANIFEST)).get("files", {})
    return files if isinstance(files, dict) else {}


def publish(session: Session, key: Ed25519PrivateKey, *, group: str | None = None, by: str = "") -> Release:
    """Store the hub's content as the group's next release, signed with `key` over its manifest and number.

    The first release of a group fixes the group's key; a later one signed with another key is refused (kiosks
    would refuse it too). Publishing the same content twice is refused as pointless.
    """
    name = _group_name(session, group)
    public = signing.public_text(key.public_key())
    # One snapshot of the content however staff edit meanwhile, and one publisher per group at a time: so the
    # session's transaction must start here.
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    if session.execute(text("SHOW transaction_isolation")).scalar_one() != "repeatable read":
        raise RuntimeError("publish needs a transaction of its own (a new session)")
    existing = session.execute(
        select(HubGroup).where(HubGroup.name == name).with_for_update()
    ).scalar_one_or_none()
    if existing is None:
        session.add(HubGroup(name=name, public_key=public))
        session.flush()
    elif existing.public_key != public:
        raise KioskError(
            f"group {name}'s releases are signed with key {signing.fingerprint(existing.public_key)}; this key "
            f"is {signing.fingerprint(public)}. Kiosks would refuse it: use the group's own key"
        )
    previous = session.execute(
        select(HubRelease).where(HubRelease.group_name == name).order_by(HubRelease.number.desc()).limit(1)
    ).scalar_one_or_none()
    number = (previous.number if previous else 0) + 1
    files = export_files(session)
    languages = list(load_settings(session).languages)
    data = build_pack(files, languages, signer=lambda manifest: signing.sign(manifest, key, number))
    new_files = _manifest_files(data)
    old_files = _manifest_files(previous.pack) if previous else {}
    changed = sum(1 for path in set(new_files) | set(old_files) if new_files.get(path) != old_files.get(path))
    if previous is not None and changed == 0:
        raise KioskError(
            f"nothing changed since release {previous.number} of group {name}: nothing was published"
        )
    session.add(
        HubRelease(
            group_name=name,
            number=number,
            published_by=by[:200],
            summary=f"{len(files)} files, {changed} changed",
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            pack=data,
        )
    )
    session.flush()
    return Release(name, number, len(files), changed, len(data), public)


# --- kiosks ------------------------------------------------------------------------------------------------------


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677), computed here so the password
    itself never reaches the server, nor its logs."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(value: bytes) -> str:
        return base64.b64encode(value).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


@dataclass(frozen=True)
class Enrolment:
    name: str
    group: str
    role: str
    link: Link


def _kiosk_url(
    hub_url: str, role: str, password: str, host: str | None, sslmode: str | None, sslrootcert: str | None
) -> str:
    """The URL a kiosk connects with: the hub's address as kiosks reach it, the kiosk's own account."""
    reach = host or pg.host_of(hub_url)
    if not reach or reach.startswith("/"):
        raise KioskError(
            "this connection to the hub is through a local socket: give --host with the address kiosks reach "
            "the hub at"
        )
    mode = sslmode or ("prefer" if pg.is_loopback(reach) else "verify-full")
    netloc = f"[{reach}]" if ":" in reach and not reach.startswith("[") else reach
    database = pg.database_of(hub_url)
    url = f"postgresql://{role}:{password}@{netloc}:{pg.port_of(hub_url)}/{database}?sslmode={mode}"
    if sslrootcert:
        url += "&" + urlencode({"sslrootcert": sslrootcert})
    pg.check_tls(url)
    return url


def enroll(
    session: Session,
    name: str,
    *,
    group: str,
    hub_url: str,
    host: str | None = None,
    sslmode: str | None = None,
    sslrootcert: str | None = None,
) -> Enrolment:
    """Create the kiosk's own role (a random password, stored only as a SCRAM verifier) and its record; returns
    the enrolment line's contents. The group must have a release already: its key is what the kiosk pins."""
    if not NAME.match(name):
        raise KioskError(f"kiosk names are lower-case letters, digits and '-' (at most 30), not {name!r}")
    group_row = session.get(HubGroup, _group_name(session, group))
    if group_row is None:
        raise KioskError(
            f"group {group} has no releases yet, so no key for kiosks to trust: publish one first "
            f"('kiosk hub publish --key KEYFILE --group {group}')"
        )
    existing = session.get(HubKiosk, name)
    if existing is not None and existing.revoked_at is None:
        raise KioskError(
            f"kiosk {name} is already enrolled: revoke it first to enrol it again (kiosk hub revoke)"
        )
    fleet = fleet_role(session)
    if not _role_exists(session, fleet):
        raise KioskError("the hub is not set up for kiosks: run 'kiosk --db URL hub init'")
    role = kiosk_role(session, name)
    password = secrets.token_urlsafe(24)
    if _role_exists(session, role):  # left over from a revocation that did not finish
        _ddl(session, f"DROP ROLE {_quote(role)}")
    _ddl(
        session,
        f"CREATE ROLE {_quote(role)} LOGIN CONNECTION LIMIT {KIOSK_CONNECTION_LIMIT} "
        f"PASSWORD '{scram_verifier(password)}' IN ROLE {_quote(fleet)}",
    )
    if existing is not None:
        existing.group_name, existing.role_name = group_row.name, role
        existing.enrolled_at, existing.revoked_at = utcnow(), None
    else:
        session.add(HubKiosk(name=name, group_name=group_row.name, role_name=role))
    session.flush()
    url = _kiosk_url(hub_url, role, password, host, sslmode, sslrootcert)
    return Enrolment(name, group_row.name, role, Link(url, group_row.name, name, group_row.public_key))


def revoke(session: Session, name: str) -> str:
    """Drop the kiosk's role (ending its connections): it can no longer read or write anything. Its past
    heartbeat and counts stay. Returns the role dropped."""
    kiosk = session.get(HubKiosk, name)
    if kiosk is None:
        raise KioskError(f"no kiosk called {name!r} is enrolled")
    role = kiosk.role_name
    session.execute(
        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role"), {"role": role}
    )
    if _role_exists(session, role):
        _ddl(session, f"DROP ROLE {_quote(role)}")
    kiosk.revoked_at = kiosk.revoked_at or utcnow()
    session.flush()
    return role


# --- who is behind -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KioskStatus:
    name: str
    group: str
    release: int
    latest: int
    last_seen: dt.datetime | None
    last_sync: dt.datetime | None
    free_disk_mb: int | None
    uptime_s: int | None
    restarts: int | None
    version: str
    revoked: bool

    @property
    def behind(self) -> bool:
        """Runs an older release than its group's newest (a revoked kiosk is no longer expected to keep up)."""
        return not self.revoked and self.release < self.latest

    def out_of_touch(self, now: dt.datetime | None = None) -> bool:
        """Seen once, but not for more than a day (`last_seen` is the hub's clock, in UTC): as long as the kiosk
        waits before its own staff are told it cannot reach the hub."""
        return self.last_seen is not None and (now or utcnow()) - self.last_seen > QUIET_LIMIT

    def as_json(self) -> dict[str, Any]:
        def stamp(value: dt.datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") + "Z" if value else None

        return {
            "name": self.name,
            "group": self.group,
            "release": self.release,
            "last_seen": stamp(self.last_seen),
            "behind": self.behind,
            "latest": self.latest,
            "last_sync": stamp(self.last_sync),
            "free_disk_mb": self.free_disk_mb,
            "uptime_s": self.uptime_s,
            "restarts": self.restarts,
            "version": self.version,
            "revoked": self.revoked,
        }


def status(session: Session) -> list[KioskStatus]:
    """Every enrolled kiosk, with what it last said and whether it runs its group's latest release."""
    rows = session.execute(
        text(
            "SELECT k.name, k.group_name, coalesce(h.release, 0), coalesce(latest.number, 0), h.seen_at, "
            "h.last_sync, h.free_disk_mb, h.uptime_s, h.restarts, coalesce(h.version, ''), "
            "k.revoked_at IS NOT NULL "
            "FROM hub_kiosks k LEFT JOIN hub_heartbeats h ON h.kiosk = k.name "
            "LEFT JOIN (SELECT group_name, max(number) AS number FROM hub_releases GROUP BY group_name) latest "
            "ON latest.group_name = k.group_name ORDER BY k.group_name, k.name"
        )
    )
    return [KioskStatus(*row) for row in rows]


def latest_releases(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(HubRelease.group_name, func.max(HubRelease.number)).group_by(HubRelease.group_name)
    )
    return {group: int(number) for group, number in rows}


@dataclass(frozen=True)
class Insights:
    """Counts across the group's kiosks; any total under MIN_SHOWN_COUNT is left out, and how many were."""

    rows: list[tuple[str, str, int]]  # event, target, count
    suppressed: int
    days: int
    kiosks: int


def insights(session: Session, *, days: int = 30, group: str | None = None) -> Insights:
    since = dt.date.today() - dt.timedelta(days=days - 1)
    where = "u.day >= :since" + (" AND k.group_name = :group" if group else "")
    params: dict[str, Any] = {"since": since, "group": group}
    totals = session.execute(
        text(
            "SELECT u.event, u.target, sum(u.count) FROM hub_usage u JOIN hub_kiosks k ON k.name = u.kiosk "
            f"WHERE {where} GROUP BY u.event, u.target ORDER BY u.event, sum(u.count) DESC, u.target"
        ),
        params,
    ).all()
    kiosks = session.execute(
        text(
            f"SELECT count(DISTINCT u.kiosk) FROM hub_usage u JOIN hub_kiosks k ON k.name = u.kiosk WHERE {where}"
        ),
        params,
    ).scalar_one()
    shown = [
        (str(event), str(target), int(total)) for event, target, total in totals if total >= MIN_SHOWN_COUNT
    ]
    return Insights(shown, len(totals) - len(shown), days, int(kiosks))

"""A kiosk as a member of a clinic group: joining a hub, pulling signed releases, pushing its counts and health.

Offline first: the kiosk never needs the hub. `sync_once` is one short visit (connect with a short timeout, push,
look, fetch, disconnect), run by `kiosk sync` or by the running kiosk on a timer, in a process of its own
(`visit_in_child`). A newer release is checked completely before anything changes: signed by the group's key pinned
at joining, numbered above the release the kiosk has (no rollback), a well-formed pack with importable content.
Then the kiosk backs itself up and imports it in one transaction that also records the new release number, so a hub
that goes away half-way, a kill or a power cut leaves the old content or the new, never a mix. Clinic-local
settings (name, phones, address, crisis line) are never taken from a release.

Counts go up as absolute daily numbers `(kiosk, day, event, target, count)` and replace what the hub had for that
day, so a retry or a replay counts once; whatever events the kiosk counts flow without a change here. The
heartbeat carries the release, the last sync, free disk, uptime and restarts.

psycopg is imported only inside a sync: a kiosk that never joins a hub never loads it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.db import lite
from kiosk.errors import KioskError
from kiosk.paths import is_hub_url
from kiosk.services.settings import HUB_LINK_KEY, TRUST_SETTINGS

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

#: What the kiosk remembers of its syncs (internal; written with the release it imports).
HUB_STATE_KEY = "_hub_state"
LINE_PREFIX = "kiosk-hub-1:"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
#: Connecting, and each statement, give up after these: a slow hub must never hold a kiosk up.
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 30_000
#: Releases are at most a pack's size; anything larger is not one of ours.
MAX_RELEASE_BYTES = 300 * 1024 * 1024
#: Staff are told once the hub has not been reached for this long.
QUIET_LIMIT = dt.timedelta(days=1)
#: The first push sends this many days of counts; later ones resend from the day before the last push.
FIRST_PUSH_DAYS = 90
#: Clinic-local settings a release never changes: each clinic's own, whatever the group's office has.
LOCAL_SETTINGS = frozenset(
    {
        "clinic_name",
        "clinic_logo",
        "clinic_phone",
        "after_hours_phone",
        "clinic_address",
        "clinic_website",
        "crisis_line",
        *TRUST_SETTINGS,
    }
)


class SyncError(KioskError):
    """A release the kiosk refused (unsigned, signed by another key, older, damaged); it is exactly as it was."""


class NotJoined(KioskError):
    """The kiosk has no hub to visit."""


# --- the enrolment line ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """How a kiosk reaches its hub: the URL with the kiosk's own account, its group and name, and the group's
    public key (pinned: every release must be signed by it)."""

    url: str
    group: str
    kiosk: str
    key: str

    def line(self) -> str:
        data = json.dumps(
            {"url": self.url, "group": self.group, "kiosk": self.kiosk, "key": self.key},
            separators=(",", ":"),
        )
        return LINE_PREFIX + base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    def as_setting(self) -> dict[str, str]:
        return {"url": self.url, "group": self.group, "kiosk": self.kiosk, "key": self.key}


def parse_line(line: str) -> Link:
    """The link an enrolment line describes; `KioskError` in one line if it is not one (cut short, mistyped)."""
    from kiosk.content import signing
    from kiosk.db import pg

    text = line.strip()
    if not text.startswith(LINE_PREFIX):
        raise KioskError(f"not an enrolment line (it should start with {LINE_PREFIX}): copy the whole line")
    encoded = text[len(LINE_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        raise KioskError("the enrolment line is damaged or cut short: copy the whole line") from None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("url", "group", "kiosk", "key")
    ):
        raise KioskError("the enrolment line is damaged or cut short: copy the whole line")
    link = Link(data["url"], data["group"], data["kiosk"], data["key"])
    if not is_hub_url(link.url):
        raise KioskError("the enrolment line does not name a PostgreSQL hub")
    if not NAME.match(link.kiosk) or not NAME.match(link.group):
        raise KioskError("the enrolment line names a kiosk or group that is not allowed")
    signing.parse_public(link.key)
    pg.check_tls(link.url)
    return link


def stored_link(db: lite.Db) -> Link | None:
    value = lite.get_setting(db, HUB_LINK_KEY)
    if not isinstance(value, dict):
        return None
    try:
        return Link(str(value["url"]), str(value["group"]), str(value["kiosk"]), str(value["key"]))
    except KeyError:
        return None


def has_joined(db_path: Path) -> bool:
    """Whether the kiosk has joined a hub (a quick read; False when its database cannot be read just now)."""
    try:
        connection = lite.connect(db_path, readonly=True, create=False)
    except (sqlite3.Error, KioskError):
        return False
    try:
        return stored_link(connection) is not None
    except (sqlite3.Error, KioskError):
        return False
    finally:
        connection.close()


@dataclass(frozen=True)
class Joined:
    link: Link
    address: str  # what the kiosk's service must be allowed to reach
    port: int


def pin_address(url: str, hostaddr: str | None = None) -> str:
    """The URL with the hub's IP address fixed (`hostaddr`): the kiosk's service may reach that address and no
    other, not even a name server, so the name is looked up now, once. The name stays in the URL, for TLS to
    check the hub's certificate against."""
    import ipaddress
    import socket
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from kiosk.db import pg

    host = pg.host_of(url)
    parts = urlsplit(pg.libpq_url(url))
    query = dict(parse_qsl(parts.query))
    if hostaddr is None:
        if "hostaddr" in query or not host or host.startswith("/"):
            return url
        try:
            ipaddress.ip_address(host.strip("[]"))
            return url
        except ValueError:
            pass
        try:
            found = socket.getaddrinfo(host, pg.port_of(url), type=socket.SOCK_STREAM)
        except OSError as error:
            raise KioskError(
                f"cannot find the address of {host} ({error.strerror or error}): check DNS"
            ) from None
        hostaddr = str(found[0][4][0])
    try:
        ipaddress.ip_address(hostaddr)
    except ValueError:
        raise KioskError(f"{hostaddr!r} is not an IP address") from None
    query["hostaddr"] = hostaddr
    return urlunsplit(parts._replace(query=urlencode(query)))


def join(db_path: Path, line: str, *, replace: bool = False, hostaddr: str | None = None) -> Joined:
    """Store the enrolment line on the kiosk: the hub to pull from and the group key to trust from now on.

    Joining again with the same group key just updates the address or the account. A different key (another
    group, or a new key after the old one was lost) needs `replace`, and then releases start over from the
    first: the new group's numbers say nothing about the old one's.
    """
    from kiosk.db import pg

    parsed = parse_line(line)
    link = Link(pin_address(parsed.url, hostaddr), parsed.group, parsed.kiosk, parsed.key)
    pg.check_tls(link.url)  # the address pinned must be this machine too, for a line that says so
    connection = lite.connect(db_path, create=False)
    try:
        with lite.transaction(connection):
            old = stored_link(connection)
            if old is not None and old.key != link.key and not replace:
                from kiosk.content.signing import fingerprint

                raise KioskError(
                    f"this kiosk trusts group {old.group}'s key {fingerprint(old.key)}; the line has another "
                    f"key ({fingerprint(link.key)}). Run again with --replace to change groups"
                )
            if old is None or old.key != link.key or old.group != link.group:
                State(joined=_utcnow().isoformat(timespec="seconds")).write(connection)
            lite.put_setting(connection, HUB_LINK_KEY, link.as_setting())
    finally:
        connection.close()
    return Joined(link, pg.address_of(link.url), pg.port_of(link.url))


def leave(db_path: Path) -> Link | None:
    """Forget the hub (the pinned key goes too: packs are then taken signed by anyone, or unsigned)."""
    connection = lite.connect(db_path, create=False)
    try:
        with lite.transaction(connection):
            old = stored_link(connection)
            lite.delete_setting(connection, HUB_LINK_KEY)
            lite.delete_setting(connection, HUB_STATE_KEY)
    finally:
        connection.close()
    return old


# --- what the kiosk remembers -----------------------------------------------------------------------------------


@dataclass
class State:
    release: int = 0
    last_sync: str | None = None  # when a release was last checked for, successfully (UTC, ISO)
    last_contact: str | None = None  # when the hub last answered
    pushed_from: str | None = None  # counts from this day on are pushed again next time
    joined: str | None = None  # when the kiosk joined its hub

    @classmethod
    def read(cls, db: lite.Db) -> State:
        value = lite.get_setting(db, HUB_STATE_KEY)
        if not isinstance(value, dict):
            return cls()
        release = value.get("release")
        return cls(
            release if isinstance(release, int) and release >= 0 else 0,
            _text(value.get("last_sync")),
            _text(value.get("last_contact")),
            _text(value.get("pushed_from")),
            _text(value.get("joined")),
        )

    def write(self, db: lite.Db) -> None:
        lite.put_setting(db, HUB_STATE_KEY, vars(self))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def starts_file(db_path: Path) -> Path:
    """Beside the database, not in it: recording a start must never change what a backup or a check sees."""
    return Path(db_path).with_name(Path(db_path).name + ".starts")


def record_start(db_path: Path, now: dt.datetime | None = None) -> None:
    """Remember that the kiosk program started (the last 50 starts), for the heartbeat's uptime and restarts.
    Never raises: a disk that cannot be written only costs the heartbeat two numbers."""
    path = starts_file(db_path)
    moments = [*_starts(path)[-49:], (now or _utcnow()).replace(microsecond=0)]
    try:
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps([moment.isoformat() for moment in moments]), encoding="utf-8")
        partial.replace(path)
    except OSError as error:
        log.info("could not record the start: %s", error)


def _starts(path: Path) -> list[dt.datetime]:
    try:
        values = json.loads(path.read_text(encoding="utf-8")[:10_000])
    except (OSError, ValueError):
        return []
    moments = []
    for value in values if isinstance(values, list) else []:
        try:
            moments.append(dt.datetime.fromisoformat(str(value)))
        except ValueError:
            continue
    return moments


def _uptime_and_restarts(db_path: Path, now: dt.datetime) -> tuple[int | None, int | None]:
    """Seconds since the kiosk program last started, and how often it started again in the last day."""
    moments = _starts(starts_file(db_path))
    if not moments:
        return None, None
    uptime = max(0, int((now - moments[-1]).total_seconds()))
    restarts = sum(1 for moment in moments if now - moment <= dt.timedelta(days=1)) - 1
    return uptime, max(restarts, 0)


# --- one visit to the hub ---------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    release: int  # what the kiosk has now
    imported: int | None = None  # the release brought in by this visit
    summary: str = ""  # what it changed
    pushed_counts: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.imported is not None:
            return f"release {self.imported} imported ({self.summary}); {self.pushed_counts} count(s) pushed"
        return f"up to date at release {self.release}; {self.pushed_counts} count(s) pushed"


@dataclass(frozen=True)
class _Release:
    number: int
    pack: bytes


def _connect(link: Link) -> psycopg.Connection[Any]:
    import psycopg

    from kiosk.db import pg

    pg.check_tls(link.url)
    return psycopg.connect(
        pg.libpq_url(link.url),
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name=f"kiosk {link.kiosk}",
        options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    )


def _counts_to_push(db: lite.Db, state: State, today: dt.date) -> tuple[list[tuple[Any, ...]], str]:
    start = (
        dt.date.fromisoformat(state.pushed_from)
        if state.pushed_from
        else today - dt.timedelta(days=FIRST_PUSH_DAYS)
    )
    rows = lite.query(
        db,
        "SELECT day, event, target, count FROM usage_counts WHERE day >= :start ORDER BY day, event, target",
        {"start": start.isoformat()},
    )
    # Yesterday's counts may still grow until the kiosk writes them after midnight: push from then next time.
    return rows, (today - dt.timedelta(days=1)).isoformat()


_HEARTBEAT = (
    "INSERT INTO hub_heartbeats (kiosk, seen_at, release, last_sync, free_disk_mb, uptime_s, restarts, version) "
    "VALUES (%(kiosk)s, now(), %(release)s, %(last_sync)s, %(free_disk_mb)s, %(uptime_s)s, %(restarts)s, "
    "%(version)s) ON CONFLICT (kiosk) DO UPDATE SET release = excluded.release, last_sync = excluded.last_sync, "
    "free_disk_mb = excluded.free_disk_mb, uptime_s = excluded.uptime_s, restarts = excluded.restarts, "
    "version = excluded.version"
)


def _where(link: Link) -> str:
    from kiosk.db import pg

    return f"the hub at {pg.host_of(link.url) or 'this machine'}"


def _visit(
    link: Link,
    state: State,
    counts: list[tuple[Any, ...]],
    heartbeat: dict[str, Any],
    step: Callable[[str], None],
) -> _Release | None:
    """Push counts and the heartbeat, and fetch a release newer than the kiosk's; one connection, closed after."""
    from kiosk.db import pg

    with pg.translated(_where(link)), _connect(link) as conn:
        step("connected")
        with conn.transaction():
            conn.cursor().executemany(
                "INSERT INTO hub_usage (kiosk, day, event, target, count) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (kiosk, day, event, target) DO UPDATE SET count = excluded.count",
                [(link.kiosk, day, event, target, count) for day, event, target, count in counts],
            )
            conn.execute(_HEARTBEAT, {"kiosk": link.kiosk, **heartbeat})
        step("pushed")
        row = conn.execute(
            # The pack's real length, measured by the server: a size column the hub's writers could set is not
            # what decides whether the kiosk downloads it.
            "SELECT number, octet_length(pack) FROM hub_releases WHERE group_name = %s ORDER BY number DESC LIMIT 1",
            (link.group,),
        ).fetchone()
        if row is None or int(row[0]) <= state.release:
            return None
        number, size = int(row[0]), int(row[1])
        if size > MAX_RELEASE_BYTES:
            raise SyncError(
                f"release {number} is too large to be a content pack ({size // (1024 * 1024)} MB)"
            )
        step("found")
        pack = conn.execute(
            "SELECT pack FROM hub_releases WHERE group_name = %s AND number = %s", (link.group, number)
        ).fetchone()
        if pack is None:
            return None
        step("fetched")
        return _Release(number, bytes(pack[0]))


def _check_release(release: _Release, link: Link, have: int, folder: Path) -> tuple[Any, int]:
    """The release's content, once its signature, number and content have all passed; `SyncError` if not."""
    from kiosk.content import signing
    from kiosk.content.packs import unpack, verify_pack
    from kiosk.content.sync import check_importable

    what = f"release {release.number}"
    pack_path = folder / "release.zip"
    pack_path.write_bytes(release.pack)
    try:
        manifest, files = verify_pack(pack_path)
        signed = signing.verify(manifest, what)
    except KioskError as error:
        raise SyncError(str(error).replace("release.zip", what)) from None
    if signed is None:
        raise SyncError(f"{what} is refused: it is not signed")
    if signed.key.strip() != link.key.strip():
        raise SyncError(
            f"{what} is refused: it is signed by key {signed.fingerprint}, not by this kiosk's group "
            f"(key {signing.fingerprint(link.key)})"
        )
    if signed.release != release.number:
        raise SyncError(f"{what} is refused: it was signed as release {signed.release}")
    if signed.release <= have:
        raise SyncError(f"{what} is refused: this kiosk already has release {have} (no going back)")
    content = check_importable(unpack(files, folder / "content"), what)
    return content, signed.release


def sync_once(
    db_path: Path,
    *,
    now: dt.datetime | None = None,
    step: Callable[[str], None] | None = None,
) -> SyncResult:
    """One visit to the hub; raises `KioskError` (one line) when the hub cannot be reached or its release is
    refused, and then the kiosk's content is exactly as it was. `step` hears each stage (tests use it)."""
    moment = now or _utcnow()
    step = step or (lambda _stage: None)
    connection = lite.connect(db_path, create=False)
    try:
        link = stored_link(connection)
        if link is None:
            raise NotJoined(
                "this kiosk has not joined a hub: run 'kiosk hub join LINE' with its enrolment line"
            )
        state = State.read(connection)
        counts, next_push = _counts_to_push(connection, state, moment.date())
    finally:
        connection.close()
    uptime, restarts = _uptime_and_restarts(db_path, moment)
    heartbeat = {
        "release": state.release,
        "last_sync": dt.datetime.fromisoformat(state.last_sync) if state.last_sync else None,
        "free_disk_mb": shutil.disk_usage(Path(db_path).parent).free // (1024 * 1024),
        "uptime_s": uptime,
        "restarts": restarts,
        "version": __version__,
    }
    release = _visit(link, state, counts, heartbeat, step)
    result = SyncResult(state.release, pushed_counts=len(counts))
    stamp = moment.isoformat(timespec="seconds")
    if release is not None:
        with tempfile.TemporaryDirectory(prefix="kiosk-release-") as folder:
            content, number = _check_release(release, link, state.release, Path(folder))
            step("checked")
            result.summary = _import_release(db_path, content, number, link)
        result.release = result.imported = number
        _tell(link, {**heartbeat, "release": number, "last_sync": moment})
    connection = lite.connect(db_path, create=False)
    try:
        with lite.transaction(connection):
            latest = State.read(connection)  # the import above may have moved the release on
            latest.last_sync = latest.last_contact = stamp
            latest.pushed_from = next_push
            latest.write(connection)
    finally:
        connection.close()
    return result


def _tell(link: Link, heartbeat: dict[str, Any]) -> None:
    """Tell the hub the kiosk now runs a new release (if it has gone meanwhile, the next visit will)."""
    from kiosk.db import pg

    try:
        with pg.translated(_where(link)), _connect(link) as conn:
            conn.execute(_HEARTBEAT, {"kiosk": link.kiosk, **heartbeat})
    except KioskError as error:
        log.info("the hub did not hear of the new release: %s", error)


def _import_release(db_path: Path, content: Any, number: int, link: Link) -> str:
    """Back up, then import the release and record its number in one transaction; returns what changed."""
    import dataclasses

    from kiosk.db import backup
    from kiosk.db.store import open_store, translated_errors
    from kiosk.services import library
    from kiosk.services.settings import load_settings

    local = dataclasses.replace(
        content, site={k: v for k, v in content.site.items() if k not in LOCAL_SETTINGS}
    )
    store = open_store(db_path, create=False)
    try:
        with store.session() as session:
            keep = load_settings(session).backup_keep
        backup.automatic_backup(db_path, "before-release", keep)
        with translated_errors(), store.session() as session, session.begin():
            state = State.read(session)
            if number <= state.release:  # another sync got there first
                return "already imported"
            plan = library.import_content(session, local, "replace", kind="release")
            state.release = number
            state.write(session)
    finally:
        store.close()
    log.info("release %s of group %s imported: %s", number, link.group, plan.summary())
    return "no changes" if plan.is_empty else plan.summary()


def contact_notice(db: lite.Db, now: dt.datetime | None = None) -> str | None:
    """A line for staff when the hub has not been reached for a day (None when all is well or not joined)."""
    link = stored_link(db)
    if link is None:
        return None
    state = State.read(db)
    moment = now or _utcnow()
    since = state.last_contact or state.joined
    if since is None:
        return None
    try:
        last = dt.datetime.fromisoformat(since)
    except ValueError:
        return None
    if moment - last < QUIET_LIMIT:
        return None
    days = (moment - last).days
    when = f"since {last:%Y-%m-%d %H:%M} UTC" if state.last_contact else "since it joined"
    return (
        f"The kiosk has not reached its hub for {days} day(s) ({when}). It works as before on the content it "
        "has; ask IT to check the network and the hub."
    )


def membership(db: lite.Db, now: dt.datetime | None = None) -> list[str]:
    """What staff see of the kiosk's clinic group in the console: which group and key, which release, when the
    hub was last reached (and the notice, if it has been a day)."""
    link = stored_link(db)
    if link is None:
        return [
            "This kiosk has not joined a clinic group's hub: its content comes from packs and folders only.",
        ]
    from kiosk.content.signing import fingerprint  # only a joined kiosk loads cryptography

    state = State.read(db)
    lines = [
        f"Clinic group {link.group}, as kiosk {link.kiosk}. It takes content signed by the group's key "
        f"{fingerprint(link.key)} only.",
        f"Release {state.release} is on this kiosk." if state.release else "No release from the hub yet.",
        (
            f"The hub was last reached {state.last_contact.replace('T', ' ')} UTC."
            if state.last_contact
            else "The hub has not been reached yet."
        ),
    ]
    notice = contact_notice(db, now)
    return [*lines, notice] if notice else lines


@dataclass(frozen=True)
class Outcome:
    """What one visit to the hub came to, for the running kiosk's screen (sent back from the visit's process)."""

    joined: bool
    ok: bool
    line: str
    refused: bool = False  # a release was refused (staff must hear of it)
    quiet_notice: str | None = None  # the hub has not been reached for a day


def visit(db_path: Path) -> Outcome:
    """One visit for the running kiosk: never raises (a bug is logged, and counts as a failed visit)."""
    try:
        result = sync_once(db_path)
        outcome = Outcome(True, True, result.line())
    except NotJoined as error:
        return Outcome(False, False, str(error))
    except KioskError as error:
        outcome = Outcome(True, False, str(error), refused=isinstance(error, SyncError))
    except Exception:  # a bug must not end the visit unseen, nor ever reach a patient
        log.exception("the visit to the hub failed")
        outcome = Outcome(True, False, "an unexpected error (see the log)")
    try:
        connection = lite.connect(db_path, readonly=True, create=False)
        try:
            notice = contact_notice(connection)
        finally:
            connection.close()
    except (sqlite3.Error, KioskError):
        notice = None
    return Outcome(outcome.joined, outcome.ok, outcome.line, outcome.refused, notice)


def visit_in_child(db_path: str, results: Any) -> None:
    """A visit in a process of its own, started by the running kiosk: its network waits, its release checks and
    its import never hold the screen's process (not even Python's interpreter lock). Puts one `Outcome`."""
    with contextlib.suppress(OSError):
        os.nice(10)  # the screen's process comes first on a small machine
    from kiosk import logs

    logs.setup(verbose=True)  # to the journal, like the kiosk's own records (the log file is the kiosk's)
    results.put(visit(Path(db_path)))


def backoff(failures: int, base_s: float, limit_s: float) -> float:
    """Seconds to wait after `failures` failed visits in a row: doubling from `base_s`, at most `limit_s`."""
    return float(min(limit_s, base_s * (2 ** max(failures - 1, 0)))) if failures else base_s

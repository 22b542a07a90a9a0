"""PostgreSQL: a clinic group's hub, behind the same models and migrations as a kiosk's SQLite file.

A hub is named like any database, with `--db URL` (`postgresql://user@host/db?sslmode=verify-full`). This module
turns such a URL into an engine, refuses plain-text connections to anything but this machine (TLS is required
outside the loopback; `sslmode` says how strictly), and checks that the database is a hub at this program's
schema, or brings it there (`kiosk hub init`). Errors the network or the server cause (refused, timed out, wrong
password) become one line naming the hub, never its password.

psycopg is imported only here and in the kiosk's sync, and only when a hub is used: a kiosk that never joins a
hub never loads it.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, create_engine, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from kiosk.errors import NotKioskDatabase, StoreError, UnusableDatabase
from kiosk.paths import HUB_URL, is_hub_url

log = logging.getLogger(__name__)

#: `sslmode` values that encrypt the connection; `verify-full` also checks the hub's certificate and name.
TLS_MODES = ("require", "verify-ca", "verify-full")
#: How long connecting to a hub may take before the hub counts as unreachable.
CONNECT_TIMEOUT_S = 10


def is_url(value: object) -> bool:
    """Whether a `--db` value names a PostgreSQL hub rather than a kiosk's database file."""
    return is_hub_url(value)


def libpq_url(url: str) -> str:
    """The URL as libpq (and psycopg) take it: `postgresql://...`."""
    return HUB_URL.sub("postgresql://", url, count=1)


def _query(url: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(libpq_url(url)).query).items()}


def host_of(url: str) -> str:
    """The hub's host as the URL gives it ('' or a folder for a Unix socket)."""
    parts = urlsplit(libpq_url(url))
    return _query(url).get("host") or parts.hostname or ""


def address_of(url: str) -> str:
    """The address a kiosk connects to: `hostaddr` when the URL pins one, else the host."""
    return _query(url).get("hostaddr") or host_of(url)


def port_of(url: str) -> int:
    parts = urlsplit(libpq_url(url))
    given = _query(url).get("port")
    return int(given) if given and given.isdigit() else (parts.port or 5432)


def database_of(url: str) -> str:
    return _query(url).get("dbname") or urlsplit(libpq_url(url)).path.lstrip("/") or ""


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(libpq_url(url)).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "the hub"


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: a Unix socket, localhost, 127.0.0.0/8 or ::1."""
    if not host or host.startswith("/") or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_tls(url: str) -> None:
    """Refuse a connection that would cross the network unencrypted."""
    hosts = {host_of(url), address_of(url)}
    if all(is_loopback(host) for host in hosts):
        return
    mode = _query(url).get("sslmode", "prefer")
    if mode not in TLS_MODES:
        raise StoreError(
            f"the hub at {host_of(url)} is outside this machine, so its connection must be encrypted: "
            "add ?sslmode=verify-full to the URL (or sslmode=require where the hub has no certificate "
            "from a known authority)"
        )


def create_pg_engine(url: str) -> Engine:
    """An engine for the hub at `url` (psycopg 3), after the TLS check."""
    check_tls(url)
    try:
        parsed = make_url(libpq_url(url)).set(drivername="postgresql+psycopg")
    except exc.ArgumentError as error:
        raise StoreError(f"not a usable database URL: {error}") from None
    return create_engine(
        parsed,
        poolclass=NullPool,  # each command or sync holds one connection briefly
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "kiosk"},
    )


def describe_error(error: BaseException, where: str = "the hub") -> StoreError | None:
    """An error the network, the server or its configuration caused, in one line; None for anything else."""
    original = getattr(error, "orig", error)
    module = type(original).__module__
    if not module.startswith("psycopg"):
        return None
    import psycopg

    first = (str(original).strip().splitlines() or ["no answer"])[0]
    first = re.sub(r"^connection to server at .*?failed: ", "", first)
    first = re.sub(r"^connection failed: ", "", first)
    if isinstance(original, psycopg.errors.InsufficientPrivilege):
        return StoreError(f"{where} refused: this account may not do that ({first})")
    if isinstance(original, psycopg.OperationalError):
        if "password authentication failed" in first or "no password supplied" in first:
            return StoreError(f"{where} refused the account or password (was the kiosk's enrolment revoked?)")
        if "does not exist" in first and "role" in first:
            return StoreError(f"{where} has no such account ({first}); was the enrolment revoked?")
        return StoreError(f"cannot reach {where}: {first}")
    if isinstance(original, psycopg.errors.SerializationFailure | psycopg.errors.UniqueViolation):
        return StoreError(f"{where} was changed by someone else at the same moment: try again")
    if isinstance(original, psycopg.errors.UndefinedTable):
        return StoreError(f"{where} is missing a table ({first}): run 'kiosk --db URL hub init'")
    return None


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Re-raise what the network or the server caused as a one-line `StoreError`; leave bugs alone."""
    try:
        yield
    except Exception as error:
        known = describe_error(error, where)
        if known is None:
            raise
        raise known from error


def schema_revision(engine: Engine) -> tuple[str | None, int]:
    """The hub's schema revision (None: none) and how many tables the database holds besides."""
    with engine.connect() as conn:
        tables = int(
            conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_name <> 'alembic_version'"
                )
            ).scalar_one()
        )
        if conn.execute(text("SELECT to_regclass('alembic_version')")).scalar() is None:
            return None, tables
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return (str(revision) if revision is not None else None), tables


def check_hub(engine: Engine, url: str, *, init: bool, known: tuple[str, ...], head: str) -> str | None:
    """Raise unless the database is a hub at `head` (or, with `init`, empty or at an older known revision).
    Returns the revision found."""
    where = shown(url)
    with translated(where):
        revision, tables = schema_revision(engine)
    if revision is None:
        if tables:
            raise NotKioskDatabase(f"{where} is a database, but not a kiosk hub (it holds other tables)")
        if not init:
            raise StoreError(f"{where} is not a kiosk hub yet: run 'kiosk --db URL hub init' first")
        return None
    if revision not in known:
        raise UnusableDatabase(
            f"{where} was set up by a newer or different version of the kiosk (schema {revision}; this version "
            f"knows up to {head})"
        )
    if revision != head and not init:
        raise StoreError(
            f"{where} is at an older schema ({revision}): upgrade it with 'kiosk --db URL hub init' first"
        )
    return revision


def current_user(conn: Any) -> str:
    return str(conn.execute(text("SELECT current_user")).scalar_one())

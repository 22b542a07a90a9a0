"""A throwaway PostgreSQL cluster for the hub's tests and benchmark: real PostgreSQL, no stand-in.

`Cluster.start()` runs the distribution's `initdb` and `pg_ctl` in a new temporary folder, listening on a Unix
socket in that folder and on 127.0.0.1 at a free port (kiosks connect over TCP with a password, as they would to
a real hub; the group office's admin connects through the socket). PostgreSQL refuses to run as root, so when
the tests run as root (CI does), the server runs as the unprivileged `postgres` user (or `nobody`) and the folder
belongs to that user. `stop()` stops the server and removes the folder.

`find_binaries()` says where PostgreSQL is, or None when it is not installed: the tests then print what they
skipped and how to install it (`apt-get install postgresql`), and under CI (`CI` set) they fail instead, so a
machine without PostgreSQL can never pass for one that ran them.

This module is also a pytest plugin (tests/conftest.py loads it): the `cluster` fixture is one server for the
whole run, started the first time a test needs it; `hub_url` is a new, empty database on it for one test.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql; .ci/run does this)"


def find_binaries() -> Path | None:
    """The folder holding `initdb`, `pg_ctl` and `postgres`, or None."""
    candidates: list[Path] = []
    override = os.environ.get("KIOSK_PG_BIN")
    if override:
        candidates.append(Path(override))
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += versions
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: nobody special unless we are root, then an unprivileged account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and there is no 'postgres' or 'nobody' user to run PostgreSQL as")


class Cluster:
    """One PostgreSQL server in a temporary folder. The superuser is `postgres`, trusted on the socket only."""

    def __init__(
        self, binaries: Path, *, durable: bool = False, tls: tuple[bytes, bytes] | None = None
    ) -> None:
        self.binaries = binaries
        self.durable = durable  # the benchmark measures with fsync on; tests need not wait for the disk
        self.tls = tls  # the server's certificate and key (PEM), to offer TLS
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.log = self.folder / "server.log"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix: list[str] = []
        if self.user is not None:
            prefix = [
                "setpriv",
                f"--reuid={self.user.pw_uid}",
                f"--regid={self.user.pw_gid}",
                "--clear-groups",
            ]
        return subprocess.run(
            [*prefix, *command],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C.UTF-8", "PGTZ": "UTC"},
        )

    def _check(self, done: subprocess.CompletedProcess[str], what: str) -> None:
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}\n{log}")

    def start(self) -> Cluster:
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self.folder.chmod(0o755)  # the socket lives here, and root's clients must reach it
        done = self._run(
            str(self.binaries / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-sync",
        )
        self._check(done, "initdb")
        settings = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.folder}'",
            "max_connections = 200",
            "shared_buffers = 32MB",
            "password_encryption = 'scram-sha-256'",
            "timezone = 'UTC'",
        ]
        if not self.durable:  # the data survives the server being killed, not the machine losing power
            settings += ["fsync = off", "full_page_writes = off"]
        if self.tls is not None:
            for name, data in zip(("server.crt", "server.key"), self.tls, strict=True):
                (self.data / name).write_bytes(data)
                (self.data / name).chmod(0o600)
                if self.user is not None:
                    os.chown(self.data / name, self.user.pw_uid, self.user.pw_gid)
            settings += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(settings) + "\n")
        done = self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start"
        )
        self._check(done, "pg_ctl start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def kill(self) -> None:
        """Stop the server at once, as a crash or a pulled cable would (the data stays for `restart`)."""
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        done = self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start"
        )
        self._check(done, "pg_ctl start")

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        """The superuser's URL, through the Unix socket (trusted there)."""
        return f"postgresql://{user}@/{database}?host={self.folder}&port={self.port}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns the superuser's URL for it."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database and every role made for it (role names start with the database's)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            roles = conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (name.replace("_", r"\_") + "%",)
            ).fetchall()
            for (role,) in roles:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


# --- the fixtures ---------------------------------------------------------------------------------------------

_skipped: list[str] = []
_names = itertools.count(1)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    binaries = find_binaries()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not installed, and CI must run the hub's tests: {INSTALL_HINT}")
        _skipped.append("PostgreSQL")
        pytest.skip(f"PostgreSQL is not installed: {INSTALL_HINT}")
    server = Cluster(binaries).start()
    yield server
    server.stop()


@pytest.fixture
def hub_url(cluster: Cluster) -> Iterator[str]:
    """A new, empty database on the test server (the superuser's URL, over the Unix socket)."""
    name = f"hub{os.getpid()}_{next(_names)}"
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped:
        terminalreporter.section("hub tests skipped")
        terminalreporter.write_line(
            f"The clinic-group hub's tests did not run: PostgreSQL is not installed. To run them, {INSTALL_HINT}."
        )

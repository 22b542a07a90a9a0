"""The migrations run on PostgreSQL as well as SQLite, since a PostgreSQL hub uses the same models (staff
accounts, review records and history included). A throwaway server is started for this; where PostgreSQL is
not installed, the test says so and is skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from kiosk.db.lite import SCHEMA_HEAD
from kiosk.db.store import _alembic_config

SERVER = ("initdb", "pg_ctl", "postgres")


def _as_server_user(args: list[str], folder: Path) -> list[str]:
    """PostgreSQL refuses to run as root: run it as 'nobody' then, in a folder that user owns."""
    if os.geteuid() != 0:
        return args
    shutil.chown(folder, "nobody")
    return ["runuser", "-u", "nobody", "--", *args]


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    if not all(shutil.which(tool) for tool in SERVER):
        pytest.skip("PostgreSQL is not installed here (initdb, pg_ctl, postgres)")
    # Not under pytest's own temporary folder: the server's user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="kiosk-postgres-"))
    folder.chmod(0o755)
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    for path in (data.parent, sockets):
        _as_server_user([], path)

    def run(*args: str) -> None:
        subprocess.run(
            _as_server_user(list(args), folder), check=True, capture_output=True, text=True, timeout=120
        )

    run("initdb", "-D", str(data), "-U", "kiosk", "--auth=trust", "-E", "UTF8")
    run(
        "pg_ctl",
        "-D",
        str(data),
        "-w",
        "-o",
        f"-c listen_addresses='' -k {sockets}",
        "-l",
        str(folder / "server.log"),
        "start",
    )
    try:
        yield f"postgresql+psycopg://kiosk@/postgres?host={sockets}"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def upgrade(engine: Engine, to: str) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, to)


def test_the_migrations_run_on_postgresql_and_carry_the_old_pin_over(postgres: str) -> None:
    engine = create_engine(postgres)
    try:
        upgrade(engine, "0001")
        pin = '{"scheme": "scrypt", "n": 16384, "r": 8, "p": 1, "salt": "00", "hash": "11"}'
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO settings (key, value, updated_at) VALUES ('_pin', :pin, now())"),
                {"pin": pin},
            )
        upgrade(engine, "head")
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == SCHEMA_HEAD
            tables = set(inspect(connection).get_table_names())
            assert {"staff_accounts", "reviews", "drafts", "changesets", "revisions", "chapters"} <= tables
            columns = {c["name"] for c in inspect(connection).get_columns("changesets")}
            assert {"author", "detail"} <= columns
            accounts = connection.execute(text("SELECT name, roles, pin FROM staff_accounts")).all()
            assert [(name, list(roles), pin_record["hash"]) for name, roles, pin_record in accounts] == [
                ("Administrator", ["admin", "reviewer"], "11")
            ]
            assert connection.execute(text("SELECT count(*) FROM settings WHERE key = '_pin'")).scalar() == 0
    finally:
        engine.dispose()

"""The same migrations build the hub on PostgreSQL, and the same import fills it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from kiosk import cli
from kiosk.db import lite
from kiosk.db.models import Base, HubBase, include_name
from kiosk.db.store import open_hub
from tests.helpers.db import FIXTURE_CONTENT


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_hub_init_builds_exactly_the_models_on_postgresql(
    hub_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["--db", hub_url, "hub", "init"], capsys)
    assert code == 0, err
    assert f"schema {lite.SCHEMA_HEAD}" in out
    hub = open_hub(hub_url)
    try:
        with hub.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": include_name})
            both = MetaData()
            for table in [*Base.metadata.tables.values(), *HubBase.metadata.tables.values()]:
                table.to_metadata(both)
            assert compare_metadata(context, both) == []
    finally:
        hub.close()
    assert run(["--db", hub_url, "hub", "init"], capsys)[0] == 0  # again: nothing to do, nothing breaks


def test_content_import_fills_the_hub_like_a_kiosk(hub_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", hub_url, "hub", "init"], capsys)[0] == 0
    code, out, err = run(["--db", hub_url, "content", "import", str(FIXTURE_CONTENT)], capsys)
    assert code == 0, err
    assert "added" in out
    code, out, err = run(["--db", hub_url, "faq", "search", "is it addictive", "--json"], capsys)
    assert code == 0, err
    assert "is-it-addictive" in out


def test_a_database_that_is_not_a_hub_is_one_line(hub_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--db", hub_url, "content", "import", str(FIXTURE_CONTENT)], capsys)
    assert code == 1 and out == ""
    assert err.strip().endswith("is not a kiosk hub yet: run 'kiosk --db URL hub init' first")


def test_an_unreachable_hub_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers.pg import free_port

    code, out, err = run(
        ["--db", f"postgresql://nobody@127.0.0.1:{free_port()}/hub", "hub", "status"], capsys
    )
    assert code == 1 and out == ""
    assert err.startswith("kiosk: cannot reach") and len(err.strip().splitlines()) == 1

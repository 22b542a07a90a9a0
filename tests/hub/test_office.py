"""The group office's commands: each mistake is one line and changes nothing; counts across sites hide small
numbers; what only a kiosk's file allows is refused on a hub."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import psycopg
import pytest

from kiosk.db import pg
from kiosk.services import fleet
from tests.helpers.hub import Hub, fixture_bundle, make_hub, make_kiosk, run
from tests.helpers.pg import Cluster

__all__ = ["fixture_bundle"]
pytestmark = pytest.mark.usefixtures("fixture_bundle")


def releases(hub: Hub) -> list[tuple[object, ...]]:
    with psycopg.connect(hub.url) as conn:
        return conn.execute("SELECT group_name, number FROM hub_releases ORDER BY 1, 2").fetchall()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["hub", "publish", "--key", "{stranger}", "--group", "g1"],
            "group g1's releases are signed with key",
        ),
        (
            ["hub", "publish", "--key", "{group}", "--group", "g1"],
            "nothing changed since release 1 of group g1",
        ),
        (["hub", "publish", "--key", "{group}.pub", "--group", "g2"], "is a public key"),
        (["hub", "publish", "--key", "{missing}", "--group", "g2"], "no such key file"),
        (["hub", "enroll", "lobby", "--group", "nowhere"], "group nowhere has no releases yet"),
        (["hub", "enroll", "Lobby 1", "--group", "g1"], "kiosk names are lower-case letters"),
        (["hub", "enroll", "lobby", "--group", "g1"], "already enrolled"),
        (
            ["hub", "enroll", "other", "--group", "g1", "--host", "192.0.2.7", "--sslmode", "disable"],
            "must be encrypted",
        ),
        (["hub", "revoke", "nobody"], "no kiosk called 'nobody' is enrolled"),
    ],
)
def test_office_mistakes_are_one_line_and_change_nothing(
    hub: Hub, tmp_path: Path, args: list[str], message: str
) -> None:
    hub.enroll("lobby")
    keys = {
        "stranger": str(hub.key("stranger")),
        "group": str(hub.key()),
        "missing": str(tmp_path / "missing.key"),
    }
    before = releases(hub), hub.kiosk("hub", "status", "--json")
    code, out, err = run("--db", hub.url, *[arg.format(**keys) for arg in args])
    assert code != 0 and out == "", out
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert (releases(hub), hub.kiosk("hub", "status", "--json")) == before


@pytest.mark.parametrize(
    "args",
    [
        ["hub", "status"],
        ["hub", "init"],
        ["hub", "enroll", "x", "--group", "g"],
        ["hub", "publish", "--key", "k"],
    ],
)
def test_hub_commands_need_a_hub(tmp_path: Path, args: list[str]) -> None:
    code, out, err = run("--db", str(tmp_path / "kiosk.sqlite3"), *args)
    assert code == 2 and out == "" and "works on a hub: give --db postgresql://" in err


@pytest.mark.parametrize(
    "args",
    [
        ["backup"],
        ["restore", "x"],
        ["pin", "set"],
        ["sync"],
        ["hub", "join", "x"],
        ["content", "fit"],
    ],
)
def test_what_only_a_kiosk_file_allows_is_refused_on_a_hub(hub: Hub, args: list[str]) -> None:
    code, out, err = run("--db", hub.url, *args)
    assert code in (1, 2) and out == "", out
    assert "kiosk's database file, not on a hub" in err and len(err.strip().splitlines()) == 1, err


def test_a_kiosk_that_has_not_joined_says_so_in_one_line(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path / "k.sqlite3")
    code, out, err = run("--db", str(kiosk), "sync")
    assert code == 1 and out == "" and "has not joined a hub" in err


def test_insights_add_up_across_sites_and_never_show_a_count_under_eleven(hub: Hub) -> None:
    for name in ("north-1", "north-2"):
        hub.enroll(name)
    today = dt.date.today()
    with psycopg.connect(hub.url, autocommit=True) as conn:
        for kiosk, target, count in [
            ("north-1", "often-read", 7),
            ("north-2", "often-read", 6),  # 13 in all: shown, though neither site reaches 11 alone
            ("north-1", "rarely-read", 4),
            ("north-2", "rarely-read", 6),  # 10 in all: never shown
            ("north-1", "once", 1),
        ]:
            conn.execute(
                "INSERT INTO hub_usage (kiosk, day, event, target, count) VALUES (%s, %s, 'page', %s, %s)",
                (kiosk, today, target, count),
            )
    found = json.loads(hub.kiosk("hub", "insights", "--json"))
    assert found["counts"] == [{"event": "page", "target": "often-read", "count": 13}]
    assert found["suppressed"] == 2 and found["kiosks"] == 2 and found["minimum_shown"] == 11
    text = hub.kiosk("hub", "insights")
    assert "often-read\t13" in text and "rarely-read" not in text


def test_two_hubs_on_one_server_keep_their_kiosks_apart(cluster: Cluster, tmp_path: Path) -> None:
    """Roles belong to the whole server: each hub's are named after its database, and one hub's kiosk cannot
    even connect to the other's."""
    first = make_hub(cluster.create_database("hubone"), tmp_path / "one")
    second = make_hub(cluster.create_database("hubtwo"), tmp_path / "two")
    try:
        for made in (first, second):
            made.folder.mkdir(exist_ok=True)
            made.publish()
        line = first.enroll("lobby")
        second.enroll("lobby")  # the same kiosk name on the other hub is another role
        url = pg.libpq_url(fleet.parse_line(line).url).replace("/hubone?", "/hubtwo?")
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(url).close()
    finally:
        cluster.drop_database("hubone")
        cluster.drop_database("hubtwo")

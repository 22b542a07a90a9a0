"""Each kiosk logs in as its own role and can read only its group's releases and write only its own rows: checked
by connecting as kiosk A's role, with the URL from A's own enrolment line, and trying everything else."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from kiosk.db import pg
from kiosk.services import fleet
from tests.helpers.hub import Hub, make_hub
from tests.helpers.pg import Cluster


@pytest.fixture(scope="module")
def two_groups(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Hub, fleet.Link, fleet.Link]]:
    """One hub for the whole module (nothing here can change it, which is the point): two groups, a kiosk in
    each, and a heartbeat and a count from each."""
    hub = make_hub(cluster.create_database("hubrls"), tmp_path_factory.mktemp("office"))
    hub.publish("north")
    hub.publish("south", key="south")
    a = fleet.parse_line(hub.enroll("kiosk-a", "north"))
    b = fleet.parse_line(hub.enroll("kiosk-b", "south"))
    for link in (a, b):  # each says hello once, so there are rows of both to try to reach
        with psycopg.connect(pg.libpq_url(link.url), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO hub_heartbeats (kiosk, seen_at, release, version) VALUES (%s, now(), 0, '')",
                (link.kiosk,),
            )
            conn.execute(
                "INSERT INTO hub_usage (kiosk, day, event, target, count) VALUES (%s, current_date, 'page', 'x', 1)",
                (link.kiosk,),
            )
    yield hub, a, b
    cluster.drop_database("hubrls")


def as_kiosk(link: fleet.Link) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(pg.libpq_url(link.url), autocommit=True)


def test_a_kiosk_reads_only_its_own_groups_releases(two_groups: tuple[Hub, fleet.Link, fleet.Link]) -> None:
    _, a, _ = two_groups
    with as_kiosk(a) as conn:
        assert conn.execute("SELECT group_name, number FROM hub_releases").fetchall() == [("north", 1)]
        assert conn.execute("SELECT count(*) FROM hub_releases WHERE group_name = 'south'").fetchone() == (0,)
        assert conn.execute("SELECT name FROM hub_kiosks").fetchall() == [("kiosk-a",)]
        assert conn.execute("SELECT kiosk FROM hub_heartbeats").fetchall() == [("kiosk-a",)]
        assert conn.execute("SELECT kiosk FROM hub_usage").fetchall() == [("kiosk-a",)]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO hub_usage (kiosk, day, event, target, count) VALUES ('kiosk-b', current_date, 'page', 'y', 9)",
        "INSERT INTO hub_heartbeats (kiosk, seen_at, release, version) VALUES ('kiosk-b', now(), 99, '')",
        "UPDATE hub_usage SET kiosk = 'kiosk-b' WHERE kiosk = 'kiosk-a'",
    ],
)
def test_a_kiosk_cannot_write_another_kiosks_rows(
    two_groups: tuple[Hub, fleet.Link, fleet.Link], statement: str
) -> None:
    _, a, _ = two_groups
    with as_kiosk(a) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        conn.execute(statement)


def test_what_a_kiosk_cannot_see_it_cannot_change(two_groups: tuple[Hub, fleet.Link, fleet.Link]) -> None:
    hub, a, _ = two_groups
    with as_kiosk(a) as conn:
        assert conn.execute("UPDATE hub_heartbeats SET release = 99 WHERE kiosk = 'kiosk-b'").rowcount == 0
        assert conn.execute("UPDATE hub_usage SET count = 99 WHERE kiosk = 'kiosk-b'").rowcount == 0
    with psycopg.connect(hub.url) as owner:
        assert owner.execute("SELECT release FROM hub_heartbeats WHERE kiosk = 'kiosk-b'").fetchone() == (0,)
        assert owner.execute("SELECT count FROM hub_usage WHERE kiosk = 'kiosk-b'").fetchone() == (1,)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM chapters",
        "SELECT * FROM settings",
        "SELECT * FROM hub_groups",
        "INSERT INTO hub_releases (group_name, number, created_at, published_by, summary, sha256, size, pack) "
        "VALUES ('north', 9, now(), '', '', '', 0, '')",
        "DELETE FROM hub_usage",
        "UPDATE hub_kiosks SET group_name = 'south'",
        "CREATE TABLE mine (x int)",
    ],
)
def test_a_kiosk_has_no_other_rights_at_all(
    two_groups: tuple[Hub, fleet.Link, fleet.Link], statement: str
) -> None:
    _, a, _ = two_groups
    with as_kiosk(a) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_the_hub_not_the_kiosk_says_when_it_was_last_seen(
    two_groups: tuple[Hub, fleet.Link, fleet.Link],
) -> None:
    hub, a, _ = two_groups
    with as_kiosk(a) as conn:
        conn.execute("UPDATE hub_heartbeats SET seen_at = '2099-01-01' WHERE kiosk = 'kiosk-a'")
    with psycopg.connect(hub.url) as owner:
        seen = owner.execute(
            "SELECT seen_at < now() AT TIME ZONE 'UTC' + interval '1 minute' FROM hub_heartbeats "
            "WHERE kiosk = 'kiosk-a'"
        ).fetchone()
        assert seen == (True,)

"""A clinic group end to end on a real PostgreSQL hub: enrol, publish, sync, converge, and what is refused."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from kiosk.content import signing
from kiosk.db import lite
from kiosk.services import fleet, usage
from tests.helpers.db import dump
from tests.helpers.hub import (
    Hub,
    content_only,
    edited_copy,
    fixture_bundle,
    kiosk_files,
    make_kiosk,
    run,
)

__all__ = ["fixture_bundle"]
pytestmark = pytest.mark.usefixtures("fixture_bundle")


def setting(path: Path, key: str) -> object:
    connection = lite.connect(path, readonly=True)
    try:
        return lite.get_setting(connection, key)
    finally:
        connection.close()


def put(path: Path, key: str, value: object) -> None:
    connection = lite.connect(path)
    try:
        with lite.transaction(connection):
            lite.put_setting(connection, key, value)
    finally:
        connection.close()


def release_of(path: Path) -> int:
    connection = lite.connect(path, readonly=True)
    try:
        return fleet.State.read(connection).release
    finally:
        connection.close()


def test_two_kiosks_converge_on_each_release_and_keep_their_own_settings(hub: Hub, tmp_path: Path) -> None:
    a = make_kiosk(tmp_path / "a.sqlite3", hub.enroll("lobby-a"))
    b = make_kiosk(tmp_path / "b.sqlite3", hub.enroll("lobby-b"))
    put(a, "clinic_name", "Lakeside Clinic")
    put(a, "clinic_phone", "555-0100")
    for kiosk in (a, b):
        assert "release 1 imported" in run("--db", str(kiosk), "sync")[1]
        assert release_of(kiosk) == 1

    edited = edited_copy(tmp_path, "Please bring a driver.", "Please bring a driver you trust.")
    site = edited / "site.yaml"
    site.write_text(
        site.read_text()
        .replace("idle_seconds: 60", "idle_seconds: 120")
        .replace("Test Clinic", "Group Office")
    )
    hub.import_folder(edited)
    assert "published release 2" in hub.publish()
    for kiosk in (a, b):
        code, out, err = run("--db", str(kiosk), "sync")
        assert code == 0 and "release 2 imported" in out, err
        assert release_of(kiosk) == 2
        assert content_only(kiosk_files(kiosk)) == content_only(hub.files())
        assert setting(kiosk, "idle_seconds") == 120  # the group's setting arrives
    # Each clinic's own name and phone stay its own; the office's name never reaches a clinic.
    assert setting(a, "clinic_name") == "Lakeside Clinic" and setting(a, "clinic_phone") == "555-0100"
    assert setting(b, "clinic_name") == "Test Clinic"
    status = json.loads(hub.kiosk("hub", "status", "--json"))
    assert [(k["name"], k["release"], k["behind"]) for k in status] == [
        ("lobby-a", 2, False),
        ("lobby-b", 2, False),
    ]
    assert {"name", "group", "release", "last_seen", "behind"} <= set(status[0])


def test_hub_status_shows_who_is_behind(hub: Hub, tmp_path: Path) -> None:
    a = make_kiosk(tmp_path / "a.sqlite3", hub.enroll("lobby-a"))
    make_kiosk(tmp_path / "b.sqlite3", hub.enroll("lobby-b"))
    run("--db", str(a), "sync")
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Bring a driver."))
    hub.publish()
    status = {k["name"]: k for k in json.loads(hub.kiosk("hub", "status", "--json"))}
    assert status["lobby-a"]["release"] == 1 and status["lobby-a"]["behind"] is True
    assert status["lobby-a"]["last_seen"] is not None
    assert status["lobby-b"]["last_seen"] is None and status["lobby-b"]["behind"] is True
    text = hub.kiosk("hub", "status")
    assert "lobby-a [g1] release 1 of 2 (BEHIND)" in text and "last seen never" in text


def _tamper(hub: Hub, number: int, change: Callable[[bytes], bytes]) -> None:
    """Replace release `number`'s pack in the hub, as someone with write access to the hub's tables could."""
    with psycopg.connect(hub.url, autocommit=True) as conn:
        row = conn.execute("SELECT pack FROM hub_releases WHERE number = %s", (number,)).fetchone()
        assert row is not None
        conn.execute("UPDATE hub_releases SET pack = %s WHERE number = %s", (change(bytes(row[0])), number))


def _rebuilt(pack: bytes) -> bytes:
    """The pack rebuilt with one answer changed and its manifest's checksum updated to match: exactly what a
    checksum cannot catch."""
    import hashlib

    source = zipfile.ZipFile(io.BytesIO(pack))
    files = {name: source.read(name) for name in source.namelist()}
    manifest = json.loads(files["manifest.json"])
    name = "en/faq/01-general.md"
    assert b"Bring someone who drives." in files[name]
    files[name] = files[name].replace(b"Bring someone who drives.", b"You may drive yourself.")
    manifest["files"][name] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for entry, data in files.items():
            target.writestr(entry, data)
    return out.getvalue()


@pytest.mark.parametrize("attack", ["tampered", "other key", "older release", "unsigned"])
def test_a_release_the_group_did_not_sign_as_that_number_is_refused_and_changes_nothing(
    hub: Hub, tmp_path: Path, attack: str
) -> None:
    kiosk = make_kiosk(tmp_path / "k.sqlite3", hub.enroll("lobby"))
    run("--db", str(kiosk), "sync")
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Bring a driver."))
    hub.publish()
    run("--db", str(kiosk), "sync")
    assert release_of(kiosk) == 2
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Bring someone who drives."))
    hub.publish()
    if attack == "tampered":
        _tamper(hub, 3, _rebuilt)
        expected = "release 3 is refused: its signature does not match its contents"
    elif attack == "other key":
        other = signing.load_private(hub.key("stranger"))
        _tamper(hub, 3, lambda pack: _resigned(pack, other, 3))
        expected = "release 3 is refused: it is signed by key"
    elif attack == "older release":  # release 1, validly signed as 1, offered as the newest
        with psycopg.connect(hub.url, autocommit=True) as conn:
            old = conn.execute("SELECT pack FROM hub_releases WHERE number = 1").fetchone()
            assert old is not None
        _tamper(hub, 3, lambda _pack: bytes(old[0]))
        expected = "release 3 is refused: it was signed as release 1"
    else:
        _tamper(hub, 3, lambda pack: _resigned(pack, None, 3))
        expected = "release 3 is refused: it is not signed"
    before = dump(kiosk)
    code, out, err = run("--db", str(kiosk), "sync")
    assert code == 1 and out == "" and expected in err and len(err.strip().splitlines()) == 1
    assert dump(kiosk) == before  # not a row, not the release number, not a backup's worth of state
    assert release_of(kiosk) == 2


def test_a_hub_whose_newest_release_is_older_than_the_kiosks_changes_nothing(
    hub: Hub, tmp_path: Path
) -> None:
    """A hub restored from an old backup (or its newest releases deleted) offers an older release as the newest:
    the kiosk keeps what it has and says it is up to date, and takes the next newer release when one comes."""
    kiosk = make_kiosk(tmp_path / "k.sqlite3", hub.enroll("lobby"))
    run("--db", str(kiosk), "sync")
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Bring a driver."))
    hub.publish()
    run("--db", str(kiosk), "sync")
    with psycopg.connect(hub.url, autocommit=True) as conn:
        conn.execute("DELETE FROM hub_releases WHERE number = 2")
    before = content_only(kiosk_files(kiosk))
    assert "Bring a driver." in before["en/faq/01-general.md"].decode()
    code, out, err = run("--db", str(kiosk), "sync")
    assert code == 0 and "up to date at release 2" in out, err
    assert content_only(kiosk_files(kiosk)) == before and release_of(kiosk) == 2
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Bring someone who drives."))
    hub.publish()  # numbered 2 again: not newer than what the kiosk has
    code, out, err = run("--db", str(kiosk), "sync")
    assert code == 0 and "up to date at release 2" in out and content_only(kiosk_files(kiosk)) == before
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Bring a friend who drives."))
    hub.publish()
    code, out, err = run("--db", str(kiosk), "sync")
    assert code == 0 and "release 3 imported" in out, err
    assert "Bring a friend who drives." in kiosk_files(kiosk)["en/faq/01-general.md"].decode()


def _resigned(pack: bytes, key: object, number: int) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(pack))
    files = {name: source.read(name) for name in source.namelist()}
    manifest = json.loads(files["manifest.json"])
    manifest.pop("signature")
    if key is not None:
        manifest["signature"] = signing.sign(manifest, key, number)  # type: ignore[arg-type]
    files["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for entry, data in files.items():
            target.writestr(entry, data)
    return out.getvalue()


def test_usage_pushed_twice_counts_once_and_a_later_push_replaces(hub: Hub, tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path / "k.sqlite3", hub.enroll("lobby"))
    connection = lite.connect(kiosk)
    try:
        with lite.transaction(connection):
            for _ in range(3):
                usage.record(connection, "page", "first-steps/picture")
    finally:
        connection.close()
    run("--db", str(kiosk), "sync")
    run("--db", str(kiosk), "sync")

    def pushed() -> list[tuple[object, ...]]:
        with psycopg.connect(hub.url) as conn:
            return conn.execute("SELECT kiosk, event, target, count FROM hub_usage").fetchall()

    assert pushed() == [("lobby", "page", "first-steps/picture", 3)]
    connection = lite.connect(kiosk)
    try:
        with lite.transaction(connection):
            usage.record(connection, "page", "first-steps/picture")
    finally:
        connection.close()
    run("--db", str(kiosk), "sync")
    assert pushed() == [("lobby", "page", "first-steps/picture", 4)]


def test_a_revoked_kiosk_reaches_nothing_and_keeps_working(hub: Hub, tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path / "k.sqlite3", hub.enroll("lobby"))
    run("--db", str(kiosk), "sync")
    assert "revoked" in hub.kiosk("hub", "revoke", "lobby")
    before = dump(kiosk)
    code, _, err = run("--db", str(kiosk), "sync")
    assert code == 1 and "refused the account or password" in err and len(err.strip().splitlines()) == 1
    assert dump(kiosk) == before
    assert run("--db", str(kiosk), "faq", "search", "drive")[0] == 0  # the kiosk itself is untouched
    line = hub.enroll("lobby")  # enrolling again after a revocation gives a new account
    run("--db", str(kiosk), "hub", "join", line)
    assert run("--db", str(kiosk), "sync")[0] == 0


def test_join_refuses_an_unencrypted_hub_outside_this_machine_and_a_damaged_line(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path / "k.sqlite3")
    key = signing.public_text(signing.load_private(_key(tmp_path)).public_key())
    remote = fleet.Link("postgresql://k:pw@192.0.2.10/hub?sslmode=prefer", "g1", "lobby", key).line()
    code, _, err = run("--db", str(kiosk), "hub", "join", remote)
    assert code == 1 and "must be encrypted" in err
    secure = fleet.Link("postgresql://k:pw@192.0.2.10/hub?sslmode=verify-full", "g1", "lobby", key).line()
    assert run("--db", str(kiosk), "hub", "join", secure)[0] == 0
    code, _, err = run("--db", str(kiosk), "hub", "join", secure[:-10])
    assert code == 1 and "damaged or cut short" in err
    other = signing.public_text(signing.load_private(_key(tmp_path / "other")).public_key())
    elsewhere = fleet.Link(
        "postgresql://k:pw@192.0.2.10/hub?sslmode=verify-full", "g2", "lobby", other
    ).line()
    code, _, err = run("--db", str(kiosk), "hub", "join", elsewhere)
    assert code == 1 and "Run again with --replace to change groups" in err
    assert run("--db", str(kiosk), "hub", "join", elsewhere, "--replace")[0] == 0


def _key(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "k.key"
    signing.generate(path)
    return path


def test_the_heartbeat_says_how_long_the_kiosk_has_run_and_how_often_it_restarted(
    hub: Hub, tmp_path: Path
) -> None:
    import datetime as dt

    kiosk = make_kiosk(tmp_path / "k.sqlite3", hub.enroll("lobby"))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    before = dump(kiosk)
    for hours in (30, 3, 2):  # one start yesterday, two in the last day: the kiosk restarted once
        fleet.record_start(kiosk, now - dt.timedelta(hours=hours))
    assert dump(kiosk) == before  # starts are kept beside the database, never in it
    fleet.sync_once(kiosk, now=now)
    with psycopg.connect(hub.url) as conn:
        row = conn.execute("SELECT uptime_s, restarts, release, free_disk_mb FROM hub_heartbeats").fetchone()
    assert row is not None
    uptime, restarts, release, free = row
    assert uptime == 2 * 3600 and restarts == 1 and release == 1 and free > 0

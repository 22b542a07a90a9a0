"""A backup is a file from outside: each one built here to attack the kiosk is refused with one line, before it
touches the live database, which stays exactly as it was (whole-dump comparison). Restores that are allowed keep
the running kiosk's staff accounts and PINs unless asked otherwise."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.db import backup, lite
from kiosk.db.store import Store
from kiosk.services import auth, usage
from tests.helpers.db import dump

PIN, OTHER_PIN = "482916", "735102"

#: A PIN hash an attacker knows the PIN for ("1397"), in the stored format.
PLANTED = (
    '{"scheme": "scrypt", "n": 16384, "r": 8, "p": 1, "salt": "00000000000000000000000000000000", '
    '"hash": "0000000000000000000000000000000000000000000000000000000000000000"}'
)

ATTACKS = {
    "newer-schema": (
        ["UPDATE alembic_version SET version_num = '0099'"],
        "was made by a newer or different version of the kiosk "
        f"(schema 0099; this version knows up to {lite.SCHEMA_HEAD})",
    ),
    "wrong-columns": (
        [
            "DROP TABLE settings",
            "CREATE TABLE settings (key VARCHAR(64) NOT NULL, value TEXT, updated_at DATETIME, PRIMARY KEY (key))",
        ],
        "has a table 'settings' whose columns or constraints differ from the kiosk's",
    ),
    "trigger-zeroes-lockout": (
        [
            "CREATE TRIGGER keep_trying AFTER UPDATE OF failures ON staff_accounts BEGIN "
            "UPDATE staff_accounts SET failures = 0, locked_until = NULL WHERE id = NEW.id; END"
        ],
        "holds a trigger 'keep_trying' the kiosk did not create",
    ),
    "trigger-plants-pin": (
        [
            "CREATE TRIGGER plant AFTER INSERT ON usage_counts BEGIN "
            f"UPDATE staff_accounts SET pin = '{PLANTED}'; END"
        ],
        "holds a trigger 'plant' the kiosk did not create",
    ),
    "view": (
        ["CREATE VIEW pins AS SELECT pin FROM staff_accounts"],
        "holds a view 'pins' the kiosk did not create",
    ),
    "index": (
        ["CREATE INDEX ix_extra ON usage_counts (target)"],
        "holds an index 'ix_extra' the kiosk did not create",
    ),
    "table": (["CREATE TABLE notes (x TEXT)"], "holds a table 'notes' the kiosk did not create"),
}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def set_pin(db: Path, pin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    assert run(["--db", str(db), "pin", "set"], capsys)[0] == 0


def pin_works(db: Path, pin: str) -> bool:
    connection = lite.connect(db)
    try:
        with lite.transaction(connection):
            return auth.verify_pin(connection, pin)
    finally:
        connection.close()


def hostile(source: Path, folder: Path, name: str, statements: list[str]) -> Path:
    path = backup.backup(source, folder / f"{name}.sqlite3")
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()
    return path


@pytest.fixture
def live(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """The running kiosk's database, with a staff PIN."""
    store.close()
    set_pin(store.path, PIN, monkeypatch, capsys)
    return store.path


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_hostile_backup_is_refused_with_one_line_and_the_database_is_unchanged(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], attack: str
) -> None:
    statements, reason = ATTACKS[attack]
    evil = hostile(live, tmp_path, attack, statements)
    before = dump(live)
    code, out, err = run(["--db", str(live), "restore", str(evil)], capsys)
    assert (code, out) == (1, "")
    assert err == f"kiosk: {evil.name} {reason}; nothing was restored\n"
    assert dump(live) == before
    assert backup.backups_of(live) == []  # refused before even the safety backup
    assert not [p for p in live.parent.iterdir() if p.name.startswith(".kiosk-restore-")]
    assert pin_works(live, PIN)


def trusted_copy(live: Path, tmp_path: Path, attack: str) -> sqlite3.Connection:
    """The hostile backup copied in whole, as restores used to do."""
    trusted = tmp_path / f"{attack}-live.sqlite3"
    shutil.copy(hostile(live, tmp_path, attack, ATTACKS[attack][0]), trusted)
    return lite.connect(trusted)


def test_the_trigger_attacks_are_real_when_a_file_is_trusted(live: Path, tmp_path: Path) -> None:
    """The control for the refusals above: trusted, the triggers do what they were made for."""
    connection = trusted_copy(live, tmp_path, "trigger-plants-pin")
    try:
        with lite.transaction(connection):
            usage.record(connection, "page", "first-steps/picture")  # the next patient's tap
        pins = connection.execute("SELECT pin FROM staff_accounts").fetchall()
        assert pins and all(lite.decode(pin)["salt"] == "0" * 32 for (pin,) in pins)
    finally:
        connection.close()
    connection = trusted_copy(live, tmp_path, "trigger-zeroes-lockout")
    try:
        for _ in range(auth.FREE_TRIES * 4):  # never locked out
            with lite.transaction(connection):
                assert not auth.verify_pin(connection, "000000")
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["text", "empty-database", "other-program", "sqlite-header-then-garbage"])
def test_files_that_are_not_kiosk_backups_are_refused(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    bad = tmp_path / f"{kind}.sqlite3"
    reasons = {
        "text": "is not a kiosk backup (not a SQLite database)",
        "empty-database": "is not a kiosk backup (it is an empty database)",
        "other-program": "is a database, but not the kiosk's",
        "sqlite-header-then-garbage": "is damaged",
    }
    if kind == "text":
        bad.write_text("my notes\n")
    elif kind == "sqlite-header-then-garbage":
        bad.write_bytes(lite.SQLITE_HEADER + b"\xff" * 5000)
    else:
        connection = sqlite3.connect(bad)
        if kind == "other-program":
            connection.execute("CREATE TABLE bookmarks (url TEXT)")
        connection.execute("PRAGMA user_version = 1")  # an empty database is still a file
        connection.commit()
        connection.close()
    before = dump(live)
    code, out, err = run(["--db", str(live), "restore", str(bad)], capsys)
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"kiosk: {bad.name} {reasons[kind]}") and err.endswith("; nothing was restored\n")
    assert dump(live) == before


@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-zero", "folder", "huge"])
def test_restore_never_reads_what_is_not_a_regular_file_of_sensible_size(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    bad = tmp_path / "backup.sqlite3"
    if kind == "fifo":
        os.mkfifo(bad)
    elif kind == "link-to-dev-zero":
        bad.symlink_to("/dev/zero")
    elif kind == "folder":
        bad.mkdir()
    else:
        with open(bad, "wb") as file:  # sparse: takes no room on the disk
            file.write(lite.SQLITE_HEADER)
            file.truncate(backup.MAX_BACKUP_BYTES + 1)
    before = dump(live)
    code, _, err = run(["--db", str(live), "restore", str(bad)], capsys)
    expected = "(it is 2048 MB)" if kind == "huge" else "(not a regular file)"
    assert (code, err) == (
        1,
        f"kiosk: backup.sqlite3 is not a kiosk backup {expected}; nothing was restored\n",
    )
    assert dump(live) == before


def test_restore_keeps_the_running_kiosks_pin_unless_asked(
    live: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = backup.backup(live, tmp_path / "old.sqlite3")  # made while the PIN was PIN
    set_pin(live, OTHER_PIN, monkeypatch, capsys)
    for _ in range(3):
        assert not pin_works(live, "000000")  # three wrong tries on the running kiosk
    code, out, _ = run(["--db", str(live), "restore", str(old)], capsys)
    assert code == 0
    assert out.splitlines()[1] == (
        "the staff accounts and PINs are this kiosk's, as before the restore (--with-pins takes the backup's instead)"
    )
    connection = lite.connect(live)
    try:
        assert auth.lockout(connection, auth.FIRST_ADMIN).failures == 3  # the lockout came along with the PIN
    finally:
        connection.close()
    assert pin_works(live, OTHER_PIN) and not pin_works(live, PIN)

    code, out, _ = run(["--db", str(live), "restore", str(old), "--with-pins"], capsys)
    assert code == 0 and out.splitlines()[1] == "the staff accounts and PINs are now the ones in the backup"
    assert pin_works(live, PIN) and not pin_works(live, OTHER_PIN)


def test_restoring_onto_a_kiosk_without_a_pin_takes_the_backups(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_pin = backup.backup(live, tmp_path / "with-pin.sqlite3")
    connection = lite.connect(live)
    with lite.transaction(connection):
        connection.execute("DELETE FROM staff_accounts")
    connection.close()
    code, out, _ = run(["--db", str(live), "restore", str(with_pin)], capsys)
    assert code == 0 and out.splitlines()[1] == "the staff accounts and PINs are now the ones in the backup"
    assert pin_works(live, PIN)


@pytest.mark.logs_warnings
def test_a_damaged_live_database_is_set_aside_and_the_restore_goes_ahead(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = backup.backup(live, tmp_path / "good.sqlite3")
    expected = dump(good)
    live.write_bytes(bytes(range(256)) * 64)  # the first pages overwritten
    code, out, err = run(["--db", str(live), "restore", str(good)], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == f"restored {good} (there was no state to save)"
    restore = [line for line in dump(live) if line not in expected]
    assert len(restore) == 1 and "'backup-restore'" in restore[0]  # the restore, in the history
    assert [line for line in dump(live) if line != restore[0]] == expected
    assert [p for p in live.parent.iterdir() if ".damaged-" in p.name]


def test_a_restore_onto_a_text_file_leaves_it_alone(
    tmp_path: Path, live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = backup.backup(live, tmp_path / "good.sqlite3")
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    code, _, err = run(["--db", str(notes), "restore", str(good)], capsys)
    assert code == 1 and err.startswith(f"kiosk: {notes} is not a kiosk database (it holds text)")
    assert notes.read_text() == "mine\n"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("index-out-of-step", "failed its integrity check: row 1 missing from index ix_pages_chapter_id"),
        ("broken-pages", "is damaged (database disk image is malformed)"),
    ],
)
def test_a_backup_that_opens_but_is_damaged_inside_is_refused(
    live: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, reason: str
) -> None:
    """The file opens and its schema reads fine, so only SQLite's integrity check can tell."""
    damaged = backup.backup(live, tmp_path / "damaged.sqlite3")
    if damage == "index-out-of-step":  # an index that no longer matches its table, as a bad disk can leave
        connection = sqlite3.connect(damaged)
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute(
            "UPDATE sqlite_master SET sql = replace(sql, '(chapter_id)', '(slug)') WHERE name = 'ix_pages_chapter_id'"
        )
        connection.commit()
        connection.close()
    else:
        connection = sqlite3.connect(damaged)
        schema = {
            n - 1 for (n,) in connection.execute("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")
        }
        connection.close()
        data = bytearray(damaged.read_bytes())
        page = backup.PAGE_SIZE
        pages = len(data) // page
        for number in range(pages // 2, pages, 3):  # break the b-tree headers of some later pages
            if number not in schema:  # the schema's own pages stay whole: the file must still open
                data[number * page : number * page + 8] = b"\xaa" * 8
        damaged.write_bytes(bytes(data))
    connection = sqlite3.connect(damaged)
    try:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0  # it opens
    finally:
        connection.close()
    before = dump(live)
    code, _, err = run(["--db", str(live), "restore", str(damaged)], capsys)
    assert (code, err) == (1, f"kiosk: damaged.sqlite3 {reason}; nothing was restored\n")
    assert dump(live) == before

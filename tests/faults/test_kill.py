"""A power cut (kill -9) in the middle of an import, a staff edit or a pack import leaves the old content or the
new, never a mix, and the kiosk starts afterwards. Each test kills a real process half-way through its write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.content.sync import export_files
from kiosk.db import lite
from kiosk.db.store import Store, open_store
from kiosk.services import library, startup
from kiosk.services.catalogue import load_catalogue

CHILD = r"""
import sys, time
from pathlib import Path
from kiosk.content.state import RowWriter
from kiosk.db.store import open_store
from kiosk.services import library, staff
from kiosk.services.auth import COMMAND_LINE

db, action, argument = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
real_write = RowWriter.write
writes = {"count": 0}

def write_then_stall(self, key, fields, blobs=None):
    writes["count"] += 1
    result = real_write(self, key, fields, blobs)
    if writes["count"] == 3:  # some rows are written, the transaction is still open
        self.session.flush()
        print("HALF-WAY", flush=True)
        time.sleep(120)
    return result

RowWriter.write = write_then_stall
store = open_store(db)
if action == "import":
    library.import_folder_with_backup(store, Path(argument))
elif action == "pack":
    library.import_pack(store, Path(argument))
elif action == "edit":
    with store.session() as session, session.begin():
        staff.add_chapter(session, "en", argument, by=COMMAND_LINE)  # four rows in one staff action
print("FINISHED", flush=True)
"""


def snapshot(store: Store) -> dict[str, bytes]:
    with store.session() as session:
        return export_files(session)


def kill_half_way(db: Path, action: str, argument: str) -> None:
    env = {**os.environ, "KIOSK_DATA_DIR": str(db.parent / "data")}
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), action, argument],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        line = child.stdout.readline()
        if line.strip() == "HALF-WAY":
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        errors = child.stderr.read()
    assert line.strip() == "HALF-WAY", (line, errors)
    assert child.returncode == -signal.SIGKILL


def changed_folder(store: Store, tmp_path: Path) -> Path:
    folder = tmp_path / "changed"
    with store.session() as session:
        library.export_folder(session, folder)
    for lang, old, new in (("en", "No.", "Absolutely not."), ("es", "No.", "De ninguna manera.")):
        path = folder / f"{lang}/faq/01-general.md"
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    (folder / "en/topics/02-second.md").write_text(
        (folder / "en/topics/02-second.md")
        .read_text(encoding="utf-8")
        .replace("# The second", "# A new second"),
        encoding="utf-8",
    )
    return folder


def assert_old_content_and_kiosk_starts(db: Path, before: dict[str, bytes]) -> None:
    connection = lite.connect(db)
    try:
        lite.check_integrity(connection)
    finally:
        connection.close()
    store = open_store(db)
    try:
        assert snapshot(store) == before  # not a mix: everything as it was before
    finally:
        store.close()
    start = startup.prepare(db)
    connection = lite.connect(start.db_path)
    try:
        assert load_catalogue(connection, "en").chapters
    finally:
        connection.close()


@pytest.mark.parametrize("action", ["import", "pack", "edit"])
def test_a_kill_half_way_leaves_the_old_content(store: Store, tmp_path: Path, action: str) -> None:
    before = snapshot(store)
    if action == "import":
        argument = str(changed_folder(store, tmp_path))
    elif action == "pack":
        folder = changed_folder(store, tmp_path)
        other = open_store(tmp_path / "other.sqlite3")
        try:
            library.import_folder_with_backup(other, folder)
            with other.session() as session:
                library.export_pack(session, tmp_path / "changed.zip")
        finally:
            other.close()
        argument = str(tmp_path / "changed.zip")
    else:
        argument = "Parking and directions"
    db = store.path
    store.close()
    kill_half_way(db, action, argument)
    assert_old_content_and_kiosk_starts(db, before)


def test_the_same_import_finished_gives_the_new_content(store: Store, tmp_path: Path) -> None:
    """The control for the tests above: uninterrupted, the change does land."""
    folder = changed_folder(store, tmp_path)
    before = snapshot(store)
    library.import_folder_with_backup(store, folder)
    after = snapshot(store)
    assert after != before and b"Absolutely not." in after["en/faq/01-general.md"]

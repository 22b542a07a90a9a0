"""The command-line contract: exit codes, one-line errors, --db and KIOSK_DB, JSON output."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.db import lite
from tests.helpers.db import dump

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_the_bundled_content(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["content", "validate"], capsys)
    assert code == 0, out
    assert " 0 error(s)" in err


def test_validate_reports_file_and_line_and_exits_1(
    content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = content_dir / "en/faq/01-general.md"
    path.write_text(path.read_text(encoding="utf-8").replace("{#is-it-addictive}", ""), encoding="utf-8")
    code, out, _ = run(["content", "validate", str(content_dir)], capsys)
    assert code == 1
    assert "en/faq/01-general.md:14: heading 'Is ketamine addictive?' has no id" in out


def test_validate_as_json(content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["content", "validate", str(content_dir), "--json"], capsys)
    problems = json.loads(out)
    assert code == 0
    assert all(set(p) == {"file", "line", "severity", "message"} for p in problems)
    assert {p["severity"] for p in problems} == {"warning"}


def test_a_missing_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["content", "validate", str(tmp_path / "nope")], capsys)
    assert code == 2 and out == ""
    assert err.strip() == f"kiosk: {tmp_path / 'nope'}: no such folder"


def test_first_command_creates_the_database_from_the_bundled_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "new" / "kiosk.sqlite3"
    monkeypatch.setenv("KIOSK_DB", str(db))
    code, out, _ = run(["faq", "search", "can I drive myself home", "--json"], capsys)
    assert code == 0 and db.exists()
    results = json.loads(out)
    assert results[0]["id"] == "can-i-drive"
    assert {"id", "question", "category", "score"} <= set(results[0])


def test_db_option_wins_over_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_DB", str(tmp_path / "env.sqlite3"))
    code, out, _ = run(
        ["--db", str(tmp_path / "option.sqlite3"), "faq", "search", "¿es adictiva?", "--lang", "es"], capsys
    )
    assert code == 0 and "is-it-addictive" in out
    assert (tmp_path / "option.sqlite3").exists() and not (tmp_path / "env.sqlite3").exists()


def test_import_export_round_trip_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "k.sqlite3")
    assert run(["--db", db, "content", "import"], capsys)[0] == 0
    code, out, _ = run(["--db", db, "content", "export", str(tmp_path / "out")], capsys)
    assert code == 0 and out.startswith("exported ")
    assert run(["content", "validate", str(tmp_path / "out")], capsys)[0] == 0
    code, out, _ = run(["--db", db, "content", "import", str(tmp_path / "out")], capsys)
    assert code == 0 and out.strip().endswith("no changes")


def test_a_bad_import_lists_problems_and_changes_nothing(
    tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "k.sqlite3"
    run(["--db", str(db), "content", "import"], capsys)
    before = dump(db)
    (content_dir / "en/topics/01-first-steps.md").write_bytes(b"---\nid: x\n---\n# T\n## P {#p}\n\xff\xfe")
    code, out, err = run(["--db", str(db), "content", "import", str(content_dir)], capsys)
    assert code == 1 and out == ""
    assert "en/topics/01-first-steps.md:6: the file is not valid UTF-8 text (save it as UTF-8)" in err
    assert err.strip().splitlines()[-1].endswith("nothing was imported")
    assert dump(db) == before


def test_a_locked_database_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "k.sqlite3"
    run(["--db", str(db), "content", "import"], capsys)
    monkeypatch.setattr(lite, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run(
            ["--db", str(db), "content", "import", str(ROOT / "tests/fixtures/content")], capsys
        )
    finally:
        holder.rollback()
        holder.close()
    assert code == 1
    assert (
        err.strip() == "kiosk: the database is busy: another kiosk program is using it; try again in a moment"
    )


def test_dry_run_lists_changes_and_changes_nothing(
    tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "k.sqlite3"
    run(["--db", str(db), "content", "import"], capsys)
    before = dump(db)
    code, out, _ = run(["--db", str(db), "content", "import", str(content_dir), "--dry-run"], capsys)
    assert code == 0 and "(nothing was changed)" in out and "removed: chapter what-is-ketamine" in out
    assert dump(db) == before


def test_main_py_and_the_installed_command_are_the_same_program(tmp_path: Path) -> None:
    env_db = str(tmp_path / "k.sqlite3")
    results = []
    for command in ([sys.executable, str(ROOT / "main.py")], [str(Path(sys.executable).parent / "kiosk")]):
        done = subprocess.run(
            [*command, "--db", env_db, "faq", "search", "zzzz qqqq"],
            capture_output=True,
            text=True,
            check=False,
        )
        results.append((done.returncode, done.stdout))
        bad = subprocess.run(
            [*command, "content", "validate", str(tmp_path / "missing")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.splitlines()) == 1
    assert results[0] == results[1] == (0, "no matching questions\n")


def test_pin_set_reads_stdin_and_refuses_weak_pins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from kiosk.db.store import open_store
    from kiosk.services import auth

    db = tmp_path / "k.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("1111\n"))
    code, _, err = run(["--db", str(db), "pin", "set"], capsys)
    assert code == 1 and "too easy to guess" in err and not db.exists()
    monkeypatch.setattr(sys, "stdin", io.StringIO("482916\n"))
    code, out, _ = run(["--db", str(db), "pin", "set"], capsys)
    assert code == 0 and out.strip() == "staff PIN set for Administrator (admin)"
    store = open_store(db)
    try:
        with store.session() as session, session.begin():
            assert auth.verify_pin(session, "482916")
    finally:
        store.close()


@pytest.mark.parametrize("screen", cli.SCREENS)
def test_screenshot_renders_every_screen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], screen: str, qapp: object
) -> None:
    out = tmp_path / f"{screen}.png"
    code, printed, _ = run(
        [
            "--db",
            str(tmp_path / "k.sqlite3"),
            "screenshot",
            screen,
            str(out),
            "--size",
            "1080x1920",
            "--lang",
            "es",
        ],
        capsys,
    )
    assert code == 0 and printed.strip() == f"wrote {out}"
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1080, 1920)


def test_screenshot_of_a_reader_page_and_a_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    db = str(tmp_path / "k.sqlite3")
    assert (
        run(
            ["--db", db, "screenshot", "reader", str(tmp_path / "r.png"), "--page", "how-it-works/nmda"],
            capsys,
        )[0]
        == 0
    )
    assert (
        run(["--db", db, "screenshot", "faq", str(tmp_path / "f.png"), "--query", "can i drive"], capsys)[0]
        == 0
    )
    code, _, err = run(["screenshot", "home", str(tmp_path / "x.png"), "--size", "12x12"], capsys)
    assert code == 2 and "between 320 and 8000" in err


@pytest.mark.parametrize("pin", ["٤٨٢٩١٦", "４８２９１６"])
def test_pin_set_refuses_digits_the_keypad_cannot_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pin: str
) -> None:
    import io

    db = tmp_path / "k.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("482916\n"))
    assert run(["--db", str(db), "pin", "set"], capsys)[0] == 0
    before = dump(db)
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    code, out, err = run(["--db", str(db), "pin", "set"], capsys)
    assert (code, out, err) == (1, "", "kiosk: the PIN must be 4 to 8 of the digits 0-9\n")
    assert dump(db) == before


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_backup_refuses_the_live_database_and_the_files_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    db = tmp_path / "k.sqlite3"
    assert run(["--db", str(db), "content", "import"], capsys)[0] == 0
    reader = sqlite3.connect(db)  # a running kiosk keeps the -wal and -shm files there
    reader.execute("SELECT count(*) FROM chapters").fetchone()
    target = Path(f"{db}{suffix}")
    before = dump(db)
    try:
        code, out, err = run(["--db", str(db), "backup", str(target)], capsys)
    finally:
        reader.close()
    assert (code, out) == (1, "")
    assert err == (
        "kiosk: a backup cannot overwrite the database it copies, nor the files SQLite keeps beside it\n"
    )
    assert dump(db) == before
    assert not (tmp_path / "backups").exists() and not list(tmp_path.glob("*.partial"))


def test_content_fit_lists_what_does_not_fit_and_exits_1(
    content_dir: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    code, out, err = run(["content", "fit", str(content_dir), "--json", "--all"], capsys)
    fits = json.loads(out)
    assert code == 0 and "0 do not fit" in err
    assert len(fits) == 4 * 3 * 2 * 4  # sizes x text sizes x languages x pages
    assert all(set(f) >= {"page", "lang", "size", "text_size", "visible_fraction", "scrolls"} for f in fits)
    assert {f["size"] for f in fits} == {"1920x1080", "1080x1920", "1366x768", "1280x800"}
    assert {f["text_size"] for f in fits} == {"normal", "large", "largest"}
    summary = content_dir / "en/topics/01-first-steps.md"
    many = "\n".join(
        f"- Point {n}: a summary that goes on and on, far longer than a page can hold." for n in range(30)
    )
    summary.write_text(
        summary.read_text(encoding="utf-8").replace("- Pictures have alt text.", many), encoding="utf-8"
    )
    code, out, _ = run(["content", "fit", str(content_dir), "--json", "--size", "1920x1080"], capsys)
    listed = json.loads(out)
    assert code == 1 and listed and {f["page"] for f in listed} == {"first-steps/summary"}
    assert all(f["scrolls"] and f["visible_fraction"] < 0.9 and f["lang"] == "en" for f in listed)
    code, out, _ = run(["content", "fit", str(content_dir), "--size", "1920x1080"], capsys)
    assert code == 1
    assert "first-steps/summary [en] 1920x1080 normal: shows" in out
    assert "does not fit: a summary that shows only" in out and "needs scrolling in normal text" in out

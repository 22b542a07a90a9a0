"""The command line for staff and support: accounts, clinical review, what is due, history and undo."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.db.store import Store


def run(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(store: Store) -> list[str]:
    store.close()
    return ["--db", str(store.path)]


def test_staff_accounts_from_the_command_line(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(
        [*db, "staff", "add", "Ana Ruiz", "--role", "admin", "--role", "reviewer"],
        capsys,
        monkeypatch,
        "482916\n",
    )[:2] == (0, "added Ana Ruiz (reviewer, admin)\n")
    code, _, err = run([*db, "staff", "add", "Ben", "--role", "editor"], capsys, monkeypatch, "1111\n")
    assert (
        code == 1
        and err == "kiosk: that PIN is too easy to guess; choose digits that do not repeat or run in order\n"
    )
    assert run([*db, "staff", "add", "Ben", "--role", "editor"], capsys, monkeypatch, "615243\n")[0] == 0
    code, out, _ = run([*db, "staff", "list", "--json"], capsys, monkeypatch)
    assert json.loads(out) == [
        {"name": "Ana Ruiz", "roles": ["reviewer", "admin"]},
        {"name": "Ben", "roles": ["editor"]},
    ]
    code, _, err = run([*db, "staff", "remove", "Ana Ruiz"], capsys, monkeypatch)
    assert code == 1 and "only admin" in err
    assert run([*db, "staff", "set-pin", "ben"], capsys, monkeypatch, "739215\n")[:2] == (
        0,
        "PIN set for ben\n",
    )
    assert run([*db, "staff", "remove", "Ben"], capsys, monkeypatch)[:2] == (0, "removed Ben\n")
    code, out, _ = run([*db, "history", "list", "--json"], capsys, monkeypatch)
    assert [(c["kind"], c["summary"], c["author"]) for c in json.loads(out)[:2]] == [
        ("staff", "removed Ben", "command line"),
        ("staff", "new PIN for ben", "command line"),
    ]
    assert "739215" not in out and "615243" not in out


def test_a_reviewer_signs_off_by_name_and_pin_and_due_shows_what_is_left(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run([*db, "staff", "add", "Dr. Lee", "--role", "reviewer"], capsys, monkeypatch, "482916\n")
    run([*db, "staff", "add", "Ed", "--role", "editor"], capsys, monkeypatch, "615243\n")
    code, out, _ = run([*db, "content", "due", "--json"], capsys, monkeypatch)
    due = {(d["kind"], d["id"]): d["reason"] for d in json.loads(out)}
    assert (
        due[("chapter", "second")] == "never reviewed"
        and due[("faq_entry", "can-i-drive")] == "never reviewed"
    )
    code, _, err = run(
        [*db, "content", "review", "second", "--by", "Dr. Lee"], capsys, monkeypatch, "000000\n"
    )
    assert code == 1 and "not right; nothing was recorded" in err
    code, _, err = run([*db, "content", "review", "second", "--by", "Ed"], capsys, monkeypatch, "615243\n")
    assert code == 1 and "Ed cannot mark content reviewed: that needs the reviewer role" in err
    code, out, _ = run(
        [*db, "content", "review", "second", "--by", "dr. lee"], capsys, monkeypatch, "482916\n"
    )
    assert (code, out) == (0, "chapter second reviewed by Dr. Lee today\n")
    run([*db, "content", "review", "can-i-drive", "--by", "Dr. Lee"], capsys, monkeypatch, "482916\n")
    code, out, _ = run([*db, "content", "due", "--json"], capsys, monkeypatch)
    left = {(d["kind"], d["id"]) for d in json.loads(out)}
    assert ("chapter", "second") not in left and ("faq_entry", "can-i-drive") not in left
    assert ("faq_entry", "is-it-addictive") in left


def test_history_undo_says_what_it_will_do_and_asks(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, _ = run([*db, "history", "list", "--json"], capsys, monkeypatch)
    first = json.loads(out)[-1]
    assert first["kind"] == "bundled-import" and first["author"] == "command line"
    code, out, err = run([*db, "history", "undo", str(first["id"])], capsys, monkeypatch)
    assert code == 2 and "add --yes" in err  # not a terminal and no --yes: nothing is done
    assert (
        "This removes 2 chapters, 5 pages, 2 teach-back questions, 1 question group, 2 answers and 2 pictures"
        in out
    )
    code, out, _ = run([*db, "history", "undo", str(first["id"]), "--yes"], capsys, monkeypatch)
    assert code == 0 and out.endswith(f"undone: {first['summary']}\n")
    code, out, _ = run([*db, "history", "list", "--json"], capsys, monkeypatch)
    undo = json.loads(out)[0]
    assert undo["kind"] == "undo"
    assert run([*db, "history", "undo", str(undo["id"]), "--yes"], capsys, monkeypatch)[0] == 0  # and back
    code, out, _ = run([*db, "faq", "search", "drive", "--json"], capsys, monkeypatch)
    assert [r["id"] for r in json.loads(out)][:1] == ["can-i-drive"]


def test_a_restore_is_undone_by_restoring_the_backup_taken_before_it(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    assert run([*db, "backup", str(copy)], capsys, monkeypatch)[0] == 0
    assert run([*db, "restore", str(copy)], capsys, monkeypatch)[0] == 0
    code, out, _ = run([*db, "history", "list", "--json"], capsys, monkeypatch)
    restore = json.loads(out)[0]
    assert restore["kind"] == "backup-restore" and restore["summary"] == "restored the backup copy.sqlite3"
    code, out, _ = run([*db, "history", "undo", str(restore["id"]), "--yes"], capsys, monkeypatch)
    assert code == 0 and "restores the backup taken just before it" in out
    code, out, _ = run([*db, "history", "list", "--json"], capsys, monkeypatch)
    kinds = [c["kind"] for c in json.loads(out)]
    assert (
        kinds[0] == "backup-restore" and "backup-restore" not in kinds[1:]
    )  # back to before the first restore

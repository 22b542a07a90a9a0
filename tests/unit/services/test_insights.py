"""The dashboard's numbers and the CSV export, from the daily counts as they are stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.db import lite
from kiosk.db.store import Store
from kiosk.errors import KioskError
from kiosk.services import insights, usage
from kiosk.services.catalogue import load_catalogue

TODAY = dt.date(2026, 11, 30)


def counts(store: Store, rows: dict[tuple[int, str, str], int]) -> None:
    """Store counts (days ago, event, target): count, as the kiosk's flush would."""
    connection = lite.connect(store.path)
    try:
        with lite.write_now(connection):
            usage.record_counts(
                connection,
                {((TODAY - dt.timedelta(days=ago)).isoformat(), e, t): n for (ago, e, t), n in rows.items()},
            )
    finally:
        connection.close()


@pytest.fixture
def filled(store: Store) -> Store:
    counts(
        store,
        {
            (0, "session", ""): 3,
            (2, "session", ""): 2,
            (40, "session", ""): 9,  # outside the last 30 days
            (0, "session-minutes", "3-5"): 2,
            (2, "session-minutes", "20+"): 1,
            (0, "chapter-start", "first-steps"): 3,
            (0, "chapter-end", "first-steps"): 1,
            (0, "exit-page", "first-steps/links"): 2,
            (0, "question", "can-i-drive"): 4,
            (0, "helpful-yes", "can-i-drive"): 2,
            (2, "helpful-no", "can-i-drive"): 1,
            (0, "search-empty", ""): 5,
            (0, "idle-reset", ""): 2,
            (0, "start-over", ""): 1,
            (0, "session-language", "es"): 2,
            (0, "session-language", "en"): 1,
            (0, "session-text-size", "largest"): 1,
        },
    )
    return store


def test_the_numbers_are_the_period_s_totals(filled: Store) -> None:
    connection = lite.connect(filled.path, readonly=True)
    try:
        month = insights.summarize(connection, 30, today=TODAY)
        week = insights.summarize(connection, 7, today=TODAY)
        quarter = insights.summarize(connection, 90, today=TODAY)
    finally:
        connection.close()
    assert (month.sessions, week.sessions, quarter.sessions) == (5, 5, 14)
    assert month.days == 30 and len(month.sessions_by_day) == 30
    assert month.sessions_by_day[-1] == (TODAY, 3) and month.sessions_by_day[-3] == (
        TODAY - dt.timedelta(2),
        2,
    )
    assert dict(month.minutes) == {"0-1": 0, "1-3": 0, "3-5": 2, "5-10": 0, "10-20": 0, "20+": 1}
    assert [(c.id, c.started, c.finished) for c in month.chapters] == [("first-steps", 3, 1)]
    assert [(p.id, p.count) for p in month.exit_pages] == [("first-steps/links", 2)]
    assert [(a.id, a.count) for a in month.answers] == [("can-i-drive", 4)]
    assert [(h.id, h.yes, h.no) for h in month.helpful] == [("can-i-drive", 2, 1)]
    assert (month.searches_empty, month.idle_resets, month.start_overs) == (5, 2, 1)
    assert month.languages == (("es", 2), ("en", 1))
    assert dict(month.text_sizes) == {"normal": 0, "large": 0, "largest": 1}


def test_titles_are_in_the_language_asked_for_and_else_in_the_kiosks_first(filled: Store) -> None:
    connection = lite.connect(filled.path, readonly=True)
    try:
        english, spanish = load_catalogue(connection, "en"), load_catalogue(connection, "es")
        both = insights.summarize(connection, 30, today=TODAY, catalogue=spanish, fallback=english)
        untranslated = insights.summarize(connection, 30, today=TODAY, catalogue=None, fallback=english)
    finally:
        connection.close()
    assert {c.id: c.title for c in both.chapters}["first-steps"] == "Primeros pasos"
    assert {c.id: c.title for c in untranslated.chapters}["first-steps"] == "First steps"
    assert [a.title for a in untranslated.answers] == ["Can I drive myself home afterwards?"]


def test_the_csv_has_one_row_per_day_event_and_target(filled: Store, tmp_path: Path) -> None:
    connection = lite.connect(filled.path, readonly=True)
    try:
        out = io.StringIO()
        written = insights.export_csv(connection, out, 30, today=TODAY)
    finally:
        connection.close()
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["day", "event", "target", "count"]
    assert len(rows) - 1 == written == 16  # every stored row within the period; the one 40 days ago left out
    keys = [(day, event, target) for day, event, target, _ in rows[1:]]
    assert len(set(keys)) == len(keys) and keys == sorted(keys)
    assert ["2026-11-30", "question", "can-i-drive", "4"] in rows
    assert all(dt.date.fromisoformat(day) for day, *_ in rows[1:])  # a day, never a time


def test_the_command_line_writes_the_file_whole_and_says_so_when_it_cannot(
    filled: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "usb" / "counts.csv"
    out.parent.mkdir()
    assert cli.main(["insights", "export", str(out), "--db", str(filled.path)]) == 0
    assert out.read_text(encoding="utf-8").count("\n") == 18  # header and every row: no period given
    assert "wrote 17 rows" in capsys.readouterr().out
    assert cli.main(["insights", "export", str(tmp_path / "gone" / "x.csv"), "--db", str(filled.path)]) != 0
    error = capsys.readouterr().err.strip()
    assert error.startswith("kiosk: cannot write") and "\n" not in error
    assert not list((tmp_path / "usb").glob("*.partial"))
    with pytest.raises(KioskError):
        connection = lite.connect(filled.path, readonly=True)
        try:
            insights.write_csv(connection, tmp_path / "gone" / "y.csv")
        finally:
            connection.close()

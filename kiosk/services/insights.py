"""What the clinic learns from its kiosk: the anonymous daily counts (`kiosk.services.usage`), summed for a period.

Everything here is read from `usage_counts`, whose rows are (day, event, target, count): daily totals, never a
time of day, never a sequence, never anything typed. The dashboard shows them; `export_csv` writes them as they are
stored, one row per day, event and target, for a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kiosk.content.parse import printable
from kiosk.db.lite import Db, query
from kiosk.errors import KioskError
from kiosk.services import usage
from kiosk.services.catalogue import Catalogue

PERIODS = (7, 30, 90)
TOP = 10  # rows in each "most" list


@dataclass(frozen=True)
class Named:
    """A count for something the content names: its id, its title (for people), and the count."""

    id: str
    title: str
    count: int


@dataclass(frozen=True)
class ChapterUse:
    id: str
    title: str
    started: int
    finished: int


@dataclass(frozen=True)
class CheckUse:
    id: str  # chapter-id/question-id
    question: str
    right: int  # first answers that were right
    not_yet: int
    skipped: int

    @property
    def answered(self) -> int:
        return self.right + self.not_yet


@dataclass(frozen=True)
class Helpful:
    id: str
    question: str
    yes: int
    no: int


@dataclass(frozen=True)
class Insights:
    first_day: dt.date
    last_day: dt.date
    sessions_by_day: tuple[tuple[dt.date, int], ...]  # every day of the period, days with none included
    minutes: tuple[tuple[str, int], ...]  # each bucket of usage.MINUTE_BUCKETS, in order
    chapters: tuple[ChapterUse, ...]
    exit_pages: tuple[Named, ...]
    answers: tuple[Named, ...]
    helpful: tuple[Helpful, ...]
    checks: tuple[CheckUse, ...]
    languages: tuple[tuple[str, int], ...]
    text_sizes: tuple[tuple[str, int], ...]
    searches_empty: int
    idle_resets: int
    start_overs: int
    take_home: int
    #: On a clinic group's hub: how many totals (a day's sessions, a page, an answer...) were under
    #: `hub.MIN_SHOWN_COUNT` and are left out, so that no one visit can be picked out.
    left_out: int = 0

    @property
    def sessions(self) -> int:
        return sum(count for _, count in self.sessions_by_day)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def period(days: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last `days` days, today included."""
    last = today or dt.date.today()
    return last - dt.timedelta(days=max(1, days) - 1), last


def _titles(
    catalogue: Catalogue | None,
) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    chapters: dict[str, str] = {}
    pages: dict[str, str] = {}
    questions: dict[str, str] = {}
    checks: dict[str, str] = {}
    if catalogue is not None:
        for chapter in catalogue.chapters:
            chapters[chapter.id] = chapter.title
            for page in chapter.pages:
                pages[f"{chapter.id}/{page.id}"] = f"{chapter.title}: {page.title}"
            for check in chapter.checks:
                checks[check.ref] = check.question
        for category in catalogue.categories:
            for question in category.questions:
                questions[question.id] = question.question
    return chapters, pages, questions, checks


def summarize(
    db: Db,
    days: int,
    *,
    today: dt.date | None = None,
    catalogue: Catalogue | None = None,
    fallback: Catalogue | None = None,
    group: bool = False,
) -> Insights:
    """The dashboard's numbers for the last `days` days; titles from `catalogue`, else from `fallback` (content
    not yet translated), else ids. `group`: on a clinic group's hub, every kiosk's counts added together, with
    any total under `hub.MIN_SHOWN_COUNT` left out."""
    first, last = period(days, today)
    window: dict[str, object] = (
        {"first": first, "last": last}
        if group
        else {
            "first": first.isoformat(),
            "last": last.isoformat(),
        }
    )
    usage_counts = (
        "(SELECT day, event, target, sum(count) AS count FROM hub_usage GROUP BY day, event, target) AS counts"
        if group
        else "usage_counts"
    )
    per_day = {
        str(day)[:10]: int(count)
        for day, count in query(
            db,
            f"SELECT day, sum(count) FROM {usage_counts} WHERE event = 'session' AND day >= :first "
            "AND day <= :last GROUP BY day",
            window,
        )
    }
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for event, target, count in query(
        db,
        f"SELECT event, target, sum(count) FROM {usage_counts} WHERE day >= :first AND day <= :last "
        "GROUP BY event, target",
        window,
    ):
        totals[str(event)][str(target)] = int(count)
    left_out = 0
    if group:
        from kiosk.services.hub import MIN_SHOWN_COUNT

        left_out = sum(count < MIN_SHOWN_COUNT for count in per_day.values())
        per_day = {day: count for day, count in per_day.items() if count >= MIN_SHOWN_COUNT}
        for event, counts in totals.items():
            left_out += sum(count < MIN_SHOWN_COUNT for count in counts.values())
            totals[event] = {target: count for target, count in counts.items() if count >= MIN_SHOWN_COUNT}
    chapter_titles, page_titles, question_titles, check_titles = (
        {**other, **own} for other, own in zip(_titles(fallback), _titles(catalogue), strict=True)
    )

    def top(event: str, titles: dict[str, str]) -> tuple[Named, ...]:
        rows = sorted(totals[event].items(), key=lambda item: (-item[1], item[0]))[:TOP]
        return tuple(Named(target, titles.get(target, target), count) for target, count in rows)

    def total(event: str) -> int:
        return sum(totals[event].values())

    chapter_ids = list(chapter_titles) or sorted(set(totals["chapter-start"]) | set(totals["chapter-end"]))
    chapters = tuple(
        ChapterUse(
            cid,
            chapter_titles.get(cid, cid),
            totals["chapter-start"].get(cid, 0),
            totals["chapter-end"].get(cid, 0),
        )
        for cid in chapter_ids
        if cid in totals["chapter-start"] or cid in totals["chapter-end"] or cid in chapter_titles
    )
    check_ids = list(check_titles) or sorted(
        set(totals["check-right"]) | set(totals["check-not-yet"]) | set(totals["check-skipped"])
    )
    checks = tuple(
        CheckUse(
            ref,
            check_titles.get(ref, ref),
            totals["check-right"].get(ref, 0),
            totals["check-not-yet"].get(ref, 0),
            totals["check-skipped"].get(ref, 0),
        )
        for ref in check_ids
    )
    rated = sorted(
        set(totals["helpful-yes"]) | set(totals["helpful-no"]),
        key=lambda q: (-(totals["helpful-yes"].get(q, 0) + totals["helpful-no"].get(q, 0)), q),
    )
    helpful = tuple(
        Helpful(q, question_titles.get(q, q), totals["helpful-yes"].get(q, 0), totals["helpful-no"].get(q, 0))
        for q in rated
    )
    return Insights(
        first_day=first,
        last_day=last,
        sessions_by_day=tuple(
            (day, per_day.get(day.isoformat(), 0))
            for day in (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
        ),
        minutes=tuple((bucket, totals["session-minutes"].get(bucket, 0)) for bucket in usage.MINUTE_BUCKETS),
        chapters=chapters,
        exit_pages=top("exit-page", page_titles),
        answers=top("question", question_titles),
        helpful=helpful,
        checks=checks,
        languages=tuple(sorted(totals["session-language"].items(), key=lambda item: (-item[1], item[0]))),
        text_sizes=tuple((name, totals["session-text-size"].get(name, 0)) for name in usage.TEXT_SIZE_NAMES),
        searches_empty=total("search-empty"),
        idle_resets=total("idle-reset"),
        start_overs=total("start-over"),
        take_home=total("take-home"),
        left_out=left_out,
    )


def export_csv(db: Db, out: TextIO, days: int | None = None, *, today: dt.date | None = None) -> int:
    """Write the counts as CSV (day, event, target, count), one row per day, event and target, oldest first; all
    of them, or the last `days` days. Returns how many rows were written."""
    sql = "SELECT day, event, target, count FROM usage_counts"
    values: dict[str, str] = {}
    if days is not None:
        first, last = period(days, today)
        sql += " WHERE day >= :first AND day <= :last"
        values = {"first": first.isoformat(), "last": last.isoformat()}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "event", "target", "count"])
    rows = 0
    for day, event, target, count in query(db, sql + " ORDER BY day, event, target", values):
        writer.writerow([str(day)[:10], event, target, int(count)])
        rows += 1
    return rows


def write_csv(db: Db, path: Path, days: int | None = None, *, today: dt.date | None = None) -> int:
    """`export_csv` into the file `path` (a USB stick, say), whole or not at all: written beside it, then moved
    into place. Raises `KioskError` with one line if it cannot be written."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            rows = export_csv(db, out, days, today=today)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise KioskError(f"cannot write {printable(str(path))}: {error.strerror or error}") from None
    return rows

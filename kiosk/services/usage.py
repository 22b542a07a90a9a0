"""Anonymous usage counts: how often each page is read and each answer opened, per day.

Private by construction: a count is made only from navigation (a page entered, an answer opened, a chapter read
to its end, an idle reset), and only for one of the `EVENTS` named here with the id of something that exists in
the content (`Known`), so nothing a patient typed can ever become a count, whatever a screen passes in: anything
else is refused with `ValueError`. Never anything that identifies a person or a session. The patient kiosk counts
in memory (`UsageCounts`) and writes the counts later, in one transaction that never waits for another program's
lock, so a tap never waits for the disk.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from kiosk.config import SUPPORTED_LANGUAGES
from kiosk.db import lite
from kiosk.db.lite import Db, execute, query
from kiosk.services.catalogue import Catalogue

#: Session lengths are counted in these buckets (minutes), never as times.
MINUTE_BUCKETS = ("0-1", "1-3", "3-5", "5-10", "10-20", "20+")
TEXT_SIZE_NAMES = ("normal", "large", "largest")

#: Each event, and what its target is. Nothing here has a time finer than the day, and no two counts can be tied
#: to the same visit: each is a total for the day.
EVENTS = {
    "page": "a page entered: chapter-id/page-id",
    "question": "an answer opened: the question id",
    "chapter-start": "a chapter's first page entered: the chapter id",
    "chapter-end": "a chapter read to its last page: the chapter id",
    "idle-reset": "a session ended by the idle timer: no target",
    "start-over": "a session ended by the patient's 'Start over': no target",
    "session": "a session begun (the attract screen touched): no target",
    "session-minutes": "how long a session lasted, in a bucket of MINUTE_BUCKETS",
    "session-language": "the language a session ended in: its code",
    "session-text-size": "the text size a session ended in: one of TEXT_SIZE_NAMES",
    "exit-page": "the page a session ended on: chapter-id/page-id",
    "search-empty": "a search that found nothing (never its words): no target",
    "helpful-yes": "'Was this helpful?' answered yes: the question id",
    "helpful-no": "'Was this helpful?' answered no: the question id",
    "check-right": "a teach-back question answered right at the first try: chapter-id/question-id",
    "check-not-yet": "a teach-back question answered otherwise at the first try: chapter-id/question-id",
    "check-skipped": "the teach-back questions skipped, at this question: chapter-id/question-id",
    "take-home": "a take-home code shown: the chapter id, question id or chapter-id/page-id",
}
MAX_TARGET = 200


@dataclass(frozen=True)
class Known:
    """The ids a count may name: what the content holds (`from_catalogue`)."""

    pages: frozenset[str] = frozenset()
    questions: frozenset[str] = frozenset()
    chapters: frozenset[str] = frozenset()
    checks: frozenset[str] = frozenset()

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> Known:
        return cls(
            pages=frozenset(f"{c.id}/{p.id}" for c in catalogue.chapters for p in c.pages),
            questions=frozenset(q.id for c in catalogue.categories for q in c.questions),
            chapters=frozenset(c.id for c in catalogue.chapters),
            checks=frozenset(check.ref for c in catalogue.chapters for check in c.checks),
        )

    def allows(self, event: str, target: str) -> bool:
        ids: Collection[str] | None = {
            "page": self.pages,
            "exit-page": self.pages,
            "question": self.questions,
            "helpful-yes": self.questions,
            "helpful-no": self.questions,
            "chapter-start": self.chapters,
            "chapter-end": self.chapters,
            "check-right": self.checks,
            "check-not-yet": self.checks,
            "check-skipped": self.checks,
            "take-home": self.chapters | self.questions | self.pages,
            "session-minutes": MINUTE_BUCKETS,
            "session-language": SUPPORTED_LANGUAGES,
            "session-text-size": TEXT_SIZE_NAMES,
        }.get(event)
        return target == "" if ids is None else target in ids


def known_in(db: Db) -> Known:
    """Every id a count may name, read from the database (published or not: counts are of what exists)."""
    return Known(
        pages=frozenset(
            f"{chapter}/{slug}" for chapter, slug in query(db, "SELECT chapter_id, slug FROM pages")
        ),
        questions=frozenset(str(row[0]) for row in query(db, "SELECT id FROM faq_entries")),
        chapters=frozenset(str(row[0]) for row in query(db, "SELECT id FROM chapters")),
        checks=frozenset(
            f"{chapter}/{slug}" for chapter, slug in query(db, "SELECT chapter_id, slug FROM checks")
        ),
    )


#: (day, event, target)
CountKey = tuple[str, str, str]


def count_key(known: Known, event: str, target: str = "", day: dt.date | None = None) -> CountKey:
    """The counter for one use; `ValueError` for an event that is not one of `EVENTS`, or a target that is not
    the id of something that exists (never say what the target was: it could be what someone typed)."""
    if event not in EVENTS:
        raise ValueError(f"unknown usage event {event!r}")
    if not known.allows(event, target):
        raise ValueError(
            f"usage event {event!r} refused: its target is not the id of anything in the content"
        )
    return ((day or dt.date.today()).isoformat(), event, target[:MAX_TARGET])


def minutes_bucket(seconds: float) -> str:
    """The bucket of `MINUTE_BUCKETS` a session of `seconds` falls in."""
    minutes = max(0.0, seconds) / 60
    for bucket in MINUTE_BUCKETS[:-1]:
        if minutes < float(bucket.split("-")[1]):
            return bucket
    return MINUTE_BUCKETS[-1]


def record_counts(db: Db, counts: Mapping[CountKey, int]) -> None:
    """Add each count to the stored ones, in the caller's transaction."""
    execute(
        db,
        "INSERT INTO usage_counts (day, event, target, count) VALUES (:day, :event, :target, :count) "
        "ON CONFLICT (day, event, target) DO UPDATE SET count = usage_counts.count + excluded.count",
        [
            {"day": day, "event": event, "target": target, "count": count}
            for (day, event, target), count in sorted(counts.items())
        ],
    )


def record(db: Db, event: str, target: str = "", day: dt.date | None = None) -> None:
    """Count one use now, in the caller's transaction (the kiosk counts in memory instead: `UsageCounts`)."""
    record_counts(db, {count_key(known_in(db), event, target, day): 1})


def totals(db: Db, event: str) -> dict[str, int]:
    rows = query(
        db,
        "SELECT target, sum(count) FROM usage_counts WHERE event = :event GROUP BY target",
        {"event": event},
    )
    return {target: int(count) for target, count in rows}


class UsageCounts:
    """Counts held in memory until `flush` can write them.

    A flush that cannot write (another program holds the lock, or the disk is full) keeps the counts for the
    next one. Memory stays bounded: past `limit` different counters, new ones are dropped (and counted as such).
    """

    def __init__(self, limit: int = 5000) -> None:
        self.limit = limit
        self.pending: Counter[CountKey] = Counter()
        self.dropped = 0

    def add(self, known: Known, event: str, target: str = "", day: dt.date | None = None) -> None:
        key = count_key(known, event, target, day)
        if key not in self.pending and len(self.pending) >= self.limit:
            self.dropped += 1
            return
        self.pending[key] += 1

    def flush(self, connection: sqlite3.Connection) -> int:
        """Write the pending counts without waiting for a lock; returns how many uses were written. Raises
        `sqlite3.Error` (and keeps the counts) when they cannot be written now."""
        if not self.pending:
            return 0
        with lite.write_now(connection):
            record_counts(connection, self.pending)
        written = sum(self.pending.values())
        self.pending.clear()
        return written


def popular(db: Db, event: str, before: dt.date, minimum: int = 3, limit: int = 20) -> list[str]:
    """The targets of `event` counted most often before the day `before`, at least `minimum` times each.

    Only earlier days count, and only targets counted a few times, so what one patient opens today can never
    show up for the next patient as "most asked".
    """
    rows = query(
        db,
        "SELECT target, sum(count) AS total FROM usage_counts WHERE event = :event AND day < :before "
        "AND target != '' GROUP BY target HAVING sum(count) >= :minimum ORDER BY total DESC, target LIMIT :limit",
        {"event": event, "before": before.isoformat(), "minimum": minimum, "limit": limit},
    )
    return [str(target) for target, _ in rows]

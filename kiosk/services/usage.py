"""Anonymous usage counts: how often each page, question and screen is used, per day.

Never what a patient typed, never anything that identifies a person or a session. The patient kiosk counts in
memory (`UsageCounts`) and writes the counts later, in one transaction that never waits for another program's
lock, so a tap never waits for the disk.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Mapping

from kiosk.db import lite
from kiosk.db.lite import Db, execute, query

EVENTS = frozenset({"screen", "page", "question", "search", "no-results", "idle-reset", "language"})
MAX_TARGET = 200

#: (day, event, target)
CountKey = tuple[str, str, str]


def count_key(event: str, target: str = "", day: dt.date | None = None) -> CountKey:
    if event not in EVENTS:
        raise ValueError(f"unknown usage event {event!r}")
    return ((day or dt.date.today()).isoformat(), event, target[:MAX_TARGET])


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
    record_counts(db, {count_key(event, target, day): 1})


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

    def add(self, event: str, target: str = "", day: dt.date | None = None) -> None:
        key = count_key(event, target, day)
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

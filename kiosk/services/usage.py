"""Anonymous usage counts: how often each page, question and screen is used, per day.

Never what a patient typed, never anything that identifies a person or a session.
"""

from __future__ import annotations

import datetime as dt

from kiosk.db.lite import Db, execute, query

EVENTS = frozenset({"screen", "page", "question", "search", "no-results", "idle-reset", "language"})


def record(db: Db, event: str, target: str = "", day: dt.date | None = None) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown usage event {event!r}")
    execute(
        db,
        "INSERT INTO usage_counts (day, event, target, count) VALUES (:day, :event, :target, 1) "
        "ON CONFLICT (day, event, target) DO UPDATE SET count = count + 1",
        {"day": (day or dt.date.today()).isoformat(), "event": event, "target": target[:200]},
    )


def totals(db: Db, event: str) -> dict[str, int]:
    rows = query(
        db,
        "SELECT target, sum(count) FROM usage_counts WHERE event = :event GROUP BY target",
        {"event": event},
    )
    return {target: int(count) for target, count in rows}


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

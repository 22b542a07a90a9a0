"""Anonymous usage counts: how often each page, question and screen is used, per day.

Never what a patient typed, never anything that identifies a person or a session.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.db.models import UsageCount

EVENTS = frozenset({"screen", "page", "question", "search", "no-results", "idle-reset", "language"})


def record(session: Session, event: str, target: str = "", day: dt.date | None = None) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown usage event {event!r}")
    day = day or dt.date.today()
    row = session.get(UsageCount, (day, event, target[:200]))
    if row is None:
        session.add(UsageCount(day=day, event=event, target=target[:200], count=1))
    else:
        row.count += 1


def totals(session: Session, event: str) -> dict[str, int]:
    result: dict[str, int] = {}
    for row in session.scalars(select(UsageCount).where(UsageCount.event == event)):
        result[row.target] = result.get(row.target, 0) + row.count
    return result

"""Helpers for asserting what a database holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: The small content set most tests import (both languages, a picture, questions).
FIXTURE_CONTENT = Path(__file__).parent.parent / "fixtures" / "content"


def dump(path: Path) -> list[str]:
    """Every table's rows (search index included) as SQL, for 'nothing changed' comparisons."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()

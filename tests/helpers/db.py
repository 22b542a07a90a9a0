"""Helpers for asserting what a database holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def dump(path: Path) -> list[str]:
    """Every table's rows (search index included) as SQL, for 'nothing changed' comparisons."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()

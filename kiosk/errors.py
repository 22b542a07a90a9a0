"""Errors a user or the environment causes.

A `KioskError` is never a bug: the command line prints its message as one line and exits non-zero, and the UI
shows it to staff. Anything else that escapes is a bug and is logged with its traceback.
"""

from __future__ import annotations


class KioskError(Exception):
    """A problem with the user's input or the machine, explained in one line."""

    exit_code = 1


class UsageError(KioskError):
    """The command was called wrongly (a missing folder, a bad argument)."""

    exit_code = 2


class ContentError(KioskError):
    """Content that cannot be imported; `problems` holds every `FILE:LINE: message`."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class StoreError(KioskError):
    """The database cannot be used: locked, read-only, full or corrupt."""


class UnusableDatabase(StoreError):
    """The kiosk's database cannot be used as it is: made by a newer version of the kiosk, or holding tables,
    columns or objects (triggers, views) the kiosk did not create. The kiosk sets it aside and recovers."""


class CorruptDatabase(UnusableDatabase):
    """The file is not a usable SQLite database, or it failed the integrity check."""


class NotKioskDatabase(StoreError):
    """The file is not the kiosk's database at all (a text file, another program's database): never touched."""


class MissingDatabase(StoreError):
    """The database file the kiosk opened has gone (deleted while it ran)."""


class AuthError(KioskError):
    """A wrong or missing staff PIN, or the keypad is locked out."""

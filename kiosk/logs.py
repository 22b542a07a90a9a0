"""Logging, set up in one place for every way the program runs.

Commands log warnings to stderr (`--verbose`: information too). The running kiosk logs information to stderr
(the service's journal) and to a rotating file in the data folder, which staff can hand to a technician. The log
records events, counts and errors, never what a patient read or typed.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path
from typing import TextIO

from kiosk import paths

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE = "kiosk.log"
FILE_BYTES, FILE_COUNT = 1_000_000, 5  # at most about 6 MB of logs


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (the service's journal; a test's capture)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass  # always the current stderr


def setup(*, verbose: bool = False, to_file: bool = False) -> Path | None:
    """Send log records to stderr (information too if `verbose`) and, with `to_file`, to the rotating log file
    too, whose path is returned (None if the folder cannot be written). Calling it again adjusts the same
    handlers rather than adding more."""
    root = logging.getLogger()
    formatter = logging.Formatter(FORMAT)
    stream = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if stream is None:
        stream = StderrHandler()
        stream.setFormatter(formatter)
        root.addHandler(stream)
    stream.setLevel(logging.INFO if verbose else logging.WARNING)
    root.setLevel(logging.INFO if verbose or to_file else logging.WARNING)
    if not to_file:
        return None
    folder = paths.log_dir()
    path = folder / LOG_FILE
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=FILE_BYTES, backupCount=FILE_COUNT, encoding="utf-8"
        )
    except OSError as error:
        logging.getLogger(__name__).warning("cannot write the log file in %s: %s", folder, error)
        return None
    handler.setFormatter(formatter)
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    return path

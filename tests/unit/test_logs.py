"""Logging is set up in one place, for the commands and for the running kiosk."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import logs


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, given back afterwards as it was (pytest's own handlers included)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def ours(root: logging.Logger) -> list[logging.Handler]:
    """The kiosk's handlers (not those pytest adds around each test)."""
    kinds = (logs.StderrHandler, logging.handlers.RotatingFileHandler)
    return [handler for handler in root.handlers if type(handler) in kinds]


def test_commands_log_warnings_to_stderr_and_verbose_adds_information(root_logger: logging.Logger) -> None:
    assert logs.setup(verbose=False) is None
    assert [h.level for h in ours(root_logger)] == [logging.WARNING]
    assert root_logger.level == logging.WARNING
    logs.setup(verbose=True)
    assert [h.level for h in ours(root_logger)] == [logging.INFO]  # the same handler, adjusted


def test_the_running_kiosk_also_logs_to_a_rotating_file_once(
    root_logger: logging.Logger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    path = logs.setup(verbose=True, to_file=True)
    assert path == tmp_path / "logs" / "kiosk.log"
    assert logs.setup(verbose=True, to_file=True) == path
    assert len(ours(root_logger)) == 2  # stderr and the file, not twice each
    logging.getLogger("kiosk.test").info("first frame drawn")
    for handler in ours(root_logger):
        handler.flush()
    assert "INFO kiosk.test: first frame drawn" in path.read_text(encoding="utf-8")


@pytest.mark.logs_warnings
def test_a_log_folder_that_cannot_be_written_only_costs_the_file(
    root_logger: logging.Logger,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "logs").write_text("a file where the folder should be")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    assert logs.setup(to_file=True) is None
    assert "cannot write the log file" in caplog.text

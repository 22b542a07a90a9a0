"""A warning logged during a test fails it, unless the test says that is what it checks."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

INNER = """
import logging

import pytest


def test_quiet():
    logging.getLogger("kiosk.x").info("only information")


def test_warns():
    logging.getLogger("kiosk.x").warning("the disk is full")


@pytest.mark.logs_warnings
def test_warns_on_purpose():
    logging.getLogger("kiosk.x").error("the database is damaged")
"""


def test_a_logged_warning_fails_the_test_unless_it_is_expected(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    pytester.makeconftest("from tests.conftest import log_warnings_fail  # noqa: F401\n")
    pytester.makeini("[pytest]\nmarkers =\n    logs_warnings: expected\n")
    pytester.makepyfile(INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--rootdir", str(pytester.path))
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_warns*", "*WARNING kiosk.x: the disk is full*"])

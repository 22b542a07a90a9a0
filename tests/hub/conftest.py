"""The hub's tests run against a real PostgreSQL server, started once for the session in a temporary folder.

Without PostgreSQL the tests here are skipped, and the run's summary says so and how to install it; under CI
(`CI` set) they fail instead, so a machine without PostgreSQL can never pass for one that ran them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from tests.helpers.pg import INSTALL_HINT, Cluster, find_binaries

_skipped: list[str] = []
_names = itertools.count(1)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    binaries = find_binaries()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not installed, and CI must run the hub's tests: {INSTALL_HINT}")
        _skipped.append("PostgreSQL")
        pytest.skip(f"PostgreSQL is not installed: {INSTALL_HINT}")
    server = Cluster(binaries).start()
    yield server
    server.stop()


@pytest.fixture
def hub_url(cluster: Cluster) -> Iterator[str]:
    """A new, empty database on the test server (the superuser's URL, over the Unix socket)."""
    name = f"hub{os.getpid()}_{next(_names)}"
    url = cluster.create_database(name)
    yield url
    cluster.drop_database(name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped:
        terminalreporter.section("hub tests skipped")
        terminalreporter.write_line(
            f"The clinic-group hub's tests did not run: PostgreSQL is not installed. To run them, {INSTALL_HINT}."
        )

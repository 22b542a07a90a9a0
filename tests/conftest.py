"""Shared fixtures: offscreen Qt, a private data folder, and fresh databases built from real content."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch a real kiosk's data: everything goes to a throwaway folder unless a test says otherwise.
os.environ["KIOSK_DATA_DIR"] = tempfile.mkdtemp(prefix="kiosk-test-data-")
os.environ.pop("KIOSK_DB", None)
os.environ.pop("KIOSK_CONTENT_DIR", None)

from kiosk import paths
from kiosk.db.store import Store, open_store
from kiosk.services import library
from tests.helpers.db import FIXTURE_CONTENT

#: A throwaway PostgreSQL server for the tests that need one (a clinic group's hub): `cluster`, `hub_url`.
pytest_plugins = ("tests.helpers.pg",)


class _LoggedWarnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def log_warnings_fail(request: pytest.FixtureRequest) -> Iterator[None]:
    """A warning or error logged during a test fails it, as Python and Qt warnings do, unless the test is marked
    `logs_warnings` because logging one is part of what it checks."""
    handler = _LoggedWarnings()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("logs_warnings") is None:
        logged = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in handler.records)
        pytest.fail(f"logged a warning (mark the test logs_warnings if that is what it checks):\n{logged}")


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the small fixture content, safe to modify."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture(scope="session")
def fixture_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once from the fixture content (migrations and import); `store` gives each test a copy."""
    path = tmp_path_factory.mktemp("fixture") / "kiosk.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KIOSK_CONTENT_DIR", str(FIXTURE_CONTENT))
        built = open_store(path)
        with built.session() as session, session.begin():
            library.sync_bundled(session)
        built.close()
    return path


@pytest.fixture
def store(
    fixture_template: Path, tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """A database filled from the fixture content, which plays the part of the bundled content (`content_dir`,
    the same files: the database knows them as current)."""
    monkeypatch.setenv("KIOSK_CONTENT_DIR", str(content_dir))
    path = tmp_path / "kiosk.sqlite3"
    shutil.copy(fixture_template, path)
    opened = open_store(path)
    with opened.session() as session, session.begin():
        assert library.sync_bundled(session) is None  # already current: nothing to bring in
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def bundled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built once from the real bundled content; tests get copies of it."""
    path = tmp_path_factory.mktemp("bundled") / "kiosk.sqlite3"
    built = open_store(path)
    with built.session() as session, session.begin():
        library.sync_bundled(session)
    built.close()
    return path


@pytest.fixture
def bundled_store(bundled_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh database holding the real bundled content."""
    path = tmp_path / "bundled.sqlite3"
    shutil.copy(bundled_template, path)
    opened = open_store(path)
    yield opened
    opened.close()


@pytest.fixture
def bundled_dir() -> Path:
    return paths.bundled_content_dir()

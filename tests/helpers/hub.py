"""A hub and its kiosks for the tests: the same commands the group office and the installer run."""

from __future__ import annotations

import io
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.content.sync import export_files
from kiosk.db.store import open_hub, open_store
from kiosk.services import library
from tests.helpers.db import FIXTURE_CONTENT


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """`kiosk ARGS...` in this process, with `stdin` piped in; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = cli.main(list(args))
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def ok(*args: str, stdin: str = "") -> str:
    code, out, err = run(*args, stdin=stdin)
    assert code == 0, f"kiosk {' '.join(args)} failed: {err}"
    return out


@dataclass
class Hub:
    url: str
    folder: Path
    keys: dict[str, Path] = field(default_factory=dict)

    def kiosk(self, *args: str, stdin: str = "") -> str:
        return ok("--db", self.url, *args, stdin=stdin)

    def key(self, name: str = "group") -> Path:
        if name not in self.keys:
            path = self.folder / f"{name}.key"
            ok("hub", "keygen", str(path), stdin="\n")
            self.keys[name] = path
        return self.keys[name]

    def publish(self, group: str = "g1", key: str = "group") -> str:
        return self.kiosk("hub", "publish", "--key", str(self.key(key)), "--group", group)

    def enroll(self, name: str, group: str = "g1") -> str:
        """The enrolment line (the last line printed)."""
        return (
            self.kiosk("hub", "enroll", name, "--group", group, "--host", "127.0.0.1")
            .strip()
            .splitlines()[-1]
        )

    def import_folder(self, folder: Path) -> None:
        self.kiosk("content", "import", str(folder))

    def files(self) -> dict[str, bytes]:
        hub = open_hub(self.url)
        try:
            with hub.session() as session:
                return export_files(session)
        finally:
            hub.close()


def make_hub(url: str, folder: Path) -> Hub:
    hub = Hub(url, folder)
    hub.kiosk("hub", "init")
    hub.import_folder(FIXTURE_CONTENT)
    return hub


def make_kiosk(path: Path, line: str | None = None) -> Path:
    """A kiosk's database filled from its bundled content (the fixture content), joined to a hub if a line is
    given."""
    store = open_store(path)
    try:
        with store.session() as session, session.begin():
            library.sync_bundled(session)
    finally:
        store.close()
    if line is not None:
        ok("--db", str(path), "hub", "join", line)
    return path


def kiosk_files(path: Path) -> dict[str, bytes]:
    store = open_store(path)
    try:
        with store.session() as session:
            return export_files(session)
    finally:
        store.close()


def content_only(files: dict[str, bytes]) -> dict[str, bytes]:
    """The content files, without the settings (clinic-local settings differ between kiosks by design)."""
    return {name: data for name, data in files.items() if name != "site.yaml"}


def edited_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The fixture content with one answer's text changed, as staff at the office would edit it."""
    folder = tmp_path / f"edited-{abs(hash(new))}"
    shutil.copytree(FIXTURE_CONTENT, folder)
    faq = folder / "en/faq/01-general.md"
    text = faq.read_text(encoding="utf-8")
    assert old in text
    faq.write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.fixture
def fixture_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_CONTENT_DIR", str(FIXTURE_CONTENT))

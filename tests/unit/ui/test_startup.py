"""Starting the kiosk: the ordinary start reads with sqlite3 alone; anything unusual gets the full treatment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HEAVY = (
    "sqlalchemy",
    "alembic",
    "markdown",
    "nh3",
    "frontmatter",
    "textstat",
    "rapidfuzz",
    "psycopg",
    "cryptography",
)
PROGRAM = (
    "import sys\n"
    "from kiosk.cli import main\n"
    "code = main(['--db', sys.argv[1], 'run', '--exit-after-first-frame'])\n"
    f"print('loaded:', ' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    "sys.exit(code)\n"
)


def start(db: Path, tmp_path: Path) -> tuple[int, str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(db)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_an_ordinary_start_loads_no_database_library_or_content_pipeline(
    bundled_template: Path, tmp_path: Path
) -> None:
    db = tmp_path / "kiosk.sqlite3"
    shutil.copy(bundled_template, db)
    code, out, err = start(db, tmp_path)
    assert code == 0, err
    assert out.strip() == "loaded:", out
    assert "first frame drawn" in err


def test_a_first_start_builds_the_database_then_shows_the_kiosk(tmp_path: Path) -> None:
    db = tmp_path / "new" / "kiosk.sqlite3"
    code, out, err = start(db, tmp_path)
    assert code == 0, err
    assert "sqlalchemy" in out  # the full treatment was needed, and taken
    assert db.exists() and "first frame drawn" in err

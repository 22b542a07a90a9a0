"""Where the kiosk keeps and finds things.

Every path can be overridden by an environment variable, so tests, installers and a second kiosk on the same
machine never share state by accident.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

APP_NAME = "ketamine-kiosk"

#: The repository (or installed source tree) that holds `content/` and `resources/` beside `kiosk/`.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The writable folder for the database, backups and logs (`KIOSK_DATA_DIR` overrides)."""
    override = os.environ.get("KIOSK_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """The database used when `--db` is not given: `$KIOSK_DB`, else `kiosk.sqlite3` in the data folder."""
    override = os.environ.get("KIOSK_DB")
    return Path(override) if override else data_dir() / "kiosk.sqlite3"


#: What a `--db` value that names a clinic group's hub (PostgreSQL) rather than a database file starts with.
HUB_URL = re.compile(r"^(postgres|postgresql)(\+psycopg)?://", re.IGNORECASE)


def is_hub_url(value: object) -> bool:
    return isinstance(value, str) and bool(HUB_URL.match(value))


def default_db() -> Path | str:
    """`$KIOSK_DB` as given (a file, or a hub's URL), else `kiosk.sqlite3` in the data folder."""
    override = os.environ.get("KIOSK_DB")
    if override and is_hub_url(override):
        return override
    return default_db_path()


def bundled_content_dir() -> Path:
    """The content shipped with the program (`KIOSK_CONTENT_DIR` overrides)."""
    override = os.environ.get("KIOSK_CONTENT_DIR")
    return Path(override) if override else SOURCE_ROOT / "content"


def resources_dir() -> Path:
    """The application's own assets: theme, icons and UI-string catalogue."""
    return SOURCE_ROOT / "resources"


def log_dir() -> Path:
    return data_dir() / "logs"


def backup_dir(db_path: Path) -> Path:
    """Backups live beside the database they protect, so moving one moves both."""
    return db_path.parent / "backups"

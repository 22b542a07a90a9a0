"""Services are written once in plain SQL for both ways into the database; their tests run on both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.db import lite
from kiosk.db.lite import Db
from kiosk.db.store import Store


@pytest.fixture(params=["sqlite3", "session"])
def db(request: pytest.FixtureRequest, store: Store) -> Iterator[Db]:
    """The fixture database as the patient screens read it (a `sqlite3` connection) and as the staff tools and
    the command line do (a SQLAlchemy `Session`)."""
    if request.param == "sqlite3":
        connection = lite.connect(store.path, create=False)
        try:
            yield connection
        finally:
            connection.close()
    else:
        with store.session() as session:
            yield session

"""Services are written once in plain SQL for every way into the database; their tests run on each: a kiosk's file
through `sqlite3` (the patient screens) and through SQLAlchemy (staff tools, the command line), and a clinic
group's hub on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.db import lite
from kiosk.db.lite import Db
from kiosk.db.store import Store, open_hub
from kiosk.services import library


@pytest.fixture(params=["sqlite3", "session", "hub"])
def db(request: pytest.FixtureRequest, store: Store) -> Iterator[Db]:
    """The fixture database as the patient screens read it (a `sqlite3` connection), as the staff tools and the
    command line do (a SQLAlchemy `Session`), and the same content in a hub (a `Session` on PostgreSQL)."""
    if request.param == "sqlite3":
        connection = lite.connect(store.path, create=False)
        try:
            yield connection
        finally:
            connection.close()
    elif request.param == "session":
        with store.session() as session:
            yield session
    else:
        hub = open_hub(request.getfixturevalue("hub_url"), init=True)
        try:
            with hub.session() as session, session.begin():
                library.sync_bundled(session)  # the store fixture's content (KIOSK_CONTENT_DIR)
            with hub.session() as session:
                yield session
        finally:
            hub.close()

"""Settings and anonymous usage counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.db import lite
from kiosk.db.models import Revision, SettingValue
from kiosk.db.store import Store
from kiosk.errors import KioskError
from kiosk.services import usage
from kiosk.services.auth import COMMAND_LINE
from kiosk.services.settings import load_settings, update_settings
from tests.helpers.db import dump


def test_settings_come_from_site_yaml_then_defaults(store: Store) -> None:
    with store.session() as session:
        settings = load_settings(session)
    assert settings.clinic_name == "Test Clinic" and settings.idle_seconds == 60
    assert settings.countdown_seconds == 30  # not in the fixture's site.yaml: the default
    assert settings.crisis_text("es").startswith("¿Está en crisis?")


def test_updating_settings_checks_values_and_keeps_history(store: Store) -> None:
    with store.session() as session, session.begin():
        update_settings(session, {"idle_seconds": "120", "clinic_name": "  River Clinic "}, by=COMMAND_LINE)
    with store.session() as session:
        assert load_settings(session).idle_seconds == 120
        assert load_settings(session).clinic_name == "River Clinic"
        kinds = {r.item_key for r in session.scalars(select(Revision).where(Revision.item_kind == "setting"))}
        assert {"idle_seconds", "clinic_name"} <= kinds
    with pytest.raises(KioskError, match="between 20 and 120"), store.session() as session, session.begin():
        update_settings(session, {"countdown_seconds": 5}, by=COMMAND_LINE)


def test_a_corrupt_stored_setting_falls_back_to_its_default(store: Store) -> None:
    with store.session() as session, session.begin():
        row = session.get(SettingValue, "idle_seconds")
        assert row is not None
        row.value = "lots"
    with store.session() as session:
        assert load_settings(session).idle_seconds == 90


def test_usage_counted_in_memory_is_written_in_one_go_and_bounded(store: Store) -> None:
    connection = lite.connect(store.path)
    try:
        known = usage.known_in(connection)
        counts = usage.UsageCounts(limit=2)
        counts.add(known, "page", "first-steps/picture")
        counts.add(known, "page", "first-steps/picture")
        counts.add(known, "idle-reset")
        counts.add(known, "question", "can-i-drive")  # a third counter: over the limit, dropped
        assert counts.dropped == 1
        assert counts.flush(connection) == 3
        assert counts.pending == {} and counts.flush(connection) == 0
        assert usage.totals(connection, "page") == {"first-steps/picture": 2}
        assert usage.totals(connection, "question") == {}
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("event", "target"),
    [
        ("search", ""),  # not navigation
        ("screen", "home"),
        ("question", "can I bring my dog"),  # what someone typed is never the id of anything
        ("page", "first-steps/nowhere"),
        ("idle-reset", "someone"),
    ],
)
def test_only_navigation_to_what_exists_is_counted(store: Store, event: str, target: str) -> None:
    before = dump(store.path)
    with pytest.raises(ValueError) as refused, store.session() as session, session.begin():
        usage.record(session, event, target)
    assert target == "" or target not in str(refused.value)
    assert dump(store.path) == before

"""A hub that goes away costs a kiosk nothing: killed in the middle of a sync, the kiosk is exactly as it was,
and it catches up once the hub is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.services import fleet
from tests.helpers.db import dump
from tests.helpers.hub import edited_copy, fixture_bundle, make_hub, make_kiosk, run
from tests.helpers.pg import Cluster

__all__ = ["fixture_bundle"]
pytestmark = pytest.mark.usefixtures("fixture_bundle")


@pytest.fixture
def own_cluster(cluster: Cluster) -> Iterator[Cluster]:
    """A server of this test's own, since the test kills it."""
    server = Cluster(cluster.binaries).start()
    yield server
    server.stop()


@pytest.mark.parametrize("stage", ["connected", "found", "fetched", "checked"])
def test_the_hub_killed_mid_sync_leaves_the_kiosk_intact_and_it_catches_up(
    own_cluster: Cluster, tmp_path: Path, stage: str
) -> None:
    hub = make_hub(own_cluster.create_database("hub"), tmp_path)
    hub.publish()
    kiosk = make_kiosk(tmp_path / "k.sqlite3", hub.enroll("lobby"))
    run("--db", str(kiosk), "sync")
    hub.import_folder(edited_copy(tmp_path, "Please bring a driver.", "Bring a driver."))
    hub.publish()
    before = dump(kiosk)

    def kill_at(reached: str) -> None:
        if reached == stage:
            own_cluster.kill()

    if stage == "checked":  # the release is already in hand: the import does not need the hub
        result = fleet.sync_once(kiosk, step=kill_at)
        assert result.imported == 2
        assert "Bring a driver." in str(dump(kiosk))
    else:
        with pytest.raises(KioskError) as refused:
            fleet.sync_once(kiosk, step=kill_at)
        assert len(str(refused.value).splitlines()) == 1
        assert dump(kiosk) == before
        code, _, err = run("--db", str(kiosk), "sync")  # the hub is still down: one line, nothing changes
        assert code == 1 and err.startswith("kiosk: cannot reach the hub") and dump(kiosk) == before
    own_cluster.restart()
    code, out, err = run("--db", str(kiosk), "sync")
    assert code == 0, err
    assert ("release 2 imported" in out) if stage != "checked" else ("up to date at release 2" in out), out

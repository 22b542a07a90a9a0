"""What the hub's tests share: a hub filled from the fixture content, with one signed release of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.hub import Hub, make_hub


@pytest.fixture
def hub(hub_url: str, tmp_path: Path) -> Hub:
    made = make_hub(hub_url, tmp_path)
    made.publish()
    return made

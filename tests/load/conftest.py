"""Load and fault tests run ``hqg serve`` on loopback over a private copy of the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo import demo_ground_truth
from demo.ground_truth import DemoGroundTruth
from tests.workspaces import copy_workspace


@pytest.fixture(scope="session")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)


@pytest.fixture
def workspace(demo_home: Path, tmp_path: Path) -> Path:
    """A copy of the session demo: these tests write audit records into it, in bulk."""
    return copy_workspace(demo_home, tmp_path / "home")

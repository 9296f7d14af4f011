"""The demo's ground truth, for checking that no canary reaches a caller."""

from __future__ import annotations

import pytest

from demo import demo_ground_truth
from demo.ground_truth import DemoGroundTruth


@pytest.fixture(scope="session")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)

"""Gateways over the demo workspace with the ops surface configured per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.ground_truth import DemoGroundTruth
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway


class FakeClock:
    """Epoch seconds that move only when told to."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def open_gateway(home: Path, **overrides: Any) -> Gateway:
    return build_gateway(load_settings(home=home, **overrides))


@pytest.fixture(scope="module")
def gateway(demo_home: Path) -> Iterator[Gateway]:
    gw = open_gateway(demo_home)
    yield gw
    gw.close()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def all_pii(truth: DemoGroundTruth) -> frozenset[str]:
    return frozenset().union(*(tenant.pii for tenant in truth.tenants.values()))

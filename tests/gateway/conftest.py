"""The gateway over the demo workspace, and an in-process HTTP client (real engines, real
policies). A test module that writes to its workspace overrides ``home`` with a copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from demo import demo_ground_truth
from demo.ground_truth import DemoGroundTruth
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from transports.rest import create_app


@pytest.fixture(scope="module")
def home(demo_home: Path) -> Path:
    return demo_home


@pytest.fixture(scope="module")
def gateway(home: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=home))
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)


def auth(key: str, purpose: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if purpose:
        headers["X-Purpose"] = purpose
    return headers

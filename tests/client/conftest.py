"""The light client against the demo gateway: an in-process app (its ``TestClient`` is an
``httpx.Client``, so ``Client(http=...)`` speaks real HTTP semantics to the real engines)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from transports.rest import create_app


@pytest.fixture(scope="module")
def gateway(demo_home: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=demo_home))
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def http(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client

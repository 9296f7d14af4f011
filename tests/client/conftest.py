"""The light client against the demo gateway: an in-process app (its ``TestClient`` is an
``httpx.Client``, so ``Client(http=...)`` speaks real HTTP semantics to the real engines)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def http(client: TestClient) -> TestClient:
    """The root conftest's in-process app client, under the name these tests give it."""
    return client

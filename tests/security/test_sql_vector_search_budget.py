"""Red team: ``vector_search()`` calls are capped per statement and spend its deadline
(issue 12, item 5: 60 calls once took 25 s against a 10 s limit)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from audit import iter_records
from gateway.components import Lazy
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from ingestion.embedding import Embedder
from transports.rest import create_app

pytestmark = pytest.mark.slow  # make test-fast skips it: searches up to the statement deadline

ALICE = {"Authorization": "Bearer demo-alice"}


def union_of_searches(count: int) -> str:
    return " UNION ALL ".join(
        f"SELECT chunk_id FROM vector_search('tickets', 'return my order {i}', 5)"
        for i in range(count)
    )


def _client(gateway: Gateway) -> TestClient:
    return TestClient(create_app(gateway), raise_server_exceptions=False)


def _gateway(home: Path, embedder: Embedder, timeout_ms: int) -> Gateway:
    gateway = build_gateway(load_settings(home=home, sql={"timeout_ms": timeout_ms}))
    gateway.components = replace(gateway.components, embedder=Lazy(lambda: embedder))
    return gateway


@pytest.fixture(scope="module")
def tight(demo_home: Path, embedder: Embedder) -> Iterator[Gateway]:
    """A statement deadline far shorter than eight governed searches."""
    gateway = _gateway(demo_home, embedder, timeout_ms=20)
    yield gateway
    gateway.close()


@pytest.fixture(scope="module")
def default(demo_home: Path, embedder: Embedder) -> Iterator[Gateway]:
    """The default cap, and a deadline generous enough for eight searches on a busy CI box."""
    gateway = _gateway(demo_home, embedder, timeout_ms=120_000)
    yield gateway
    gateway.close()


def _status_in_audit(gateway: Gateway, request_id: str) -> list[int]:
    return [r.status for r in iter_records(gateway.audit.path) if r.request_id == request_id]


def test_more_calls_than_the_cap_are_a_400_naming_the_setting(default: Gateway) -> None:
    with _client(default) as client:
        response = client.post("/v1/sql", json={"sql": union_of_searches(9)}, headers=ALICE)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["rule"] == "vector_search_calls"
    assert "HQG_SQL__MAX_VECTOR_SEARCHES" in error["message"]
    assert _status_in_audit(default, response.headers["X-Request-ID"]) == [400]


def test_calls_at_the_cap_run(default: Gateway) -> None:
    with _client(default) as client:
        response = client.post("/v1/sql", json={"sql": union_of_searches(8)}, headers=ALICE)
    assert response.status_code == 200, response.text


def test_search_time_counts_inside_the_statement_deadline(tight: Gateway) -> None:
    with _client(tight) as client:
        client.post("/v1/sql", json={"sql": union_of_searches(1)}, headers=ALICE)  # warm up
        started = time.monotonic()
        response = client.post("/v1/sql", json={"sql": union_of_searches(8)}, headers=ALICE)
        elapsed = time.monotonic() - started
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "query_limit_exceeded"
    assert elapsed < 0.02 + 2
    assert _status_in_audit(tight, response.headers["X-Request-ID"]) == [400]

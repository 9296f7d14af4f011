"""Red team: a candidate policy sent to ``/v1/policy/simulate`` cannot take the server's time
or memory (issue 12.8). Looping and memory-hungry candidates end in a 422 naming the limit,
within the limit (+2 s), audited with that status, and the server keeps answering.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from audit import iter_records
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from tests.conftest import auth
from transports.rest import create_app

pytestmark = pytest.mark.slow  # make test-fast skips it: sandbox deadlines and memory caps

_DECISION = (
    '{"allow": false, "reasons": [], "tables": {}, "denied": {}, '
    '"limits": {"max_rows": 1, "timeout_ms": 1}}'
)
LOOPING = (
    "r := numbers.range(1, 30000)\n\n"
    f"decision := {_DECISION} if count([1 | some i in r; some j in r; i == j]) > 0"
)
HUNGRY = f"decision := {_DECISION} if count([x | some x in numbers.range(1, 30000000)]) > 0"


def _body(rule: str) -> dict[str, Any]:
    source = f"package hqg\n\nimport rego.v1\n\n{rule}\n"
    return {"candidate": {"modules": {"hqg/c.rego": source}, "data": {}}}


def _client(home: Path, **policy: Any) -> Iterator[tuple[TestClient, Gateway]]:
    gateway = build_gateway(load_settings(home=home, policy=policy))
    try:
        with TestClient(create_app(gateway), raise_server_exceptions=False) as client:
            yield client, gateway
    finally:
        gateway.close()


@pytest.fixture(scope="module")
def short_deadline(demo_home: Path) -> Iterator[tuple[TestClient, Gateway]]:
    yield from _client(demo_home, candidate_timeout_seconds=3)


@pytest.fixture(scope="module")
def small_memory(demo_home: Path) -> Iterator[tuple[TestClient, Gateway]]:
    yield from _client(demo_home, candidate_timeout_seconds=120, candidate_max_memory_mb=256)


def _audited(gateway: Gateway, request_id: str) -> int | None:
    found = [r.status for r in iter_records(gateway.audit.path) if r.request_id == request_id]
    return found[-1] if found else None


def test_looping_candidate_is_a_422_naming_the_time_limit_within_it(
    short_deadline: tuple[TestClient, Gateway],
):
    client, gateway = short_deadline
    started = time.monotonic()
    response = client.post("/v1/policy/simulate", json=_body(LOOPING), headers=auth("demo-sec"))
    assert time.monotonic() - started < 3 + 2
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "time limit of 3 s" in error["message"]
    assert "HQG_POLICY__CANDIDATE_TIMEOUT_SECONDS" in error["message"]
    assert _audited(gateway, response.headers["x-request-id"]) == 422
    assert client.get("/healthz").status_code == 200


def test_memory_hungry_candidate_is_a_422_naming_the_memory_limit(
    small_memory: tuple[TestClient, Gateway],
):
    client, gateway = small_memory
    response = client.post("/v1/policy/simulate", json=_body(HUNGRY), headers=auth("demo-sec"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "memory limit of 256 MB" in error["message"]
    assert "HQG_POLICY__CANDIDATE_MAX_MEMORY_MB" in error["message"]
    assert _audited(gateway, response.headers["x-request-id"]) == 422
    assert client.get("/healthz").status_code == 200


def test_candidate_that_does_not_compile_is_a_422_naming_its_module(
    small_memory: tuple[TestClient, Gateway],
):
    client, _ = small_memory
    response = client.post(
        "/v1/policy/simulate", json=_body("decision := {"), headers=auth("demo-sec")
    )
    assert response.status_code == 422
    assert "hqg/c.rego" in response.json()["error"]["message"]

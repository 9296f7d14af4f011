"""429 through the API: Retry-After, the one error shape, and an audit record like any refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from audit import iter_records
from gateway.service import Gateway
from tests.gateway.ops.conftest import auth, open_gateway
from transports.rest import create_app
from transports.rest.enforce import ROUTE_ACTIONS, action_for_route


@pytest.fixture(scope="module")
def limited(demo_home: Path) -> Iterator[Gateway]:
    gw = open_gateway(demo_home, limits={"per_principal_rpm": 2, "per_tenant_rpm": 100})
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def limited_client(limited: Gateway) -> Iterator[TestClient]:
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.slow
def test_the_request_over_the_limit_gets_429_with_retry_after(
    limited_client: TestClient, limited: Gateway
) -> None:
    ok = [limited_client.get("/v1/catalog", headers=auth("demo-alice")) for _ in range(2)]
    assert [r.status_code for r in ok] == [200, 200]
    refused = limited_client.get("/v1/catalog", headers=auth("demo-alice"))
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 30
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["request_id"] == refused.headers["X-Request-ID"]
    assert set(error) == {"code", "message", "request_id"}
    assert "alice" not in error["message"]

    (record,) = [r for r in iter_records(limited.audit.path) if r.request_id == error["request_id"]]
    assert (record.status, record.action, record.allowed) == (429, "catalog", False)
    assert record.reasons == ("rate_limited",)
    get = limited.ops.metrics.registry.get_sample_value
    assert get("hqg_requests_total", {"action": "catalog", "status": "429"}) == 1
    assert get("hqg_rate_limited_total", {"scope": "principal"}) == 1


def test_other_principals_keep_their_own_budget(limited_client: TestClient) -> None:
    sql = {"sql": "SELECT count(*) FROM products"}
    for _ in range(2):
        served = limited_client.post("/v1/sql", json=sql, headers=auth("demo-carol"))
        assert served.status_code == 200
    refused = limited_client.post("/v1/sql", json=sql, headers=auth("demo-carol"))
    assert refused.status_code == 429


def test_unauthenticated_requests_are_refused_before_the_limiter(
    limited_client: TestClient,
) -> None:
    for _ in range(5):
        assert limited_client.get("/v1/catalog").status_code == 401


def test_every_authenticated_route_has_an_audit_action(limited_client: TestClient) -> None:
    paths = limited_client.get("/openapi.json").json()["paths"]
    versioned = [p for p in paths if p.startswith("/v1/")]
    assert versioned
    assert all(action_for_route(p) is not None for p in versioned), versioned


def test_every_route_action_names_a_served_route(limited_client: TestClient) -> None:
    paths = set(limited_client.get("/openapi.json").json()["paths"])
    if limited_client.post("/mcp").status_code == 401:  # served, but JSON-RPC: no OpenAPI path
        paths.add("/mcp")
    assert set(ROUTE_ACTIONS) - paths == set()

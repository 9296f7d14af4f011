"""Shared by the traffic red-team files: the demo gateway over HTTP, and the audit check every
case makes (the record of a request exists, once, with the status the caller received).

Import the ``*_fixture`` functions into a test module to use the fixtures they name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from audit import tail
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from transports.rest import create_app

ROUTES = (
    ("POST", "/v1/sql"),
    ("POST", "/v1/search"),
    ("POST", "/v1/ask"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/policy/evaluate"),
    ("POST", "/v1/policy/simulate"),
    ("GET", "/v1/catalog"),
)

VALID_BODIES: dict[str, dict[str, object]] = {
    "/v1/sql": {"sql": "SELECT 1"},
    "/v1/search": {"query": "refund window"},
    "/v1/ask": {"question": "How long is the refund window?"},
    "/v1/chat/completions": {"model": "hqg", "messages": [{"role": "user", "content": "hi"}]},
    "/v1/policy/evaluate": {"principal": "demo-alice", "sql": "SELECT 1"},
    "/v1/policy/simulate": {
        "candidate": {"modules": {"a.rego": "package a\n"}, "data": {"note": ""}}
    },
}


@pytest.fixture(scope="module", name="traffic_gateway")
def traffic_gateway_fixture(demo_home: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=demo_home))
    yield gw
    gw.close()


@pytest.fixture(scope="module", name="traffic_client")
def traffic_client_fixture(traffic_gateway: Gateway) -> Iterator[TestClient]:
    app = create_app(traffic_gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def bearer(key: str = "demo-alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def audited_statuses(gateway: Gateway, response: httpx.Response) -> list[int]:
    """The statuses of the audit records of ``response``'s request (newest 200 records)."""
    request_id = response.headers["x-request-id"]
    records = tail(gateway.workspace.audit_path, 200)
    return [r.status for r in records if r.request_id == request_id]


def assert_refused_and_audited(
    gateway: Gateway, response: httpx.Response, *, status: int, code: str
) -> dict[str, object]:
    """A refusal in the one error shape, never a 5xx, audited once with the same status."""
    assert response.status_code == status, response.text
    error: dict[str, object] = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["x-request-id"]
    assert audited_statuses(gateway, response) == [status]
    return error

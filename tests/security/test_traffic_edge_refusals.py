"""Every kind of refusal before routing or parsing (413 body, invalid text, unknown route, bad
JSON, wrong method) is audited once for an authenticated caller, with the status answered, an
action taken from the matched route template or the fixed ``http.unrouted``, and no caller
text anywhere in the record; each counts against the caller's rate limit like any request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from audit import tail
from gateway.ops.limits import RateLimiter
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from tests.security.traffic_support import (
    bearer,
    traffic_client_fixture,  # noqa: F401  (fixture)
    traffic_gateway_fixture,  # noqa: F401  (fixture)
)
from transports.rest import create_app

MARK = "zqxcallertext"  # caller-chosen text that must never reach the audit log
UNROUTED = "http.unrouted"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    content: bytes | None
    status: int
    action: str
    headers: tuple[tuple[str, str], ...] = ()


_BIG = b'{"sql": "' + MARK.encode() + b" " * 1_100_000 + b'"}'
CASES = (
    Case("body over the size limit", "POST", "/v1/sql", _BIG, 413, "sql"),
    Case("body over the size limit, unknown route", "POST", f"/v1/{MARK}", _BIG, 413, UNROUTED),
    Case(
        "lone surrogate in the body",
        "POST",
        "/v1/sql",
        b'{"sql": "SELECT \'' + MARK.encode() + b"\\ud800'\"}",
        400,
        "sql",
    ),
    Case(
        "invalid UTF-8 in the query string", "GET", f"/v1/catalog?{MARK}=%ff", None, 400, "catalog"
    ),
    Case("invalid UTF-8 in the path", "GET", f"/v1/{MARK}%ff", None, 400, UNROUTED),
    Case("unknown route", "GET", f"/v1/{MARK}", None, 404, UNROUTED),
    Case(
        "unknown policy tool named like an identifier",
        "POST",
        "/v1/policy/zqxsecret",
        b"{}",
        404,
        UNROUTED,
    ),
    Case("unknown policy tool with a digit", "POST", "/v1/policy/a1", b"{}", 404, UNROUTED),
    Case("bad JSON", "POST", "/v1/sql", b'{"sql": "' + MARK.encode(), 422, "sql"),
    Case("wrong method on a known route", "GET", "/v1/sql", None, 405, "sql"),
    Case(
        "control character in a header",
        "GET",
        "/v1/catalog",
        None,
        400,
        "catalog",
        (("x-note", MARK + "\x01"),),
    ),
)


def _send(client: TestClient, case: Case, key: str = "demo-alice") -> httpx.Response:
    headers = {**bearer(key), "content-type": "application/json", **dict(case.headers)}
    return client.request(case.method, case.path, content=case.content, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_an_edge_refusal_is_audited_with_its_status_and_a_route_template_action(
    traffic_client: TestClient, traffic_gateway: Gateway, case: Case
) -> None:
    response = _send(traffic_client, case)
    assert response.status_code == case.status, response.text
    assert MARK not in response.text
    request_id = response.headers["x-request-id"]
    records = [
        r for r in tail(traffic_gateway.workspace.audit_path, 200) if r.request_id == request_id
    ]
    assert [(r.action, r.status, r.principal_id) for r in records] == [
        (case.action, case.status, "alice")
    ]
    assert MARK not in records[0].model_dump_json()
    assert "zqxsecret" not in records[0].model_dump_json()


@pytest.mark.parametrize("case", CASES[:1] + CASES[5:6], ids=lambda c: c.name)
def test_an_unauthenticated_edge_refusal_is_answered_and_not_audited(
    traffic_client: TestClient, traffic_gateway: Gateway, case: Case
) -> None:
    response = traffic_client.request(case.method, case.path, content=case.content)
    assert response.status_code == case.status
    request_id = response.headers["x-request-id"]
    assert all(r.request_id != request_id for r in tail(traffic_gateway.workspace.audit_path, 200))


@pytest.fixture(scope="module")
def limited_client(demo_home: Path) -> Iterator[tuple[TestClient, Gateway]]:
    gateway = build_gateway(
        load_settings(home=demo_home, limits={"per_principal_rpm": 2, "per_tenant_rpm": 1000})
    )
    with TestClient(create_app(gateway), raise_server_exceptions=False) as client:
        yield client, gateway
    gateway.close()


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_edge_refusals_count_against_the_rate_limit(
    limited_client: tuple[TestClient, Gateway], case: Case
) -> None:
    client, gateway = limited_client
    key = "demo-carol"
    gateway.ops.limiter = RateLimiter(gateway.settings.limits)  # a fresh budget per case
    answered = [_send(client, case, key).status_code for _ in range(3)]
    assert answered[:2] == [case.status, case.status]
    assert answered[2] == 429
    request_id = _send(client, case, key).headers["x-request-id"]
    (record,) = [r for r in tail(gateway.workspace.audit_path, 50) if r.request_id == request_id]
    assert (record.status, record.action) == (429, case.action)

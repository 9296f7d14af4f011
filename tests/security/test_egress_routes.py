"""No response bypasses the egress guard: every route of the app is either a data route, whose
output for a masked principal is proven to pass the guard, or a route that serves no data
(with the reason written down). A new route fails the first test until it is classified.

The proof plugs a small real finder into the gateway's egress finders (``Gateway.
egress_finders``, where the known-entity matcher goes): it flags the word "days", which the
handbook's refund sections state and no detector calls PII. Every data route, answering a
masked principal (alice), must return no "days" anywhere in its body or stream; the same
request by dana (who may see everything) must, so each probe is known to reach the text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from gateway.service import Gateway
from privacy.spans import Span
from tests.conftest import auth
from transports.rest import create_app

CANARY = re.compile(r"\bdays\b", re.IGNORECASE)
MASKED, UNMASKED = "demo-alice", "demo-dana"
QUESTION = "What is the refund window?"


def canary_finder(text: str) -> list[Span]:
    return [
        Span(entity_type="PERSON", start=m.start(), end=m.end(), score=1.0)
        for m in CANARY.finditer(text)
    ]


def _chat(stream: bool) -> Callable[[TestClient, str], httpx.Response]:
    def call(client: TestClient, key: str) -> httpx.Response:
        body = {
            "model": "hqg",
            "messages": [{"role": "user", "content": QUESTION}],
            "stream": stream,
        }
        return client.post("/v1/chat/completions", json=body, headers=auth(key))

    return call


DATA_ROUTES: dict[tuple[str, str], Callable[[TestClient, str], httpx.Response]] = {
    ("POST", "/v1/search"): lambda c, key: c.post(
        "/v1/search",
        json={"query": "refund window", "collections": ["handbook"]},
        headers=auth(key),
    ),
    ("POST", "/v1/sql"): lambda c, key: c.post(
        "/v1/sql",
        json={"sql": "SELECT title, text FROM vector_search('handbook', 'refund window', 5)"},
        headers=auth(key),
    ),
    ("POST", "/v1/ask"): lambda c, key: c.post(
        "/v1/ask", json={"question": QUESTION, "collections": ["handbook"]}, headers=auth(key)
    ),
    ("POST", "/v1/chat/completions"): _chat(stream=False),
    ("POST", "/mcp"): lambda c, key: c.post(
        "/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {
                "name": "search",
                "arguments": {"query": "refund window", "collections": ["handbook"]},
            },
        },
        headers={**auth(key), "Accept": "application/json, text/event-stream"},
    ),
}
STREAMS = {"chat, streamed": _chat(stream=True)}

NO_DATA_ROUTES = {
    ("GET", "/healthz"): "liveness: a constant body",
    ("GET", "/readyz"): "readiness: component states, no data",
    ("GET", "/metrics"): "Prometheus counters and histograms: numbers and fixed labels",
    ("GET", "/v1/catalog"): "dataset and column metadata from contracts, never values",
    ("GET", "/v1/models"): "the model ids of the settings: operator configuration, no data",
    ("GET", "/v1/models/{model_id:path}"): "one model id of the settings, no data",
    ("POST", "/v1/policy/evaluate"): "a decision document: grants, filters, masks, reasons",
    ("POST", "/v1/policy/simulate"): "decision diffs over audit records, which hold no raw PII",
    ("GET", "/v1/policy/observe"): "decision counters per rule",
    ("GET", "/v1/audit"): "audit records: identifiers, counts, redacted SQL",
    ("GET", "/v1/audit/{ident}"): "one audit record, which holds no raw PII",
    ("GET", "/.well-known/oauth-protected-resource"): "RFC 9728 metadata: constant but the URL",
    ("GET", "/.well-known/oauth-protected-resource/mcp"): "the same metadata, MCP's path form",
    # the web console: policy, audit and catalog metadata, never rows or chunks; every value a
    # page shows passes the error guard (known PII values become placeholders)
    ("GET", "/console"): "a redirect",
    ("GET", "/console/signin"): "the sign-in form",
    ("POST", "/console/signin"): "a redirect with the session cookie",
    ("POST", "/console/signout"): "a redirect",
    ("GET", "/console/review"): "the access matrix: decisions, filters in words, masks",
    ("GET", "/console/review.csv"): "the access matrix as CSV",
    ("GET", "/console/review/explain"): "a decision document, as /v1/policy/evaluate",
    ("GET", "/console/playground"): "the enforced bundle's source",
    ("POST", "/console/playground/explain"): "a decision document, as /v1/policy/evaluate",
    ("POST", "/console/playground/test"): "Rego test results",
    ("POST", "/console/playground/simulate"): "decision diffs, as /v1/policy/simulate",
    ("POST", "/console/playground/apply"): "the applied bundle's version",
    ("GET", "/console/audit"): "audit records, which hold no raw PII",
    ("GET", "/console/audit/record/{ident}"): "one audit record",
    ("POST", "/console/audit/verify"): "the chain's verification report",
    ("GET", "/console/usage"): "usage counts per tenant and principal",
    ("GET", "/console/freshness"): "dataset and collection versions, ages, counts",
}
FRAMEWORK_ROUTES = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


@pytest.fixture(scope="module")
def guarded(gateway: Gateway) -> TestClient:  # noqa: F811
    """The module's gateway with the canary finder plugged in (no lifespan: it stays open)."""
    plugged = dataclasses.replace(gateway, egress_finders=(canary_finder,))
    return TestClient(create_app(plugged), raise_server_exceptions=False)


def _routes(client: TestClient) -> set[tuple[str, str]]:
    found = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute | Route) and route.path not in FRAMEWORK_ROUTES:
            found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    return found


def test_every_route_is_a_guarded_data_route_or_serves_no_data(guarded: TestClient) -> None:
    unclassified = _routes(guarded) - set(DATA_ROUTES) - set(NO_DATA_ROUTES)
    assert not unclassified, f"classify these routes in {__name__}: {sorted(unclassified)}"


def test_every_openapi_response_model_of_a_data_route_is_released_by_the_guard(
    guarded: TestClient,
) -> None:
    schema = guarded.app.openapi()  # type: ignore[attr-defined]
    released = {"SearchResponse", "SqlResponse", "AskResponse"}
    for (method, path), _ in DATA_ROUTES.items():
        if path == "/mcp":  # JSON-RPC: its tool results are these models, rendered (transports/mcp)
            continue
        ok = schema["paths"][path][method.lower()]["responses"]["200"]
        ref = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        model = ref.rsplit("/", 1)[-1]
        # the chat route renders the released AskResponse itself (response_model=None)
        assert model in released or path == "/v1/chat/completions", (path, model)


@pytest.mark.slow
@pytest.mark.parametrize("route", [*DATA_ROUTES, *STREAMS], ids=str)
def test_a_masked_principal_gets_nothing_the_egress_finders_flag(
    guarded: TestClient, route: tuple[str, str] | str
) -> None:
    probe = DATA_ROUTES[route] if isinstance(route, tuple) else STREAMS[route]
    control = probe(guarded, UNMASKED)
    assert control.status_code == 200, control.text
    assert CANARY.search(control.text), f"the probe must reach the text: {control.text[:300]}"
    masked = probe(guarded, MASKED)
    assert masked.status_code == 200, masked.text
    assert not CANARY.search(masked.text), masked.text[:500]

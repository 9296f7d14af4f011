"""Red team: no listing or count on any surface tells a caller that objects it may not see
exist (DESIGN §4, ``gateway.visibility``).

A count is as telling as a name: ``withheld: 1`` in alice's catalog told her that a dataset she
may not see (``hr_salaries``) exists. The check is a difference: for every demo principal, each
surface's listing is taken in the real workspace and again with every object hidden from that
principal removed from the catalogs the gateway reads; whatever the principal sees must not
change. Policy, retrieval and the transports are the real ones; only the workspace's list of
datasets and collections is narrowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp.client import Client

from gateway.access import collection_resource
from gateway.components import Lazy
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.visibility import visible_collections, visible_tables
from gateway.wiring import build_chat_model
from tests.conftest import auth
from transports.mcp.server import build_server

#: alice (hidden objects exist for her) in the fast lane; every other principal with the slow ones.
KEYS = (
    "demo-alice",
    *(
        pytest.param(key, marks=pytest.mark.slow)
        for key in ("demo-bob", "demo-carol", "demo-dana", "demo-assistant", "demo-sec")
    ),
)
QUESTION = "What are the salary bands?"


def hidden_from(gateway: Gateway, key: str) -> tuple[frozenset[str], frozenset[str]]:
    """The datasets and collections ``key`` may not know exist."""
    ctx = RequestContext.create(gateway.principals.authenticate(key), purpose=None)
    datasets = gateway.datasets()
    records = gateway.documents.collections()
    seen_tables = visible_tables(gateway, ctx, [d.contract for d in datasets.values()])
    seen_collections = visible_collections(gateway, ctx, [collection_resource(r) for r in records])
    return (
        frozenset(datasets) - seen_tables,
        frozenset(r.name for r in records) - seen_collections,
    )


@contextmanager
def without(
    gateway: Gateway, tables: frozenset[str], collections: frozenset[str]
) -> Iterator[None]:
    """The same gateway over a workspace in which ``tables`` and ``collections`` do not exist."""
    datasets, records = gateway.datasets, gateway.documents.collections
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            gateway, "datasets", lambda: {n: d for n, d in datasets().items() if n not in tables}
        )
        patch.setattr(
            gateway.documents,
            "collections",
            lambda: [r for r in records() if r.name not in collections],
        )
        yield


def _body(response: Any) -> dict[str, Any]:
    body = response.json()
    return body if isinstance(body, dict) else {}


def rest_listings(client: TestClient, key: str) -> dict[str, Any]:
    catalog = client.get("/v1/catalog", headers=auth(key))
    search = client.post("/v1/search", json={"query": QUESTION, "k": 3}, headers=auth(key))
    ask = client.post("/v1/ask", json={"question": QUESTION}, headers=auth(key))
    models = client.get("/v1/models", headers=auth(key))
    listed = _body(catalog)
    return {
        "catalog": (
            catalog.status_code,
            sorted(d["name"] for d in listed.get("datasets", ())),
            sorted(c["name"] for c in listed.get("collections", ())),
            listed.get("withheld"),
            listed.get("collections_withheld"),
            listed.get("error", {}).get("code"),
        ),
        "search": (search.status_code, _body(search).get("withheld_collections")),
        "ask": (
            ask.status_code,
            _body(ask).get("withheld_collections"),
            (_body(ask).get("abstention") or {}).get("withheld_collections"),
        ),
        "models": (models.status_code, models.json()),
    }


def mcp_listings(gateway: Gateway, key: str) -> dict[str, Any]:
    def caller(_: object) -> RequestContext:
        return RequestContext.create(gateway.principals.authenticate(key), purpose=None)

    server = build_server(
        gateway, caller=caller, chat_model=Lazy(lambda: build_chat_model(gateway))
    )

    async def main() -> dict[str, Any]:
        async with Client(server) as client:
            tools = sorted(tool.name for tool in (await client.list_tools()).tools)
            resources = sorted(str(r.uri) for r in (await client.list_resources()).resources)
            called: dict[str, Any] = {}
            for name in ("list_datasets", "list_collections"):
                if name in tools:
                    result = await client.call_tool(name, {})
                    called[name] = (result.is_error, _counted(result.structured_content or {}))
            return {"tools": tools, "resources": resources, "called": called}

    return anyio.run(main)


def _counted(content: dict[str, Any]) -> dict[str, Any]:
    """What a listing tool names and counts (not what differs per call: ids, ages)."""
    data = content.get("data", content)
    return {
        "withheld": data.get("withheld"),
        "collections_withheld": data.get("collections_withheld"),
        "datasets": sorted(d["name"] for d in data.get("datasets", ())),
        "collections": sorted(c["name"] for c in data.get("collections", ())),
        "error": (data.get("error") or {}).get("code"),
    }


@pytest.mark.parametrize("key", KEYS)
def test_no_listing_or_count_differs_when_the_objects_hidden_from_the_caller_do_not_exist(
    client: TestClient, gateway: Gateway, key: str
) -> None:
    tables, collections = hidden_from(gateway, key)
    real = {"rest": rest_listings(client, key), "mcp": mcp_listings(gateway, key)}
    with without(gateway, tables, collections):
        assert hidden_from(gateway, key) == (frozenset(), frozenset())
        pruned = {"rest": rest_listings(client, key), "mcp": mcp_listings(gateway, key)}
    assert real == pruned


def test_the_check_has_hidden_objects_to_compare_and_sees_a_count_change(
    client: TestClient, gateway: Gateway
) -> None:
    """Positive control: alice has hidden objects, and removing an object she may see does
    change her listing (the comparison is not blind)."""
    tables, collections = hidden_from(gateway, "demo-alice")
    assert "hr_salaries" in tables
    assert "hr" in collections
    real = rest_listings(client, "demo-alice")
    with without(gateway, frozenset({"products"}), frozenset()):
        assert rest_listings(client, "demo-alice")["catalog"] != real["catalog"]

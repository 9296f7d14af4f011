"""The MCP server's policy at both ends, with the SDK's client connected in-process: listing
per caller, every call decided again, refusals as tool errors, one ``mcp.<tool>`` record each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from jsonschema import Draft202012Validator
from mcp.client import Client

from audit import iter_records
from gateway.components import Lazy
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_chat_model, build_gateway
from transports.mcp.server import build_server

Session = Callable[[Client], Any]


@pytest.fixture(scope="module")
def gateway(demo_home: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=demo_home))
    yield gw
    gw.close()


def run_as(gateway: Gateway, key: str, session: Session, purpose: str | None = None) -> Any:
    """Run ``session`` with a client of the MCP server acting for ``key``."""

    def caller(_: object) -> RequestContext:
        return RequestContext.create(gateway.principals.authenticate(key), purpose=purpose)

    server = build_server(
        gateway, caller=caller, chat_model=Lazy(lambda: build_chat_model(gateway))
    )

    async def main() -> Any:
        async with Client(server) as client:
            return await session(client)

    return anyio.run(main)


def records(gateway: Gateway, request_id: str) -> list[Any]:
    return [
        r
        for r in iter_records(gateway.settings.home / "audit" / "audit.jsonl")
        if r.request_id == request_id
    ]


def test_a_tool_hidden_from_a_caller_is_still_refused_when_called(gateway: Gateway) -> None:
    async def session(client: Client) -> Any:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        called = await client.call_tool("query_sql", {"sql": "SELECT 1 FROM products"})
        return listed, called

    listed, called = run_as(gateway, "demo-sec", session)
    assert "query_sql" not in listed
    assert called.is_error
    assert called.structured_content["error"]["code"] == "policy_denied"
    assert "the principal's role reads no rows" in called.structured_content["error"]["reasons"]


def test_the_security_role_explains_a_decision(gateway: Gateway) -> None:
    async def session(client: Client) -> Any:
        return await client.call_tool(
            "explain_decision", {"principal": "alice", "sql": "SELECT email FROM customers"}
        )

    result = run_as(gateway, "demo-sec", session)
    assert not result.is_error, result.content
    assert result.structured_content["principal"] == "alice"
    assert result.structured_content["decision"]["allow"] is True


def test_each_call_leaves_one_record_filed_as_the_tool_with_literals_redacted(
    gateway: Gateway,
) -> None:
    secret = "zed.secret@example.org"

    async def session(client: Client) -> Any:
        return await client.call_tool(
            "query_sql", {"sql": f"SELECT count(*) FROM customers WHERE email = '{secret}'"}
        )

    result = run_as(gateway, "demo-alice", session)
    assert not result.is_error
    found = records(gateway, result.structured_content["request_id"])
    assert [r.action for r in found] == ["mcp.query_sql"]
    assert found[0].extra["use_case"] == "sql"
    assert secret not in found[0].model_dump_json()


def test_refusals_before_the_use_case_are_audited_once(gateway: Gateway) -> None:
    async def session(client: Client) -> Any:
        return [
            await client.call_tool("no_such_tool", {}),
            await client.call_tool("query_sql", {"sql": "SELECT 1", "bogus": "x"}),
            await client.call_tool("query_sql", {"sql": "SELECT 1 -- " + "x" * 1_100_000}),
        ]

    unknown, invalid, oversized = run_as(gateway, "demo-alice", session)
    assert unknown.structured_content["error"]["code"] == "not_found"
    assert invalid.structured_content["error"]["code"] == "invalid_request"
    assert "<unknown field>" in invalid.structured_content["error"]["message"]
    assert oversized.structured_content["error"]["code"] == "request_too_large"
    for result, action in (
        (unknown, "mcp.unknown_tool"),
        (invalid, "mcp.query_sql"),
        (oversized, "mcp.query_sql"),
    ):
        assert result.is_error
        found = records(gateway, result.structured_content["error"]["request_id"])
        assert [(r.action, r.allowed) for r in found] == [(action, False)]


def test_resources_are_the_callers_catalog_and_a_hidden_dataset_reads_as_missing(
    gateway: Gateway,
) -> None:
    async def session(client: Client) -> Any:
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        customers = await client.read_resource("hqg://catalog/datasets/customers")
        try:
            await client.read_resource("hqg://catalog/datasets/hr_salaries")
        except Exception as exc:  # the SDK raises the protocol error
            hidden = str(exc)
        return listed, customers, hidden

    listed, customers, hidden = run_as(gateway, "demo-alice", session)
    assert "hqg://catalog/datasets/customers" in listed
    assert not [uri for uri in listed if "hr_salaries" in uri]
    assert '"email"' in customers.contents[0].text
    assert "not_found" in hidden


@pytest.fixture
def limited(demo_home: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=demo_home, limits={"per_principal_rpm": 2, "burst": 2}))
    yield gw
    gw.close()


@pytest.mark.slow
def test_the_rest_rate_limit_applies_to_tool_calls(limited: Gateway) -> None:
    async def session(client: Client) -> Any:
        return [await client.call_tool("list_datasets", {}) for _ in range(3)]

    first, *_, last = run_as(limited, "demo-alice", session)
    assert not first.is_error
    assert last.is_error
    assert last.structured_content["error"]["code"] == "rate_limited"
    assert last.structured_content["error"]["status"] == 429


TOOL_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "list_datasets": ("demo-alice", {}),
    "describe_dataset": ("demo-alice", {"name": "orders"}),
    "list_collections": ("demo-alice", {}),
    "query_sql": ("demo-alice", {"sql": "SELECT * FROM customers LIMIT 3"}),
    "search": ("demo-alice", {"query": "refund window", "k": 3}),
    "ask": ("demo-alice", {"question": "How long is the refund window?"}),
    "explain_decision": ("demo-sec", {"principal": "alice", "sql": "SELECT * FROM customers"}),
}


@pytest.mark.parametrize("tool", sorted(TOOL_CALLS))
def test_every_tool_declares_an_output_schema_its_results_conform_to(
    gateway: Gateway, tool: str
) -> None:
    """MCP clients validate ``structuredContent`` against the listed ``outputSchema`` (the
    SDK's does for every successful call), so the two must never disagree."""
    key, arguments = TOOL_CALLS[tool]

    async def session(client: Client) -> Any:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        return listed[tool], await client.call_tool(tool, arguments)

    listed, result = run_as(gateway, key, session)
    assert not result.is_error, result.content
    schema = listed.output_schema
    assert schema is not None
    assert schema["type"] == "object"
    Draft202012Validator.check_schema(schema)
    errors = [
        e.message for e in Draft202012Validator(schema).iter_errors(result.structured_content)
    ]
    assert errors == []
    assert result.structured_content  # not an empty object that any schema would accept

"""``/mcp`` on the REST app: bearer API keys, 401 with RFC 9728 metadata, the metadata itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.settings import load_settings
from gateway.wiring import build_gateway
from hqg.errors import ConfigError
from transports.rest import create_app

METADATA_PATH = "/.well-known/oauth-protected-resource"
METADATA = f"http://testserver{METADATA_PATH}"
TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
ACCEPT = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def client(demo_home: Path) -> Iterator[TestClient]:
    gateway = build_gateway(load_settings(home=demo_home))
    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "authorization", [None, "Bearer ", "Basic ZGVtbzpkZW1v", "Bearer not-a-key-6d1f"]
)
def test_a_missing_or_invalid_key_is_401_naming_the_resource_metadata(
    client: TestClient, authorization: str | None
) -> None:
    headers = dict(ACCEPT)
    if authorization is not None:
        headers["Authorization"] = authorization
    response = client.post("/mcp", json=TOOLS_LIST, headers=headers)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer resource_metadata="{METADATA}"')
    assert response.json()["error"]["code"] == "unauthenticated"
    assert "not-a-key-6d1f" not in response.text


def test_the_protected_resource_metadata_describes_bearer_api_keys(client: TestClient) -> None:
    for path in (
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ):
        response = client.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["resource"] == "http://testserver/mcp"
        assert body["bearer_methods_supported"] == ["header"]
        assert "authorization_servers" not in body  # keys are issued by an operator, not OAuth


def test_a_valid_key_lists_the_tools_its_decisions_allow(client: TestClient) -> None:
    headers = {**ACCEPT, "Authorization": "Bearer demo-sec", "MCP-Protocol-Version": "2025-06-18"}
    response = client.post("/mcp", json=TOOLS_LIST, headers=headers)
    assert response.status_code == 200, response.text
    names = {tool["name"] for tool in response.json()["result"]["tools"]}
    assert "explain_decision" in names
    assert "query_sql" not in names  # the security role reads no rows


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://testserver", "null", "http://localhost:8080"]
)
def test_a_browser_origin_not_allowed_is_refused_before_the_key_is_read(
    client: TestClient, origin: str
) -> None:
    headers = {**ACCEPT, "Authorization": "Bearer demo-sec", "Origin": origin}
    response = client.post("/mcp", json=TOOLS_LIST, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert "tools" not in response.text


def test_an_allowed_origin_is_served(demo_home: Path) -> None:
    settings = load_settings(home=demo_home, mcp={"allowed_origins": ["https://Console.example"]})
    headers = {**ACCEPT, "Authorization": "Bearer demo-sec", "Origin": "https://console.example"}
    with TestClient(create_app(build_gateway(settings))) as allowed:
        response = allowed.post("/mcp", json=TOOLS_LIST, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["result"]["tools"]


@pytest.mark.parametrize("origin", ["console.example", "https://console.example/mcp", "ftp://x"])
def test_an_allowed_origin_that_is_not_an_origin_is_a_config_error(
    demo_home: Path, origin: str
) -> None:
    with pytest.raises(ConfigError, match="not an origin"):
        load_settings(home=demo_home, mcp={"allowed_origins": [origin]})

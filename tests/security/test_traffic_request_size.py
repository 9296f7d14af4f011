"""Request size limits (issue 12, item 6): every limit is enforced before the expensive work,
answers 413 naming its setting, and is audited with the status the caller received."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from gateway.service import Gateway
from gateway.settings.ops import LimitSettings
from tests.security.traffic_support import (  # noqa: F401 - fixtures
    ROUTES,
    assert_refused_and_audited,
    bearer,
    traffic_client_fixture,
    traffic_gateway_fixture,
)
from transports.rest import create_app
from transports.rest.edge import EdgeGuard

MB = 1_048_576


def _post(client: TestClient, path: str, body: object) -> object:
    return client.post(path, json=body, headers=bearer())


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for m, p in ROUTES if m == "POST"])
def test_a_body_over_one_megabyte_is_413_naming_the_limit(
    traffic_gateway: Gateway, traffic_client: TestClient, path: str
) -> None:
    body = json.dumps({"sql": "x" * (MB + 10)}).encode()
    response = traffic_client.post(
        path, content=body, headers={**bearer(), "content-type": "application/json"}
    )
    error = assert_refused_and_audited(
        traffic_gateway, response, status=413, code="request_too_large"
    )
    assert error["limit"] == "HQG_LIMITS__MAX_BODY_BYTES"


def test_a_chunked_body_without_length_is_counted_while_read(
    traffic_gateway: Gateway, traffic_client: TestClient
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sql": "'
        for _ in range(40):
            yield b"x" * 65_536
        yield b'"}'

    response = traffic_client.post("/v1/sql", content=chunks(), headers=bearer())
    assert "content-length" not in response.request.headers
    assert_refused_and_audited(traffic_gateway, response, status=413, code="request_too_large")


def test_the_body_limit_stops_reading_instead_of_buffering_everything() -> None:
    """Fed an endless body, the edge reads just past the limit and answers 413."""
    consumed = 0

    async def endless() -> Message:
        nonlocal consumed
        consumed += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("the application must not run")

    guard = EdgeGuard(app, limits=LimitSettings(max_body_bytes=16 * 1024))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/sql",
        "raw_path": b"/v1/sql",
        "query_string": b"",
        "headers": [],
        "app": _StateHolder(),
        "state": {},
    }
    anyio.run(guard, scope, endless, send)
    assert consumed == 17
    assert sent[0]["status"] == 413


class _StateHolder:
    """Stands in for the Starlette app in a bare ASGI scope: no gateway, so no audit."""

    class state:  # noqa: N801 - mirrors ``app.state``
        gateway = None


def test_json_nested_past_the_depth_limit_is_refused(
    traffic_gateway: Gateway, traffic_client: TestClient
) -> None:
    deep = '{"sql": "SELECT 1", "limit": ' + "[" * 5000 + "]" * 5000 + "}"
    response = traffic_client.post(
        "/v1/sql", content=deep.encode(), headers={**bearer(), "content-type": "application/json"}
    )
    error = assert_refused_and_audited(
        traffic_gateway, response, status=413, code="request_too_large"
    )
    assert error["limit"] == "HQG_LIMITS__MAX_JSON_DEPTH"


def _chat(messages: list[dict[str, object]]) -> dict[str, object]:
    return {"model": "hqg", "messages": messages}


PROMPT_CASES = [
    pytest.param(
        "/v1/chat/completions",
        _chat([{"role": "user", "content": "hi"}] * 65),
        "HQG_LIMITS__MAX_MESSAGES",
        id="too-many-messages",
    ),
    pytest.param(
        "/v1/chat/completions",
        _chat([{"role": "user", "content": "a " * 8_001}]),
        "HQG_LIMITS__MAX_MESSAGE_CHARS",
        id="one-long-message",
    ),
    pytest.param(
        "/v1/chat/completions",
        _chat(
            [
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "c", "function": {"name": "f", "arguments": "b " * 5_000}}
                    ]
                    * 2,
                },
                {"role": "user", "content": "and?"},
            ]
        ),
        "HQG_LIMITS__MAX_MESSAGE_CHARS",
        id="long-tool-arguments",
    ),
    pytest.param(
        "/v1/chat/completions",
        _chat(
            [{"role": "tool", "tool_call_id": "c", "content": "t " * 7_000}] * 3
            + [{"role": "user", "content": "so?"}]
        ),
        "HQG_LIMITS__MAX_PROMPT_CHARS",
        id="prompt-over-total",
    ),
    pytest.param(
        "/v1/ask", {"question": "why " * 1_001}, "HQG_LIMITS__MAX_QUESTION_CHARS", id="question"
    ),
    pytest.param(
        "/v1/search", {"query": "q " * 2_001}, "HQG_LIMITS__MAX_QUESTION_CHARS", id="search-query"
    ),
]


@pytest.mark.parametrize(("path", "body", "limit"), PROMPT_CASES)
def test_prompt_limits_refuse_before_scanning_and_name_the_setting(
    traffic_gateway: Gateway,
    traffic_client: TestClient,
    path: str,
    body: dict[str, object],
    limit: str,
) -> None:
    started = time.monotonic()
    response = traffic_client.post(path, json=body, headers=bearer())
    error = assert_refused_and_audited(
        traffic_gateway, response, status=413, code="request_too_large"
    )
    assert error["limit"] == limit
    assert time.monotonic() - started < 5  # generous: refused before any detector runs


@pytest.mark.slow
def test_prompt_scanning_stops_at_its_deadline(traffic_gateway: Gateway) -> None:
    """Many mid-sized tool results, each under every size limit: scanning them all would take
    far longer than the deadline, which stops it with a 400 naming the setting."""
    limits = traffic_gateway.settings.limits.model_copy(
        update={
            "prompt_scan_timeout_ms": 300,
            "max_messages": 500,
            "max_prompt_chars": 2_000_000,
        }
    )
    settings = traffic_gateway.settings.model_copy(update={"limits": limits})
    client = TestClient(create_app(replace(traffic_gateway, settings=settings)))
    traffic_gateway.components.pii.get().detect("warm the detector up")
    text = "Call Jane Roe at 555-010-2233 about order 7 and the refund window. " * 40
    messages = [{"role": "tool", "tool_call_id": f"c{i}", "content": text} for i in range(200)]
    started = time.monotonic()
    response = client.post(
        "/v1/chat/completions",
        json=_chat([*messages, {"role": "user", "content": "summarise"}]),
        headers=bearer("demo-assistant"),
    )
    elapsed = time.monotonic() - started
    error = assert_refused_and_audited(
        traffic_gateway, response, status=400, code="query_limit_exceeded"
    )
    assert "HQG_LIMITS__PROMPT_SCAN_TIMEOUT_MS" in str(error["message"])
    assert elapsed < 0.3 + 10  # the deadline plus one message's scan, generously


def test_a_form_body_is_checked_as_text_and_never_parsed_as_json_by_a_json_route(
    traffic_client: TestClient,
) -> None:
    deep = '{"sql": "SELECT 1", "limit": ' + "[" * 5000 + "]" * 5000 + "}"
    form = {**bearer(), "content-type": "application/x-www-form-urlencoded"}
    response = traffic_client.post("/v1/sql", content=deep.encode(), headers=form)
    assert response.status_code == 422  # the JSON route refuses a form; nothing parsed it
    bad_text = traffic_client.post("/v1/sql", content=b"sql=%ff%fe", headers=form)
    assert bad_text.status_code == 400, bad_text.text

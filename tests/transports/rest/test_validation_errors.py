"""A 422 says what is wrong: the type, the range, the values allowed, and for malformed JSON
where; never the value sent and never pydantic's internal location tags."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.conftest import auth
from transports.openai.compat import ChatCompletionRequest
from transports.rest.routes.search import SearchRequest
from transports.rest.validation import describe

SECRET = "jane.doe@example.com"


def _problems(model: type[Any], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return describe(caught.value.errors())


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (SearchRequest, {"query": "x", "k": 0}, "k: must be at least 1"),
        (SearchRequest, {"query": "x", "k": "many"}, "k: must be an integer"),
        (SearchRequest, {"query": "x", "mode": "fuzzy"}, "mode: must be one of 'dense'"),
        (SearchRequest, {}, "query: is required"),
        (SearchRequest, {"query": "x", SECRET: 1}, "<unknown field>: is not a field"),
        (SearchRequest, {"query": "x", "purpose": "p" * 40}, "purpose: must be at most 32"),
        (
            ChatCompletionRequest,
            {"model": "hqg", "messages": [{"role": "robot", "content": "hi"}]},
            "messages.0.role: must be one of 'system', 'developer', 'user', 'assistant' or 'tool'",
        ),
    ],
)
def test_each_problem_names_its_field_and_what_is_wrong(
    model: type[Any], data: dict[str, Any], expected: str
) -> None:
    text = _problems(model, data)
    assert expected in text
    assert SECRET not in text
    assert "[" not in text.split(":")[0]  # no list[TextPart]-style tags in a location
    assert "function-" not in text


def test_an_image_content_part_is_refused_by_name_without_pydantic_paths(
    client: TestClient,
) -> None:
    """Refused as an unsupported parameter (issue 16: OpenAI's shape, naming the part), never
    as a pydantic validation dump, and never echoing the part's value."""
    body = {
        "model": "hqg",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": f"http://x/{SECRET}"}}],
            }
        ],
    }
    response = client.post("/v1/chat/completions", json=body, headers=auth("demo-alice"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unsupported_parameter"
    assert error["param"].startswith("messages[0].content[0]")
    assert "list[" not in error["message"]
    assert SECRET not in response.text


def test_malformed_json_says_where(client: TestClient) -> None:
    response = client.post(
        "/v1/sql",
        content=b'{\n  "sql": "SELECT 1",\n  "limit": 5,,\n}',
        headers={**auth("demo-alice"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "not valid JSON" in message
    assert "line 3, column" in message
    assert "body.19" not in message


def test_a_range_error_over_http_names_the_bound(client: TestClient) -> None:
    response = client.post(
        "/v1/search", json={"query": "refund", "k": -3}, headers=auth("demo-alice")
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "invalid request: k: must be at least 1"

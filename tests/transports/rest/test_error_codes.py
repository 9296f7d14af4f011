"""Each refusal names its own problem: ``unsafe_query`` is the SQL guard's code only.

A chat parameter hqg does not offer, a chat without a user message, a search ``k`` over its
cap and a collection that does not exist (or that the caller may not see) each get an error
class and a code of their own, so a client can tell "fix your SQL" from "fix your request".
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth

USER = [{"role": "user", "content": "What is the refund window?"}]
CHAT = "/v1/chat/completions"

CASES: list[tuple[str, str, dict[str, Any], int, str, str | None]] = [
    # id, route, body, status, code, parameter
    (
        "chat_parameter_hqg_does_not_offer",
        CHAT,
        {"model": "hqg", "messages": USER, "logprobs": True},
        400,
        "unsupported_parameter",
        "logprobs",
    ),
    (
        "chat_more_than_one_choice",
        CHAT,
        {"model": "hqg", "messages": USER, "n": 2},
        400,
        "unsupported_parameter",
        "n",
    ),
    (
        "chat_without_a_user_message",
        CHAT,
        {"model": "hqg", "messages": [{"role": "system", "content": "Be brief."}]},
        400,
        "no_question",
        None,
    ),
    (
        "chat_with_a_blank_user_message",
        CHAT,
        {"model": "hqg", "messages": [{"role": "user", "content": "   "}]},
        400,
        "no_question",
        None,
    ),
    (
        "search_k_over_its_cap",
        "/v1/search",
        {"query": "refunds", "k": 100_000},
        400,
        "parameter_out_of_range",
        "k",
    ),
    (
        "search_of_a_missing_collection",
        "/v1/search",
        {"query": "refunds", "collections": ["no_such_collection"]},
        404,
        "unknown_collection",
        None,
    ),
    (
        "hybrid_sql_over_a_missing_collection",
        "/v1/sql",
        {"sql": "SELECT * FROM vector_search('no_such_collection', 'refunds', 3)"},
        404,
        "unknown_collection",
        None,
    ),
]


@pytest.mark.parametrize(
    ("route", "body", "status", "code", "parameter"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_refusal_has_a_code_that_names_its_problem(
    client: TestClient,
    route: str,
    body: dict[str, Any],
    status: int,
    code: str,
    parameter: str | None,
) -> None:
    response = client.post(route, json=body, headers=auth("demo-alice"))
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert "rule" not in error
    assert error.get("parameter") == parameter


@pytest.mark.parametrize(
    ("route", "template"),
    [
        ("/v1/sql", {"sql": "SELECT doc_id FROM vector_search('{name}', 'salary', 3)"}),
        ("/v1/search", {"query": "salary", "collections": ["{name}"]}),
    ],
    ids=["hybrid_sql", "search"],
)
def test_a_hidden_collection_answers_exactly_like_an_unknown_one(
    client: TestClient, route: str, template: dict[str, Any]
) -> None:
    answers = []
    for name in ("hr", "hs"):  # hr exists but alice may not see it; hs does not exist
        body = {k: _fill(v, name) for k, v in template.items()}
        response = client.post(route, json=body, headers=auth("demo-alice"))
        error = response.json()["error"]
        answers.append((response.status_code, error["code"], error["message"].replace(name, "?")))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (404, "unknown_collection")


def _fill(value: Any, name: str) -> Any:
    if isinstance(value, str):
        return value.replace("{name}", name)
    return [_fill(item, name) for item in value]

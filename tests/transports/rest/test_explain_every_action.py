"""``/v1/policy/evaluate`` and ``hqg policy eval`` explain search, ask and chat, not only SQL.

The class of property: for any request, explain's ``denied_reason`` is exactly the refusal the
real endpoint answers (None when it serves), because both decide with the same functions.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.policy import app as policy_cli
from tests.conftest import auth

QUESTION = "What is the refund window?"
PROTECTED = "What is the gender split of our customers?"
KEYS = {"alice": "demo-alice", "bob": "demo-bob", "dana": "demo-dana"}


def _served(client: TestClient, action: str, key: str, body: dict[str, Any]) -> Any:
    collections = body.get("collections")
    question = body.get("question") or QUESTION
    if action == "search":
        payload: dict[str, Any] = {"query": "refund window", "collections": collections}
        return client.post("/v1/search", json=payload, headers=auth(key))
    if action == "ask":
        payload = {"question": question, "collections": collections}
        return client.post("/v1/ask", json=payload, headers=auth(key))
    payload = {
        "model": "hqg",
        "messages": [{"role": "user", "content": question}],
        "collections": collections,
    }
    return client.post("/v1/chat/completions", json=payload, headers=auth(key))


CASES = [
    ("search", "alice", {"collections": ["handbook"]}),
    ("search", "alice", {"collections": ["hr"]}),
    ("search", "alice", {"collections": ["handbook", "hr"]}),
    ("search", "dana", {"collections": ["hr"]}),
    ("search", "bob", {}),
    ("ask", "alice", {"collections": ["handbook"]}),
    ("ask", "alice", {"question": PROTECTED}),
    ("ask", "dana", {"question": PROTECTED}),
    ("chat", "alice", {"collections": ["tickets"]}),
    ("chat", "alice", {"collections": ["hr"]}),
    ("chat", "alice", {"question": PROTECTED}),
]


@pytest.mark.parametrize(("action", "principal", "body"), CASES)
def test_explain_refuses_exactly_what_the_real_request_refuses(
    client: TestClient, action: str, principal: str, body: dict[str, Any]
) -> None:
    explained = client.post(
        "/v1/policy/evaluate",
        json={"principal": principal, "action": action, **body},
        headers=auth("demo-sec"),
    )
    assert explained.status_code == 200, explained.text
    served = _served(client, action, KEYS[principal], body)
    report = explained.json()
    if served.status_code == 200:
        assert report["denied_reason"] is None
    else:
        assert report["denied_reason"] == served.json()["error"]["message"]
    assert report["action"] == action
    assert report["sql_submitted"] is None


def test_explained_search_names_each_granted_collection_with_its_filter_and_masks(
    client: TestClient,
) -> None:
    body = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "action": "search", "collections": ["handbook"]},
        headers=auth("demo-sec"),
    ).json()
    assert body["decision"]["allow"] is True
    assert body["collections"] == ["handbook"]
    grant = body["decision"]["collections"]["handbook"]
    assert "acme" in str(grant["filter"])  # alice's tenant
    assert grant["mask_entities"] == {"*": "pseudonym"}


def test_a_search_naming_no_collection_explains_over_every_one_and_names_the_refused(
    client: TestClient,
) -> None:
    body = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "action": "search"},
        headers=auth("demo-sec"),
    ).json()
    assert {"handbook", "tickets", "hr"} <= set(body["collections"])
    # the count alice's own response would carry: hr is refused by clearance, and a collection
    # she may not see is never counted (gateway/visibility.py); the decision names it for sec
    assert body["hidden_collections"] == 0
    assert body["denied_reason"] is None
    assert "collection:hr" in body["decision"]["denied"]


def test_chat_is_explained_as_the_ask_decision_it_gets(client: TestClient) -> None:
    body = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "action": "chat", "collections": ["handbook"]},
        headers=auth("demo-sec"),
    ).json()
    assert any("permits ask" in reason for reason in body["decision"]["reasons"])


@pytest.mark.parametrize(
    "body",
    [
        {"principal": "alice", "action": "sql"},
        {"principal": "alice", "action": "search", "sql": "SELECT 1"},
        {"principal": "alice", "action": "delete"},
    ],
)
def test_an_explain_request_missing_what_its_action_needs_is_refused(
    client: TestClient, body: dict[str, Any]
) -> None:
    response = client.post("/v1/policy/evaluate", json=body, headers=auth("demo-sec"))
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["message"]


@pytest.mark.slow
def test_cli_eval_explains_a_search_and_an_ask(home: Any) -> None:
    runner = CliRunner()
    base = ["eval", "--as", "alice", "--key", "demo-sec", "--home", str(home)]
    searched = runner.invoke(policy_cli, [*base, "--action", "search", "--collection", "hr"])
    assert searched.exit_code == 0, searched.output
    assert "search over collections: hr" in searched.output
    assert "would be refused: no such collection: hr" in searched.output
    asked = runner.invoke(policy_cli, [*base, "--action", "ask", "--question", PROTECTED])
    assert asked.exit_code == 0, asked.output
    assert "protected attributes" in asked.output

"""Answer quality on the demo: guidance before anecdotes, stale sources named in the text."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from gateway.ask.sources import SourceKind, kind_of
from gateway.settings.answer import AnswerSettings
from tests.gateway.ask.conftest import auth

pytestmark = pytest.mark.slow  # make test-fast skips it: answer-quality probes


def _ask(client: TestClient, key: str, question: str) -> dict[str, Any]:
    response = client.post("/v1/ask", json={"question": question}, headers=auth(key))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    "question",
    [
        "What do we do when the tracking link is broken?",
        "What should I do when an order arrived damaged?",
    ],
)
def test_a_handbook_answer_is_not_given_from_a_ticket(client: TestClient, question: str) -> None:
    body = _ask(client, "demo-bob", question)  # acme support: sees the tickets as well
    assert not body["abstained"]
    cited = {c["collection"] for c in body["citations"]}
    assert cited == {"handbook"}
    assert not any(":acme/ticket-" in item for item in body["provenance"]["evidence"])


def test_tickets_still_answer_when_no_guidance_does(client: TestClient) -> None:
    response = client.post(
        "/v1/ask",
        json={"question": "Which orders arrived damaged?", "collections": ["tickets"]},
        headers=auth("demo-bob"),
    )
    assert response.status_code == 200, response.text
    assert {c["collection"] for c in response.json()["citations"]} == {"tickets"}


@pytest.mark.parametrize(
    ("key", "question", "days"),
    [
        ("demo-alice", "When is customer support open?", 30),
        ("demo-carol", "How long is the product warranty?", 180),
    ],
)
def test_a_stale_source_is_named_in_the_answer_text(
    client: TestClient, key: str, question: str, days: int
) -> None:
    body = _ask(client, key, question)
    stale = [c["ref"] for c in body["citations"] if c["stale"]]
    assert stale
    answer = body["answer"]
    assert f"[{stale[0]}] is past its freshness SLA: " in answer
    assert f"days old; the SLA is {days} days" in answer


def test_a_fresh_answer_carries_no_staleness_note(client: TestClient) -> None:
    body = _ask(client, "demo-alice", "What is the refund window?")
    assert not any(c["stale"] for c in body["citations"])
    assert "freshness SLA" not in body["answer"]


def _settings(**labels: frozenset[str]) -> AnswerSettings:
    return AnswerSettings(api_key=SecretStr("unused"), **labels)


def test_the_source_kind_comes_from_labels_the_operator_names_not_collection_names() -> None:
    settings = _settings(guidance_labels=frozenset({"KB"}), anecdote_labels=frozenset({"zendesk"}))
    assert kind_of(("kb", "refunds"), settings) is SourceKind.GUIDANCE
    assert kind_of(("Zendesk",), settings) is SourceKind.ANECDOTE
    assert kind_of(("handbook",), settings) is SourceKind.OTHER


def test_an_anecdote_label_wins_over_a_guidance_label() -> None:
    assert kind_of(("policy", "ticket"), _settings()) is SourceKind.ANECDOTE

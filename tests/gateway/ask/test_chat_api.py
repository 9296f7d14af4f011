"""``/v1/chat/completions`` with the unmodified ``openai`` client, streamed and not.

The generative path uses LangChain's ``FakeListChatModel`` (a deterministic stand-in for a
remote LLM); the guards around it are real.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import openai
import pytest
from fastapi.testclient import TestClient

from demo.ground_truth import DemoGroundTruth
from tests.gateway.ask.conftest import auth

QUESTION = "What is the refund window?"


def _openai(client: TestClient, key: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url="http://testserver/v1", http_client=client)


def test_the_openai_client_gets_a_cited_answer_with_provenance(client: TestClient) -> None:
    completion = _openai(client, "demo-carol").chat.completions.create(
        model="hqg", messages=[{"role": "user", "content": QUESTION}]
    )
    content = completion.choices[0].message.content or ""
    assert "14 days" in content
    assert "[1]" in content
    extra = completion.model_extra or {}
    assert extra["hqg"]["citations"][0]["doc_id"] == "globex/refunds"
    assert extra["hqg"]["decision"]["allow"] is True


def test_streaming_sends_guarded_text_and_provenance_last(client: TestClient) -> None:
    stream = _openai(client, "demo-alice").chat.completions.create(
        model="hqg", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "30 days" in text
    assert (chunks[-1].model_extra or {})["hqg"]["citations"]


def test_unsupported_parameters_are_a_clear_400(client: TestClient) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _openai(client, "demo-alice").chat.completions.create(
            model="hqg", messages=[{"role": "user", "content": QUESTION}], logprobs=True
        )
    error = caught.value.body
    assert isinstance(error, dict)
    assert "logprobs" in error["message"]
    assert error["code"] == "unsupported_parameter"


def test_pii_in_system_and_tool_messages_never_comes_back(
    client: TestClient, truth: DemoGroundTruth
) -> None:
    name = sorted(truth.tenants["acme"].customer_names)[0]
    email = sorted(truth.tenants["acme"].customer_emails)[0]
    body = {
        "model": "hqg",
        "messages": [
            {"role": "system", "content": f"The user is {name}, {email}."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": json.dumps({"email": email})},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": f"{name} <{email}>"},
            {"role": "user", "content": QUESTION},
        ],
    }
    for stream in (False, True):
        response = client.post(
            "/v1/chat/completions", json=body | {"stream": stream}, headers=auth("demo-assistant")
        )
        assert response.status_code == 200
        assert email not in response.text
        assert name not in response.text


def test_a_steered_model_is_caught_by_the_output_guard_streamed_or_not(
    fake_client: Callable[[list[str]], TestClient],
) -> None:
    steered = "The refund window is 365 days for every store and every product [1]."
    client = fake_client([steered, steered])
    for stream in (False, True):
        response = client.post(
            "/v1/chat/completions",
            json={
                "model": "fake-list",
                "messages": [{"role": "user", "content": QUESTION}],
                "stream": stream,
            },
            headers=auth("demo-alice"),
        )
        assert response.status_code == 200
        content = _content(response.text, stream=stream)
        assert "365" not in content  # not the whole body: hashes and ids may hold "365"
        assert "withheld by the groundedness guard" in content
        assert '"finish_reason":"content_filter"' in response.text.replace(" ", "")


def _content(body: str, *, stream: bool) -> str:
    """The assistant's text of a completion, or of every chunk of a stream."""
    if not stream:
        return str(json.loads(body)["choices"][0]["message"]["content"])
    events = [
        json.loads(line.removeprefix("data: "))
        for line in body.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    return "".join(
        choice["delta"].get("content") or "" for event in events for choice in event["choices"]
    )


def test_citations_to_chunks_not_retrieved_are_stripped(
    fake_client: Callable[[list[str]], TestClient],
) -> None:
    client = fake_client(
        [
            "Customers may return an unused item for a full refund"
            " within 30 days of delivery [1][42]."
        ]
    )
    response = client.post("/v1/ask", json={"question": QUESTION}, headers=auth("demo-alice"))
    body = response.json()
    assert response.status_code == 200
    assert "[42]" not in body["answer"]
    assert "[1]" in body["answer"]
    assert body["risk"]["citations_stripped"] == 1
    assert [c["ref"] for c in body["citations"]] == [1]
    assert body["provenance"]["backend"] == "langchain"


def test_pii_a_model_writes_is_masked_by_the_output_rescan(
    fake_client: Callable[[list[str]], TestClient],
) -> None:
    leak = "Refunds within 30 days of delivery go to jane.miller@example.com [1]."
    client = fake_client([leak])
    response = client.post("/v1/ask", json={"question": QUESTION}, headers=auth("demo-assistant"))
    body = response.json()
    assert "jane.miller@example.com" not in response.text
    if not body["abstained"]:
        assert body["risk"]["pii_masked"].get("EMAIL_ADDRESS") == 1


def test_chat_requests_are_audited_as_chat(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions",
        json={"model": "hqg", "messages": [{"role": "user", "content": QUESTION}]},
        headers=auth("demo-carol"),
    )
    assert response.status_code == 200
    assert response.json()["hqg"]["request_id"] == response.headers["X-Request-ID"]

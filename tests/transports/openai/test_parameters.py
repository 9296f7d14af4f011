"""Parameters: accepted and passed to the upstream, ignored by the extractive answerer (and
documented so), or refused by name with ``unsupported_parameter``; usage from the upstream."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient
from langchain_openai import ChatOpenAI

from tests.transports.openai.conftest import UPSTREAM_ID, auth, openai_client
from tests.transports.openai.fake_upstream import FakeUpstream, Reply

QUESTION = "What is the refund window?"
GROUNDED = "Customers may return an unused item for a full refund within 30 days of delivery [1]."
USER = [{"role": "user", "content": QUESTION}]


def chat_openai(client: TestClient, key: str, **kwargs: Any) -> ChatOpenAI:
    return ChatOpenAI(
        model=UPSTREAM_ID,
        base_url="http://testserver/v1",
        api_key=key,  # type: ignore[arg-type]
        http_client=client,
        max_retries=0,
        **kwargs,
    )


@pytest.mark.slow
def test_chat_openai_with_temperature_and_max_tokens_reaches_the_upstream(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(content=GROUNDED))
    reply = chat_openai(client, "demo-alice", temperature=0, max_tokens=64).invoke(QUESTION)
    assert "30 days" in str(reply.content)
    sent = upstream.requests[0]
    assert sent["temperature"] == 0
    assert sent["max_completion_tokens"] == 64


def test_every_accepted_parameter_is_passed_through_to_the_upstream(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(content=GROUNDED))
    openai_client(client, "demo-alice").chat.completions.create(
        model=UPSTREAM_ID,
        messages=USER,  # type: ignore[arg-type]
        temperature=0.2,
        top_p=0.9,
        max_completion_tokens=80,
        stop=["\n\n"],
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        user="jane.miller@example.com",
        response_format={"type": "text"},
        n=1,
    )
    sent = upstream.requests[0]
    expected = {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_completion_tokens": 80,
        "stop": ["\n\n"],
        "seed": 7,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
        "response_format": {"type": "text"},
    }
    assert {k: sent.get(k) for k in expected} == expected
    assert sent["user"].startswith("hqg-")  # an opaque id: the raw value never leaves hqg
    assert "jane.miller" not in str(upstream.requests)


def test_the_extractive_answerer_accepts_sampling_parameters_and_ignores_them(
    client: TestClient,
) -> None:
    completion = openai_client(client, "demo-alice").chat.completions.create(
        model="hqg",
        messages=USER,
        temperature=0,
        max_tokens=16,
        seed=1,
        stop="###",  # type: ignore[arg-type]
    )
    assert "30 days" in (completion.choices[0].message.content or "")


@pytest.mark.parametrize(
    ("extra", "parameter"),
    [
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"top_logprobs": 3}, "top_logprobs"),
        ({"audio": {"voice": "alloy", "format": "wav"}}, "audio"),
        ({"modalities": ["text", "audio"]}, "modalities"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"response_format": {"type": "xml"}}, "response_format.type"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
    ],
)
def test_unsupported_parameters_are_refused_by_name(
    client: TestClient, extra: dict[str, Any], parameter: str
) -> None:
    response = client.post(
        "/v1/chat/completions",
        json={"model": UPSTREAM_ID, "messages": USER} | extra,
        headers=auth("demo-alice"),
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "unsupported_parameter"
    assert error["param"] == error["parameter"] == parameter


@pytest.mark.parametrize("part", ["image_url", "input_audio", "file"])
def test_image_audio_and_file_parts_are_refused_by_name(client: TestClient, part: str) -> None:
    content = [{"type": "text", "text": QUESTION}, {"type": part, part: {"url": "x"}}]
    response = client.post(
        "/v1/chat/completions",
        json={"model": "hqg", "messages": [{"role": "user", "content": content}]},
        headers=auth("demo-alice"),
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "unsupported_parameter"
    assert response.json()["error"]["param"] == f"messages[0].content[1].{part}"


def test_a_json_response_format_needs_an_upstream_model(client: TestClient) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client(client, "demo-alice").chat.completions.create(
            model="hqg",
            messages=USER,
            response_format={"type": "json_object"},  # type: ignore[arg-type]
        )
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == "unsupported_parameter"
    assert caught.value.body["param"] == "response_format"


def test_usage_is_the_upstreams_when_it_reports_it(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(content=GROUNDED, usage=(111, 22)))
    completion = openai_client(client, "demo-alice").chat.completions.create(
        model=UPSTREAM_ID,
        messages=USER,  # type: ignore[arg-type]
    )
    usage = completion.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (111, 22, 133)
    assert "hqg_estimated" not in (usage.model_extra or {})


@pytest.mark.slow
def test_usage_without_a_model_is_estimated_and_marked(client: TestClient) -> None:
    completion = openai_client(client, "demo-alice").chat.completions.create(
        model="hqg",
        messages=USER,  # type: ignore[arg-type]
    )
    usage = completion.usage
    assert usage is not None
    assert (usage.model_extra or {})["hqg_estimated"] is True
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0

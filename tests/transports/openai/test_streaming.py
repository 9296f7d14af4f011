"""Streaming: released in guarded sentence windows, first delta before the answer exists,
usage from the upstream, and a guard stop that ends with ``content_filter``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGenerationChunk
from pydantic import Field

from gateway.ask.langchain_model import LangChainAnswerer
from gateway.ask.pipeline import CHAT_ACTION
from gateway.ask.prompt_guard import Message
from gateway.ask.streaming import ask_stream
from gateway.context import RequestContext
from gateway.service import Gateway
from tests.transports.openai.conftest import UPSTREAM_ID, auth, openai_client
from tests.transports.openai.fake_upstream import FakeUpstream, Reply
from tests.transports.openai.test_parameters import GROUNDED, QUESTION

pytestmark = pytest.mark.slow  # make test-fast skips it: streams through a fake upstream

SECOND = "Customers may return an unused item for a full refund [1]."
STEERED = "The refund window is 365 days for every store and every product [1]."
AFTER = "Shipping is free on every order of the year [1]."


def test_the_openai_client_streams_an_upstream_answer_with_usage(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(content=f"{GROUNDED} {SECOND}", usage=(111, 22)))
    stream = openai_client(client, "demo-alice").chat.completions.create(
        model=UPSTREAM_ID,
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "30 days" in text
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = next(c.usage for c in chunks if c.usage is not None)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (111, 22, 133)
    assert all(c.model == UPSTREAM_ID for c in chunks)
    assert upstream.requests[0]["stream"] is True


def test_a_stream_the_groundedness_guard_stops_ends_with_content_filter(
    client: TestClient, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(content=f"{GROUNDED} {STEERED} {AFTER}"))
    response = client.post(
        "/v1/chat/completions",
        json={
            "model": UPSTREAM_ID,
            "messages": [{"role": "user", "content": QUESTION}],
            "stream": True,
        },
        headers=auth("demo-alice"),
    )
    assert response.status_code == 200
    events = _events(response.text)
    text = "".join(choice["delta"].get("content") or "" for e in events for choice in e["choices"])
    assert "30 days of delivery" in text  # the grounded sentence went out before the stop
    assert "365" not in text
    assert "Shipping" not in text  # nothing after the stop
    finishes = [c["finish_reason"] for e in events for c in e["choices"] if c["finish_reason"]]
    assert finishes == ["content_filter"]
    last = events[-1]["hqg"]
    assert last["abstention"]["reason"] == "ungrounded"


def _events(body: str) -> list[dict[str, Any]]:
    return [
        json.loads(line.removeprefix("data: "))
        for line in body.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


class CountingStream(GenericFakeChatModel):
    """LangChain's streaming fake, counting the chunks it has produced so far."""

    produced: list[str] = Field(default_factory=list)

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for chunk in super()._stream(*args, **kwargs):
            self.produced.append(str(chunk.message.content))
            yield chunk


def test_the_first_delta_leaves_before_the_model_has_finished(gateway: Gateway) -> None:
    answer = f"{GROUNDED} {SECOND} {GROUNDED}"
    model = CountingStream(messages=iter([AIMessage(content=answer)]))
    principal = gateway.principals.find("alice")
    assert principal is not None
    streamed = ask_stream(
        gateway,
        RequestContext.create(principal, purpose=None),
        messages=[Message(role="user", content=QUESTION)],
        collections=None,
        model=LangChainAnswerer(model, name="counting"),
        action=CHAT_ACTION,
    )
    deltas = streamed.deltas()
    first = next(deltas)
    assert "30 days" in first
    produced_then = len(model.produced)
    rest = list(deltas)
    assert produced_then < len(model.produced), "the first delta waited for the whole answer"
    assert "".join([first, *rest]).count("[1]") == 3
    assert streamed.outcome is not None
    assert streamed.outcome.finish_reason == "stop"


def test_a_pii_value_split_across_upstream_chunks_is_masked_whole(
    client: TestClient, upstream: FakeUpstream
) -> None:
    leak = "Refunds within 30 days of delivery go to jane.miller@example.com [1]. " + SECOND
    upstream.script(Reply(content=leak))  # the fake streams 12 characters a chunk
    response = client.post(
        "/v1/chat/completions",
        json={
            "model": UPSTREAM_ID,
            "messages": [{"role": "user", "content": QUESTION}],
            "stream": True,
        },
        headers=auth("demo-assistant"),
    )
    assert response.status_code == 200
    assert "jane.miller" not in response.text
    assert "example.com" not in response.text

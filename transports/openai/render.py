"""``chat.completion`` bodies and ``chat.completion.chunk`` events from guarded outcomes.

The response's ``model`` is the id that answered (an alias resolved; ``hqg`` for the extractive
answerer). Provenance rides in the extra top-level ``hqg`` field of a body, and in a last
``event: hqg.provenance`` of a stream. ``usage`` carries the upstream's counts when it reported
them, else estimates marked by the extension field ``hqg_estimated: true``. An answer withheld
by a guard ends with ``finish_reason: "content_filter"``; with a JSON ``response_format`` an
abstention is OpenAI's ``refusal`` (content ``null``), so a client parsing JSON never parses
prose.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from gateway.ask.generation import TokenUsage, ToolCallDraft
from gateway.ask.pipeline import AskOutcome
from gateway.ask.streaming import StreamedAnswer
from hqg.errors import HqgError

#: Abstentions that are a guard's decision, not "nothing to say".
FILTERED = frozenset({"ungrounded", "prompt_injection"})


def completion_id(request_id: str) -> str:
    return f"chatcmpl-{request_id}"


def hqg_extra(outcome: AskOutcome) -> dict[str, Any]:
    """Everything of the ``/v1/ask`` body except the answer text, for the ``hqg`` field."""
    return outcome.response.model_dump(mode="json", exclude={"answer"})


def usage(counts: TokenUsage) -> dict[str, Any]:
    body: dict[str, Any] = counts.model_dump(exclude={"estimated"})
    if counts.estimated:
        body["hqg_estimated"] = True
    return body


def finish_reason(outcome: AskOutcome) -> str:
    abstention = outcome.response.abstention
    if abstention is not None and abstention.reason in FILTERED:
        return "content_filter"
    return outcome.finish_reason


def tool_calls(calls: tuple[ToolCallDraft, ...]) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for c in calls
    ]


def message(outcome: AskOutcome, *, json_mode: bool) -> dict[str, Any]:
    response = outcome.response
    body: dict[str, Any] = {"role": "assistant", "content": response.answer or None}
    if response.abstained and json_mode:
        body["content"], body["refusal"] = None, response.answer
    else:
        body["refusal"] = None
    if outcome.tool_calls:
        body["tool_calls"] = tool_calls(outcome.tool_calls)
    return body


def completion_body(outcome: AskOutcome, *, model: str, json_mode: bool) -> dict[str, Any]:
    """A ``chat.completion`` object with the extra ``hqg`` field."""
    return {
        "id": completion_id(outcome.response.request_id),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message(outcome, json_mode=json_mode),
                "finish_reason": finish_reason(outcome),
                "logprobs": None,
            }
        ],
        "usage": usage(outcome.usage),
        "hqg": hqg_extra(outcome),
    }


def stream_events(
    streamed: StreamedAnswer, *, model: str, include_usage: bool, json_mode: bool
) -> Iterator[str]:
    """SSE lines: each delta is text the sentence windows released; the end says why."""
    ident = completion_id(streamed.request_id)
    created = int(time.time())

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
        body = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": choices,
        }
        return _sse(body | extra)

    def delta(content: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
        return [{"index": 0, "delta": content, "finish_reason": finish, "logprobs": None}]

    yield chunk(delta({"role": "assistant", "content": ""}))
    try:
        for text in streamed.deltas():
            done = streamed.outcome
            refusal = json_mode and done is not None and done.response.abstained
            yield chunk(delta({"refusal": text} if refusal else {"content": text}))
    except HqgError as exc:  # the answer was admitted and audited; the model failed mid-way
        yield _sse({"error": {"code": exc.code, "message": "the answer stream failed"}})
        yield "data: [DONE]\n\n"
        return
    outcome = streamed.outcome
    if outcome is None:  # pragma: no cover - deltas() always sets it when exhausted
        raise RuntimeError("the stream ended without an outcome")
    if outcome.tool_calls:
        calls = [{"index": n, **call} for n, call in enumerate(tool_calls(outcome.tool_calls))]
        yield chunk(delta({"tool_calls": calls}))
    yield chunk(delta({}, finish_reason(outcome)))
    if include_usage:
        yield chunk([], usage=usage(outcome.usage))
    yield _sse(
        {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}
        | {"choices": [], "hqg": hqg_extra(outcome)},
        event="hqg.provenance",
    )
    yield "data: [DONE]\n\n"


def _sse(body: dict[str, Any], *, event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(body, separators=(',', ':'))}\n\n"

"""``/v1/chat/completions``: the OpenAI wire format mapped onto ``pipeline.ask``.

Accepted: ``model`` (echoed; the gateway's configured model answers), ``messages`` (every
role; text content or text parts; tool calls' arguments are guarded like any text), ``stream``,
``stream_options.include_usage``, ``n`` = 1, ``user``, and hqg's own ``collections`` and
``purpose``. Anything else (``temperature``, ``tools``, ``response_format``, ...) is a 400 naming
the parameter: a client must not believe a setting took effect when it did not.

Streaming never bypasses the output guard: the whole answer is guarded first, then sent as one
chunk per sentence, each delta passing the response's egress guard again (held back to a
sentence boundary, so a value split across deltas is seen whole); the last event
(``event: hqg.provenance``) carries the provenance, also in the extra top-level ``hqg`` field
of the non-streaming body.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.ask.pipeline import AskOutcome
from gateway.ask.prompt_guard import Message
from gateway.ask.text import split_answer
from hqg.errors import UnsupportedParameter

SUPPORTED = frozenset(
    {"model", "messages", "stream", "stream_options", "n", "user", "collections", "purpose"}
)


class ToolFunction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=128)
    arguments: str = ""  # sizes: HQG_LIMITS__MAX_MESSAGE_CHARS, checked by the pipeline


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default="", max_length=128)
    type: Literal["function"] = "function"
    function: ToolFunction


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["text"]
    text: str


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = Field(default=None)
    name: str | None = Field(default=None, max_length=128)
    tool_calls: list[ToolCall] | None = Field(default=None, max_length=64)
    tool_call_id: str | None = Field(default=None, max_length=128)

    def to_message(self) -> Message:
        content = self.content or ""
        text = content if isinstance(content, str) else "\n".join(p.text for p in content)
        arguments = tuple(call.function.arguments for call in self.tool_calls or ())
        return Message(role=self.role, content=text, tool_arguments=arguments)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's request hqg honours; extra keys are kept to be refused by name."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=128)
    messages: list[ChatMessageIn] = Field(min_length=1)  # count: HQG_LIMITS__MAX_MESSAGES
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = None
    user: str | None = Field(default=None, max_length=256)
    collections: list[str] | None = Field(default=None, max_length=32)
    purpose: str | None = Field(default=None, max_length=32)

    def check_supported(self) -> None:
        """Refuse what hqg would otherwise silently ignore (names only, never values)."""
        unknown = sorted(set(self.model_extra or {}) - SUPPORTED)
        if unknown:
            raise UnsupportedParameter(
                f"unsupported parameter(s): {', '.join(unknown[:10])}; hqg supports "
                f"{', '.join(sorted(SUPPORTED))}",
                parameter=unknown[0],
            )
        if self.n not in (None, 1):
            raise UnsupportedParameter("only n=1 is supported", parameter="n")

    def to_messages(self) -> list[Message]:
        return [m.to_message() for m in self.messages]


def completion_id(request_id: str) -> str:
    return f"chatcmpl-{request_id}"


def hqg_extra(outcome: AskOutcome) -> dict[str, Any]:
    """Everything of the ``/v1/ask`` body except the answer text, for the ``hqg`` field."""
    return outcome.response.model_dump(mode="json", exclude={"answer"})


def usage(outcome: AskOutcome) -> dict[str, int]:
    prompt, completion = outcome.prompt_tokens, outcome.completion_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion_body(outcome: AskOutcome, *, model: str) -> dict[str, Any]:
    """A ``chat.completion`` object with the extra ``hqg`` field."""
    response = outcome.response
    return {
        "id": completion_id(response.request_id),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": response.answer},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": usage(outcome),
        "hqg": hqg_extra(outcome),
    }


def stream_events(outcome: AskOutcome, *, model: str, include_usage: bool) -> Iterator[str]:
    """SSE lines of an answer that has already passed the output guard."""
    ident = completion_id(outcome.response.request_id)
    created = int(time.time())

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        body = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": choices,
        }
        return body | extra

    def delta(content: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
        return [{"index": 0, "delta": content, "finish_reason": finish, "logprobs": None}]

    yield _sse(chunk(delta({"role": "assistant", "content": ""})))
    pieces = split_answer(outcome.response.answer)
    deltas = (piece if n == 0 else " " + piece for n, piece in enumerate(pieces))
    for guarded in outcome.egress.stream(deltas):
        yield _sse(chunk(delta({"content": guarded})))
    yield _sse(chunk(delta({}, "stop")))
    if include_usage:
        yield _sse(chunk([], usage=usage(outcome)))
    yield _sse(chunk([], hqg=hqg_extra(outcome)), event="hqg.provenance")
    yield "data: [DONE]\n\n"


def _sse(body: dict[str, Any], *, event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(body, separators=(',', ':'))}\n\n"

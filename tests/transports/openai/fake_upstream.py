"""A deterministic fake OpenAI-compatible upstream, served over HTTP on loopback.

It stands in for a remote LLM (the one thing tests may replace): each request pops the next
scripted reply (text, tool calls, usage) and every request body is recorded, so a test can
check what crossed the trust boundary. ``stream: true`` is answered as SSE, a few characters per
chunk, with a usage chunk when ``stream_options.include_usage`` asks for one; the real
``ChatOpenAI`` inside hqg talks to it exactly as it would to a provider.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

CHUNK_CHARS = 12


@dataclass(frozen=True)
class Reply:
    """One scripted upstream reply."""

    content: str = ""
    tool_calls: tuple[dict[str, Any], ...] = ()  # {"id", "name", "arguments"}
    usage: tuple[int, int] = (111, 22)  # prompt, completion (total = sum)


@dataclass
class FakeUpstream:
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def script(self, *replies: Reply) -> None:
        self.replies[:] = list(replies)
        self.requests.clear()

    def _next(self) -> Reply:
        return self.replies.pop(0) if self.replies else Reply(content="No script left.")

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions", response_model=None)
        async def complete(request: Request) -> JSONResponse | StreamingResponse:
            body = await request.json()
            self.requests.append(body)
            reply = self._next()
            if body.get("stream"):
                include = bool((body.get("stream_options") or {}).get("include_usage"))
                return StreamingResponse(
                    _events(reply, body["model"], include), media_type="text/event-stream"
                )
            return JSONResponse(_completion(reply, body["model"]))

        return app


def _usage(reply: Reply) -> dict[str, int]:
    prompt, completion = reply.usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "id": c["id"],
            "type": "function",
            "function": {"name": c["name"], "arguments": c["arguments"]},
        }
        for c in reply.tool_calls
    ]


def _completion(reply: Reply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if reply.tool_calls:
        message["tool_calls"] = _calls(reply)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": _usage(reply),
    }


def _events(reply: Reply, model: str, include_usage: bool) -> Iterator[str]:
    def event(choices: list[dict[str, Any]], **extra: Any) -> str:
        body = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0}
        return f"data: {json.dumps(body | {'model': model, 'choices': choices} | extra)}\n\n"

    yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}}])
    text = reply.content
    for start in range(0, len(text), CHUNK_CHARS):
        piece = text[start : start + CHUNK_CHARS]
        yield event([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
    if reply.tool_calls:
        calls = [{"index": n, **call} for n, call in enumerate(_calls(reply))]
        yield event([{"index": 0, "delta": {"tool_calls": calls}, "finish_reason": None}])
    finish = "tool_calls" if reply.tool_calls else "stop"
    yield event([{"index": 0, "delta": {}, "finish_reason": finish}])
    if include_usage:
        yield event([], usage=_usage(reply))
    yield "data: [DONE]\n\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """``FakeUpstream`` on a loopback port in a thread; ``stop()`` shuts it down."""

    def __init__(self, upstream: FakeUpstream) -> None:
        port = _free_port()
        config = uvicorn.Config(upstream.app(), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(200):  # bounded: at most ~10 s
            if self.server.started:
                break
            time.sleep(0.05)
        if not self.server.started:
            raise RuntimeError("the fake upstream did not start")
        upstream.url = f"http://127.0.0.1:{port}/v1"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

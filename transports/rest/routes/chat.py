"""``POST /v1/chat/completions``: OpenAI-compatible answers through the ask use case.

The requested ``model`` selects the answerer (``GET /v1/models``); every parameter is
checked before anything runs (``transports.openai.compat``). A stream's deltas are the text the
output guard released, one checked sentence window at a time (``gateway.ask.streaming``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from gateway.ask.pipeline import CHAT_ACTION, ask
from gateway.ask.streaming import ask_stream
from transports.openai.compat import ChatCompletionRequest
from transports.openai.render import completion_body, stream_events
from transports.rest.deps import ContextDep, GatewayDep
from transports.rest.routes.ask import ModelsDep

router = APIRouter(tags=["answers"])


@router.post("/v1/chat/completions", response_model=None)
def post_chat_completions(
    body: ChatCompletionRequest, ctx: ContextDep, gateway: GatewayDep, models: ModelsDep
) -> dict[str, Any] | StreamingResponse:
    """Refusals (unknown model, unsupported parameter, policy, injection) come before any byte."""
    body.check_supported()
    model_id, model = models.resolve(body.model)
    if body.purpose is not None:
        ctx = ctx.with_purpose(body.purpose)
    options = body.generation()
    messages, collections = body.to_messages(), body.collections
    if not body.stream:
        outcome = ask(
            gateway,
            ctx,
            messages=messages,
            collections=collections,
            model=model,
            action=CHAT_ACTION,
            options=options,
        )
        return completion_body(outcome, model=model_id, json_mode=options.wants_json)
    streamed = ask_stream(
        gateway,
        ctx,
        messages=messages,
        collections=collections,
        model=model,
        action=CHAT_ACTION,
        options=options,
    )
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        stream_events(
            streamed, model=model_id, include_usage=include_usage, json_mode=options.wants_json
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )

"""``POST /v1/chat/completions``: OpenAI-compatible answers, streamed only after the guard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from gateway.ask.pipeline import CHAT_ACTION, ask
from transports.openai.compat import ChatCompletionRequest, completion_body, stream_events
from transports.rest.deps import ContextDep, GatewayDep
from transports.rest.routes.ask import ChatModelDep

router = APIRouter(tags=["answers"])


@router.post("/v1/chat/completions", response_model=None)
def post_chat_completions(
    body: ChatCompletionRequest, ctx: ContextDep, gateway: GatewayDep, model: ChatModelDep
) -> dict[str, Any] | StreamingResponse:
    """The whole answer is guarded before the first byte is sent, streamed or not."""
    body.check_supported()
    if body.purpose is not None:
        ctx = ctx.with_purpose(body.purpose)
    outcome = ask(
        gateway,
        ctx,
        messages=body.to_messages(),
        collections=body.collections,
        model=model,
        action=CHAT_ACTION,
    )
    if not body.stream:
        return completion_body(outcome, model=body.model)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        stream_events(outcome, model=body.model, include_usage=include_usage),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )

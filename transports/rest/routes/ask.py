"""``POST /v1/ask``: a cited answer from the evidence the caller may see, or an abstention."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from gateway.ask.answerers import ChatModel
from gateway.ask.models import AskResponse
from gateway.ask.pipeline import ask
from gateway.ask.prompt_guard import Message
from gateway.components import Lazy
from transports.rest.deps import ContextDep, GatewayDep

router = APIRouter(tags=["answers"])


def get_chat_model(request: Request) -> ChatModel:
    """The app's chat model (``create_app``), built once on first use, under a lock."""
    model: Lazy[ChatModel] = request.app.state.chat_model
    return model.get()


ChatModelDep = Annotated[ChatModel, Depends(get_chat_model)]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, pattern=r"\S")  # HQG_LIMITS__MAX_QUESTION_CHARS
    collections: list[str] | None = Field(default=None, max_length=32)
    purpose: str | None = Field(default=None, max_length=32)


@router.post("/v1/ask")
async def post_ask(
    body: AskRequest, ctx: ContextDep, gateway: GatewayDep, model: ChatModelDep
) -> AskResponse:
    """Prompt guard, policy, retrieval, answer, output guard; every sentence cited."""
    if body.purpose is not None:
        ctx = ctx.with_purpose(body.purpose)
    messages = [Message(role="user", content=body.question)]
    outcome = await run_in_threadpool(
        ask, gateway, ctx, messages=messages, collections=body.collections, model=model
    )
    return outcome.response

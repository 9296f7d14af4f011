"""``POST /v1/ask``: a cited answer from the evidence the caller may see, or an abstention."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.ask.model_catalog import ModelCatalog
from gateway.ask.models import AskResponse
from gateway.ask.pipeline import ask
from gateway.ask.prompt_guard import Message
from transports.rest.deps import ContextDep, GatewayDep
from transports.rest.workers import in_worker

router = APIRouter(tags=["answers"])


def get_models(request: Request) -> ModelCatalog:
    """The app's models (``create_app``), each built once on first use, under a lock."""
    catalog: ModelCatalog = request.app.state.models
    return catalog


ModelsDep = Annotated[ModelCatalog, Depends(get_models)]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, pattern=r"\S")  # HQG_LIMITS__MAX_QUESTION_CHARS
    collections: list[str] | None = Field(default=None, max_length=32)
    purpose: str | None = Field(default=None, max_length=32)


@router.post("/v1/ask")
async def post_ask(
    body: AskRequest, ctx: ContextDep, gateway: GatewayDep, models: ModelsDep
) -> AskResponse:
    """Prompt guard, policy, retrieval, answer, output guard; every sentence cited."""
    if body.purpose is not None:
        ctx = ctx.with_purpose(body.purpose)
    messages = [Message(role="user", content=body.question)]

    def answer() -> AskResponse:  # one worker-thread hop: the model is built on first use
        model = models.default()
        return ask(
            gateway, ctx, messages=messages, collections=body.collections, model=model
        ).response

    return await in_worker(answer)

"""``POST /v1/search``: governed semantic, lexical or hybrid search over document collections."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway.search_pipeline import SearchResponse, governed_search_request, search_k
from ingestion.vectors.base import SearchMode
from transports.rest.deps import ContextDep, GatewayDep
from transports.rest.workers import in_worker

router = APIRouter(tags=["search"])


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, pattern=r"\S")  # HQG_LIMITS__MAX_QUESTION_CHARS
    collections: list[str] | None = Field(default=None, max_length=32)
    k: int | None = Field(default=None, ge=1)
    mode: SearchMode = SearchMode.HYBRID
    purpose: str | None = Field(default=None, max_length=32)


@router.post("/v1/search")
async def post_search(body: SearchRequest, ctx: ContextDep, gateway: GatewayDep) -> SearchResponse:
    """Chunks the caller may see, masked on read, with provenance, freshness and risk."""
    k = search_k(gateway, body.k)
    if body.purpose is not None:
        ctx = ctx.with_purpose(body.purpose)
    return await in_worker(
        governed_search_request,
        gateway, ctx, query=body.query, collections=body.collections, mode=body.mode, k=k,
    )  # fmt: skip

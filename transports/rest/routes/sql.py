"""``POST /v1/sql``: governed SQL."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from gateway.responses import SqlResponse
from gateway.sql_pipeline import governed_sql
from transports.rest.deps import ContextDep, GatewayDep

router = APIRouter(tags=["sql"])


class SqlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the SQL length limit is HQG_SQL__MAX_SQL_CHARS, enforced (and audited) by the pipeline;
    # this bound only keeps absurd bodies out of validation
    sql: str = Field(min_length=1, max_length=1_000_000)
    limit: int | None = Field(default=None, ge=1, le=1_000_000)
    purpose: str | None = Field(default=None, max_length=32)


@router.post("/v1/sql")
async def post_sql(body: SqlRequest, ctx: ContextDep, gateway: GatewayDep) -> SqlResponse:
    """Run one SELECT under policy: rows filtered, columns masked, provenance attached."""
    if body.purpose is not None:
        ctx = ctx.with_purpose(body.purpose)
    return await run_in_threadpool(governed_sql, gateway, ctx, sql=body.sql, limit=body.limit)

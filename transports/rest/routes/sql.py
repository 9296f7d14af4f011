"""``POST /v1/sql``: governed SQL, answered as JSON (default), CSV or an Arrow IPC stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.context import RequestContext
from gateway.responses import SqlResponse
from gateway.service import Gateway
from gateway.sql_pipeline import governed_sql
from transports.formats import (
    MEDIA_TYPES,
    TableFormat,
    negotiate,
    summary_headers,
    to_arrow_ipc,
    to_csv,
)
from transports.rest.deps import ContextDep, GatewayDep
from transports.rest.workers import in_worker

router = APIRouter(tags=["sql"])


class SqlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the SQL length limit is HQG_SQL__MAX_SQL_CHARS, enforced (and audited) by the pipeline;
    # this bound only keeps absurd bodies out of validation
    sql: str = Field(min_length=1, max_length=1_000_000)
    limit: int | None = Field(default=None, ge=1, le=1_000_000)
    purpose: str | None = Field(default=None, max_length=32)


@router.post(
    "/v1/sql",
    response_model=SqlResponse,
    responses={
        200: {
            "content": {
                MEDIA_TYPES[TableFormat.CSV]: {},
                MEDIA_TYPES[TableFormat.ARROW]: {},
            }
        }
    },
)
async def post_sql(
    body: SqlRequest,
    ctx: ContextDep,
    gateway: GatewayDep,
    format: Annotated[
        str | None,
        Query(max_length=16, description="json (default), csv or arrow; overrides Accept"),
    ] = None,
    accept: Annotated[str | None, Header(max_length=1024)] = None,
) -> SqlResponse | Response:
    """Run one SELECT under policy: rows filtered, columns masked, provenance attached. The
    format (``format=`` or ``Accept``) is chosen before the query runs: an unknown one is a
    400 and nothing is run."""
    chosen = negotiate(format, accept)
    if body.purpose is not None:
        ctx = ctx.with_purpose(body.purpose)
    return await in_worker(_answer, gateway, ctx, body, chosen)


def _answer(
    gateway: Gateway, ctx: RequestContext, body: SqlRequest, chosen: TableFormat
) -> SqlResponse | Response:
    """The query and its encoding, in one worker-thread hop off the event loop."""
    response = governed_sql(gateway, ctx, sql=body.sql, limit=body.limit)
    if chosen is TableFormat.CSV:
        return Response(
            to_csv(response),
            media_type=f"{MEDIA_TYPES[chosen]}; charset=utf-8",
            headers=summary_headers(response),
        )
    if chosen is TableFormat.ARROW:
        return Response(
            to_arrow_ipc(response),
            media_type=MEDIA_TYPES[chosen],
            headers=summary_headers(response),
        )
    return response

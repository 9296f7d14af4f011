"""``POST /v1/policy/evaluate``: dry-run a query as another principal (security role)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.deps import ContextDep, GatewayDep
from gateway.policy_dryrun import EvaluateResponse, evaluate_as

router = APIRouter(tags=["policy"])


class EvaluateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    principal: str = Field(min_length=1, max_length=64)
    purpose: str | None = Field(default=None, max_length=32)
    sql: str = Field(min_length=1, max_length=100_000)


@router.post("/v1/policy/evaluate")
def post_evaluate(body: EvaluateRequest, ctx: ContextDep, gateway: GatewayDep) -> EvaluateResponse:
    """The decision PRINCIPAL would get for SQL, and the SQL as it would execute."""
    return evaluate_as(
        gateway, ctx, principal_id=body.principal, purpose=body.purpose, sql=body.sql
    )

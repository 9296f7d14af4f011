"""The security team's endpoints: explain, simulate, and observe-mode counters.

``POST /v1/policy/evaluate`` explains a request as another principal (``policy.evaluate``);
``POST /v1/policy/simulate`` replays the audit log under a candidate bundle sent inline
(``policy.simulate``); ``GET /v1/policy/observe`` returns observe mode's per-rule counts
(``policy.simulate``; 404 when observe mode is off).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from authz.bundle import PolicyBundle, bundle_from_sources
from authz.observe import ObserveSummary
from authz.settings import observe_stats
from gateway.access import require_allowed
from gateway.admin.explain import EvaluateResponse, Explained, explain_as
from gateway.admin.simulate import SimulationReport, simulate
from hqg.errors import ConfigError, InvalidRequest, NotFound
from transports.rest.deps import ContextDep, GatewayDep

router = APIRouter(tags=["policy"])


class EvaluateRequest(BaseModel):
    """``sql`` for action ``sql``; ``collections`` (none: every one) and, for ask and chat, the
    ``question`` (its protected attributes are decided too) otherwise."""

    model_config = ConfigDict(extra="forbid")

    principal: str = Field(min_length=1, max_length=64)
    purpose: str | None = Field(default=None, max_length=32)
    action: Literal["sql", "search", "ask", "chat"] = "sql"
    sql: str | None = Field(default=None, min_length=1, max_length=100_000)
    collections: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=100
    )
    question: str | None = Field(default=None, min_length=1, max_length=100_000)


class CandidateBundle(BaseModel):
    """A policy bundle as text: module path -> Rego source, and its data.json object."""

    model_config = ConfigDict(extra="forbid")

    modules: dict[str, str] = Field(min_length=1, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)


class SimulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate: CandidateBundle
    since: datetime | None = None
    cursor: int | None = Field(default=None, ge=0)  # a report's cursor: replay on from there


class SimulateResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    report: SimulationReport
    flips: int


@router.post("/v1/policy/evaluate")
def post_evaluate(body: EvaluateRequest, ctx: ContextDep, gateway: GatewayDep) -> EvaluateResponse:
    """The decision PRINCIPAL would get for SQL, a search, an ask or a chat: the rules that
    fired, the SQL as it would execute and the rows it would see and not see (counts), or the
    collections it would search and the refusal it would get."""
    request = Explained(
        action=body.action, sql=body.sql, collections=body.collections, question=body.question
    )
    return explain_as(
        gateway, ctx, principal_id=body.principal, purpose=body.purpose, request=request
    )


@router.post("/v1/policy/simulate")
def post_simulate(body: SimulateRequest, ctx: ContextDep, gateway: GatewayDep) -> SimulateResponse:
    """Replay audited requests under the candidate; the report names what would change."""
    sent = body.candidate

    def candidate() -> PolicyBundle:
        try:
            return bundle_from_sources(sent.modules, sent.data)
        except ConfigError as exc:  # the bundle is the caller's input, not our configuration
            raise InvalidRequest(f"candidate: {exc.message}") from exc

    report = simulate(gateway, ctx, candidate=candidate, since=body.since, cursor=body.cursor)
    return SimulateResponse(request_id=ctx.request_id, report=report, flips=report.flips)


@router.get("/v1/policy/observe")
def get_observe(ctx: ContextDep, gateway: GatewayDep) -> ObserveSummary:
    """Observe mode's counters: per rule, hits by each bundle and disagreements."""
    require_allowed(gateway.decide(ctx, action="policy.simulate"))
    stats = observe_stats(gateway.policy)
    if stats is None:
        raise NotFound("observe mode is off (set HQG_POLICY__OBSERVE_BUNDLE_DIR)")
    return stats.summary()

"""``/v1/policy/evaluate``: the security team dry-runs a query as another principal.

The caller needs ``policy.evaluate``; the answer is the full decision the other principal
would get and the SQL as it would execute. Nothing is executed and no row is read.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.responses import DecisionSummary
from gateway.service import Gateway
from gateway.sql_pipeline import referenced_sources, require_allowed
from hqg.errors import HqgError, NotFound
from retrieval.sql.guard import guard_sql
from retrieval.sql.rewrite import secure_rewrite
from retrieval.sql.service import guard_context


class EvaluateResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    principal: str
    purpose: str | None
    decision: dict[str, Any]
    sql_executed: str | None
    denied_reason: str | None


def evaluate_as(
    gateway: Gateway, ctx: RequestContext, *, principal_id: str, purpose: str | None, sql: str
) -> EvaluateResponse:
    trail = AuditTrail(gateway, ctx, action="policy.evaluate", query=sql)
    try:
        trail.decision = gateway.decide(ctx, action="policy.evaluate")
        require_allowed(trail.decision)
        response = _dry_run(gateway, ctx, principal_id=principal_id, purpose=purpose, sql=sql)
    except HqgError as exc:
        trail.fail(exc)
        raise
    trail.write(status=200)
    return response


def _dry_run(
    gateway: Gateway, ctx: RequestContext, *, principal_id: str, purpose: str | None, sql: str
) -> EvaluateResponse:
    target = gateway.principals.find(principal_id)
    if target is None:
        raise NotFound("no principal with that id")
    as_target = RequestContext.create(target, purpose=purpose, request_id=ctx.request_id)
    sources = referenced_sources(sql, gateway.sources(gateway.datasets()))
    decision = gateway.decide(
        as_target, action="sql", tables=[s.contract for s in sources.values()]
    )
    executed, denied = None, None
    try:
        require_allowed(decision)
        guarded = guard_sql(sql, context=guard_context(sources, decision.tables))
        with gateway.queries.session(sources) as session:
            executed = secure_rewrite(
                guarded,
                contracts={n: s.contract for n, s in sources.items()},
                grants=decision.tables,
                aliases=session.aliases,
            ).sql
    except HqgError as exc:
        denied = exc.message
    return EvaluateResponse(
        request_id=ctx.request_id,
        principal=target.id,
        purpose=as_target.purpose,
        decision={
            **decision.model_dump(mode="json"),
            "summary": DecisionSummary.of(decision).model_dump(mode="json"),
        },
        sql_executed=executed,
        denied_reason=denied,
    )

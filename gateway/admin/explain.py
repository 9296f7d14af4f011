"""``/v1/policy/evaluate`` and ``hqg policy eval``: explain a request as another principal.

The caller needs ``policy.evaluate``. The answer is the full decision the other principal would
get (reasons, row filters, masks), the rules that fired (when the OPA engine is installed: it
traces, regorus does not), the SQL as it would execute, and per dataset how many rows would be
visible and withheld (counts only, and only as far as the CALLER may count them itself:
``gateway.admin.row_counts``; the security role reads no rows, so it gets the decision without
counts). Nothing of the query is executed and no row is read. A
request ``/v1/sql`` would refuse (policy deny, a dataset older than the policy's max
staleness) is explained with ``denied_reason`` and no rows visible.

The plan is the real one: the datasets and ``vector_search`` calls are found, decided and
guarded and the query rewritten by the very functions ``/v1/sql`` runs (``named_resources``,
one ``sql`` decision over tables and collections, ``plan_governed_sql``), so what
``/v1/sql`` serves explains, and what it refuses explains with the same reason. A
``vector_search`` call is planned from its collection's schema (``planned_searches``): nothing
is searched.

Search, ask and chat explain the same way (``explain_collections``): the decision over the
collections the request names (or every collection, as when it names none), each granted
collection's filter and masked entity types, and, as ``denied_reason``, the refusal the real
request would get, from the very functions the pipelines decide with (``decide_collections``,
and for ask and chat ``decide_ask`` with the question's protected attributes). Chat decides as
``ask``. Nothing is searched or answered; chunks are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from authz.bundle import load_bundle
from authz.decision import Decision
from authz.trace import FiredRule, fired_rules
from gateway.access import (
    asked_collections,
    collection_resource,
    decide_collections,
    require_allowed,
)
from gateway.admin.row_counts import RowCounter, RowCounts, caller_scope
from gateway.ask.bias import protected_use
from gateway.ask.pipeline import CHAT_ACTION, DECIDED_AS
from gateway.ask.retrieve import ASK_ACTION, decide_ask
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.hybrid import collection_records, planned_searches
from gateway.responses import DecisionSummary
from gateway.search_pipeline import SEARCH_ACTION
from gateway.service import Gateway, policy_input
from gateway.sql_pipeline import SQL_ACTION, guard_limits, limits_for, named_resources
from gateway.staleness import require_fresh, stale_datasets
from hqg.errors import ConfigError, HqgError, InvalidRequest, NotFound, PolicyEngineError
from ingestion.catalog import Dataset
from ingestion.documents.catalog import CollectionRecord
from retrieval.sql.service import plan_governed_sql
from retrieval.sql.sources import TableSource
from retrieval.sql.vector_search import SearchCall

EXPLAINED_ACTIONS = frozenset({SQL_ACTION, SEARCH_ACTION, ASK_ACTION, CHAT_ACTION})


class Trace(BaseModel):
    """The rules that fired, as OPA traced them on the same bundle and input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: str
    policy_hash: str
    rules: tuple[FiredRule, ...]


class EvaluateResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    principal: str
    purpose: str | None
    action: str = SQL_ACTION
    decision: dict[str, Any]
    sql_submitted: str | None
    sql_executed: str | None
    collections: tuple[str, ...] = ()  # what a search, ask or chat is decided over
    hidden_collections: int = 0  # refused ones a request naming none would skip, uncounted
    denied_reason: str | None
    rows: Mapping[str, RowCounts]
    trace: Trace | None
    trace_note: str | None


@dataclass(frozen=True)
class Explained:
    """What to explain: a SQL query, or a search, ask or chat over some collections."""

    action: str = SQL_ACTION
    sql: str | None = None
    collections: Sequence[str] | None = None
    question: str | None = None  # ask and chat: what protected attributes it names

    def __post_init__(self) -> None:
        if self.action not in EXPLAINED_ACTIONS:
            raise InvalidRequest(f"action must be one of {', '.join(sorted(EXPLAINED_ACTIONS))}")
        if (self.action == SQL_ACTION) != (self.sql is not None):
            raise InvalidRequest("sql is required for action sql, and only for it")


def evaluate_as(
    gateway: Gateway, ctx: RequestContext, *, principal_id: str, purpose: str | None, sql: str
) -> EvaluateResponse:
    """Explain ``sql`` as another principal (``explain_as`` explains any action)."""
    return explain_as(
        gateway, ctx, principal_id=principal_id, purpose=purpose, request=Explained(sql=sql)
    )


def explain_as(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    principal_id: str,
    purpose: str | None,
    request: Explained,
) -> EvaluateResponse:
    """Explain ``request`` (SQL, a search, an ask or a chat) as another principal."""
    trail = AuditTrail(gateway, ctx, action="policy.evaluate", query=request.sql)
    with trail.recording():
        trail.decision = gateway.decide(ctx, action="policy.evaluate")
        require_allowed(trail.decision)
        target = gateway.principals.find(principal_id)
        if target is None:
            raise NotFound("no principal with that id")
        as_target = RequestContext.create(target, purpose=purpose, request_id=ctx.request_id)
        if request.sql is not None:
            return _dry_run(gateway, ctx, as_target, sql=request.sql)
        return explain_collections(gateway, ctx, as_target, request)


def _dry_run(
    gateway: Gateway, ctx: RequestContext, as_target: RequestContext, *, sql: str
) -> EvaluateResponse:
    target = as_target.principal
    snapshot = gateway.datasets()
    sources, calls = named_resources(gateway, sql, gateway.sources(snapshot))
    records = collection_records(gateway, calls)
    tables = [s.contract for s in sources.values()]
    collections = [collection_resource(record) for record in records.values()]
    decision = gateway.decide(as_target, action=SQL_ACTION, tables=tables, collections=collections)
    read, now = [snapshot[name] for name in sources], datetime.now(UTC)
    plan = _Plan(sources=sources, calls=calls, records=records, read=read)
    executed, denied = _explain_sql(gateway, sql, plan, decision, now=now)
    readable = decision.allow and not stale_datasets(decision, read, now=now)
    document = policy_input(as_target, action=SQL_ACTION, tables=tables, collections=collections)
    trace, note = explain_trace(gateway, document)
    if trace is not None and trace.policy_hash != decision.policy_hash:
        trace, note = None, _STALE
    counter = RowCounter(gateway.queries)
    scope = caller_scope(gateway, ctx, snapshot, list(sources))
    return EvaluateResponse(
        request_id=ctx.request_id,
        principal=target.id,
        purpose=as_target.purpose,
        decision={
            **decision.as_document(),
            "summary": DecisionSummary.of(decision).model_dump(mode="json"),
        },
        sql_submitted=sql,
        sql_executed=executed,
        denied_reason=denied,
        rows=counter.counts(sources, decision.tables if readable else {}, scope=scope),
        trace=trace,
        trace_note=note,
    )


_STALE = "no trace: the policy bundle on disk is not the one that decided (reloaded or remote)"


@dataclass(frozen=True)
class _Plan:
    """What the query names, as ``/v1/sql`` finds it: datasets, searches and their records."""

    sources: dict[str, TableSource]
    calls: tuple[SearchCall, ...]
    records: dict[str, CollectionRecord]
    read: Sequence[Dataset]


def _explain_sql(
    gateway: Gateway, sql: str, plan: _Plan, decision: Decision, *, now: datetime
) -> tuple[str | None, str | None]:
    """(the SQL as it would execute, or None and why not: the same refusals as ``/v1/sql``)."""
    try:
        require_allowed(decision)
        require_fresh(decision, plan.read, now=now)
        limits_for(gateway, decision, None)  # a policy granting no rows or no time refuses
        searches = (
            planned_searches(gateway, decision, plan.calls, records=plan.records, now=now)
            if plan.calls
            else None
        )
        return plan_governed_sql(
            sql,
            sources=plan.sources,
            grants=decision.tables,
            limits=guard_limits(gateway.settings.sql),  # the same bounds as /v1/sql
            engine=gateway.queries,
            searches=searches,
        ), None
    except HqgError as exc:
        return None, exc.message


def explain_trace(gateway: Gateway, document: Mapping[str, Any]) -> tuple[Trace | None, str | None]:
    """OPA's trace of the enforced bundle on ``document``, or None and why there is none."""
    from authz.golib_engine import INSTALL_HINT, GolibEngine, golib_available

    if not golib_available():
        return None, f"no trace: {INSTALL_HINT}"
    try:
        bundle = load_bundle(gateway.settings.policy.resolved_bundle_dir())
        engine = GolibEngine(bundle, cache_size=0)
        _, events = engine.traced(document)
    except (ConfigError, PolicyEngineError) as exc:
        return None, f"no trace: {exc.message}"
    rules = tuple(fired_rules(events, bundle.modules))
    return Trace(engine=engine.name, policy_hash=bundle.policy_hash, rules=rules), None


def explain_collections(
    gateway: Gateway, ctx: RequestContext, as_target: RequestContext, request: Explained
) -> EvaluateResponse:
    """A search, ask or chat as ``as_target``: the decision and the real pipeline's refusal."""
    action = DECIDED_AS.get(request.action, request.action)
    records = {r.name: r for r in gateway.documents.collections()}
    asked = asked_collections(gateway, request.collections)
    resources = [collection_resource(records[name]) for name in asked]
    decision = gateway.decide(as_target, action=action, collections=resources)
    denied, hidden = None, 0
    try:
        if action == ASK_ACTION:
            datasets = (d.contract for d in gateway.datasets().values())
            protected = protected_use(request.question or "", datasets)
            grant = decide_ask(
                gateway, as_target, collections=request.collections, protected=protected
            )
        else:
            grant = decide_collections(gateway, as_target, request.collections, action=action)
        hidden = grant.hidden_collections
    except HqgError as exc:
        denied = exc.message
    document = policy_input(as_target, action=action, tables=[], collections=resources)
    trace, note = explain_trace(gateway, document)
    if trace is not None and trace.policy_hash != decision.policy_hash:
        trace, note = None, _STALE
    return EvaluateResponse(
        request_id=ctx.request_id,
        principal=as_target.principal.id,
        purpose=as_target.purpose,
        action=request.action,
        decision={
            **decision.as_document(),
            "summary": DecisionSummary.of(decision).model_dump(mode="json"),
        },
        sql_submitted=None,
        sql_executed=None,
        collections=asked,
        hidden_collections=hidden,
        denied_reason=denied,
        rows={},
        trace=trace,
        trace_note=note,
    )

"""Who may read what, for every use case: the resources a request names, the decision over
them, and the refusal when it denies.

Every use case (sql, hybrid, search, ask, catalog, explain, simulate) asks here, so a refusal
reads the same whichever path raised it, and the SQL and search pipelines no longer import
each other for it. Resource keys are ``hqg.resources``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from audit.marks import mark_decision
from authz.decision import Decision
from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.staleness import collection_scope
from gateway.visibility import visible_collections, visible_tables
from hqg.errors import AccessDenied, UnknownCollection
from hqg.resources import collection_of
from ingestion.contracts import DatasetContract
from ingestion.documents.catalog import CollectionRecord
from retrieval.search import CollectionScope
from retrieval.sql.context import GuardContext, GuardLimits
from retrieval.sql.engine import QueryEngine
from retrieval.sql.guard import guard_sql
from retrieval.sql.sources import TableSource
from retrieval.sql.vector_search import VECTOR_SEARCH, SearchCall


def require_allowed(decision: Decision) -> None:
    """Turn a deny into ``AccessDenied`` naming each refused resource and why."""
    if decision.allow:
        return
    named = [f"{name}: {'; '.join(why)}" for name, why in sorted(decision.denied.items())]
    reasons = tuple(decision.reasons) + tuple(named)
    message = "policy denied the request" + (f" ({'; '.join(named)})" if named else "")
    raise AccessDenied(message, reasons=reasons, decision_id=decision.decision_id)


def referenced_resources(
    sql: str,
    sources: Mapping[str, TableSource],
    *,
    engine: QueryEngine | None = None,
    max_k: int | None = None,
    limits: GuardLimits | None = None,
) -> tuple[dict[str, TableSource], tuple[SearchCall, ...]]:
    """The datasets and the ``vector_search`` calls a query names, after the guard's syntax
    rules (no grants yet): what policy is asked about. ``max_k`` None refuses
    ``vector_search``; ``engine`` (its guard cache) is optional for one-off callers."""
    everything = frozenset(sources)
    context = GuardContext(datasets=everything, granted=everything, limits=limits or GuardLimits())
    if max_k is not None:
        context = replace(context, table_functions=frozenset({VECTOR_SEARCH}), max_search_k=max_k)
    guarded = (
        guard_sql(sql, context=context) if engine is None else engine.guard(sql, context=context)
    )
    return {name: sources[name] for name in guarded.datasets}, guarded.searches


def collection_resource(record: CollectionRecord) -> dict[str, object]:
    """A collection as policy sees it (defaults of its documents)."""
    return {
        "name": record.name,
        "classification": record.default_classification.value,
        "tenancy": record.tenancy.value if record.tenancy else None,
        "labels": list(record.default_labels),
    }


def asked_collections(gateway: Gateway, named: Sequence[str] | None) -> tuple[str, ...]:
    """The existing collections a search or ask is decided over: those named, or every one.

    Pipelines record them before deciding, so the audit record of a refusal still names what
    was asked about and policy replay can decide it again (``gateway.admin.simulate``).
    """
    existing = [record.name for record in gateway.documents.collections()]
    if not named:
        return tuple(existing)
    return tuple(name for name in dict.fromkeys(named) if name in existing)


@dataclass(frozen=True)
class CollectionsGrant:
    """A decision over collections and what it lets this request search."""

    decision: Decision
    scopes: tuple[CollectionScope, ...]
    hidden_collections: int


def decide_collections(
    gateway: Gateway, ctx: RequestContext, named: Sequence[str] | None, *, action: str
) -> CollectionsGrant:
    """The decision for reading collections (search, ask); raises AccessDenied/UnknownCollection.

    Named collections must all be granted; with none named, the granted ones are kept and
    the refused ones the caller may see are counted (one more decision over the granted
    subset; the others are not even counted). Each scope carries
    the policy's staleness cutoff (``gateway.staleness``), taken now.
    """
    records = {record.name: record for record in gateway.documents.collections()}
    if named:
        chosen = [records[name] for name in dict.fromkeys(named) if name in records]
        if len(chosen) < len(set(named)):
            _refuse_unseen(gateway, ctx, named, chosen)
    else:
        chosen = list(records.values())
    decision = _ask(gateway, ctx, chosen, action)
    if named and not decision.allow:
        try:
            _refuse_unseen(gateway, ctx, named, chosen)
        except UnknownCollection as exc:  # the audit record still names the decision
            mark_decision(exc, decision.decision_id)
            raise
    hidden = 0
    if not named and not decision.allow and decision.denied:
        refused = {collection_of(key) for key in decision.denied}
        granted = [record for record in chosen if record.name not in refused]
        hidden = visible_collection_count(gateway, ctx, [r for r in chosen if r.name in refused])
        decision = _ask(gateway, ctx, granted, action)
    require_allowed(decision)
    now = datetime.now(UTC)
    scopes = tuple(collection_scope(decision, name, now=now) for name in decision.collections)
    return CollectionsGrant(decision=decision, scopes=scopes, hidden_collections=hidden)


def visible_collection_count(
    gateway: Gateway, ctx: RequestContext, refused: Sequence[CollectionRecord]
) -> int:
    """How many of the ``refused`` collections the caller may know exist: a count that
    included the ones it may not see would tell it they exist (``gateway.visibility``).
    Every count of refused collections a response carries is this one."""
    if not refused:
        return 0
    return len(visible_collections(gateway, ctx, [collection_resource(r) for r in refused]))


def visible_table_count(
    gateway: Gateway, ctx: RequestContext, refused: Sequence[DatasetContract]
) -> int:
    """How many of the ``refused`` datasets the caller may know exist (granted to it under
    another of its purposes); the datasets' counterpart of ``visible_collection_count``."""
    if not refused:
        return 0
    return len(visible_tables(gateway, ctx, refused))


def _refuse_unseen(
    gateway: Gateway,
    ctx: RequestContext,
    named: Sequence[str],
    existing: Sequence[CollectionRecord],
) -> None:
    """404 naming every named collection that is missing or that the caller may not see
    (``gateway.visibility``): both get the same answer. Returns when there is none."""
    seen = visible_collections(gateway, ctx, [collection_resource(r) for r in existing])
    unseen = sorted(set(named) - seen)
    if unseen:
        raise UnknownCollection(f"no such collection: {', '.join(unseen)}")


def _ask(
    gateway: Gateway, ctx: RequestContext, records: Sequence[CollectionRecord], action: str
) -> Decision:
    return gateway.decide(ctx, action=action, collections=[collection_resource(r) for r in records])

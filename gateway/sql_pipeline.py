"""Governed SQL, end to end: guard, decide, rewrite, execute, attach provenance, audit.

The guard runs twice on purpose: first against the whole catalog, to learn which datasets the
query names (policy decides on exactly those), then inside ``run_governed_sql`` against what
the decision granted. Both go through the query engine's guard cache (keyed by text and
context), so a repeated query is parsed once. Nothing is returned unless the audit record was
written.

Hybrid queries (``vector_search(collection, query, k)`` in FROM/JOIN, ``gateway.hybrid``): the
first pass also learns the collections named, the one decision covers tables and collections,
and the searches run (governed, masked) before the SQL, which reads their released rows.

A dataset or collection the caller may not see is refused exactly like a missing one
(``gateway.visibility``): the guard's refusals are those of the catalog as the caller sees it,
and a deny that names a hidden object becomes the unknown-name refusal.

A decision with ``max_staleness`` refuses a query that reads a dataset older than it, and
searches only chunks younger than it (``gateway.staleness``). The response leaves through the
egress guard (``gateway.egress.for_sql``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from authz.decision import Decision
from gateway.access import collection_resource, referenced_resources, require_allowed
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.egress import for_sql
from gateway.hybrid import (
    collection_freshness,
    collection_masking,
    collection_records,
    run_searches,
    unknown_collection,
)
from gateway.responses import DecisionSummary, SqlResponse
from gateway.service import Gateway
from gateway.settings import SqlSettings
from gateway.staleness import require_fresh
from gateway.visibility import visible_collections, visible_tables
from hqg.errors import AccessDenied, QueryLimitExceeded, UnsafeQuery
from hqg.resources import collection_key
from ingestion.catalog import Dataset
from ingestion.documents.catalog import CollectionRecord
from retrieval.provenance import Provenance, dataset_ref, freshness_of
from retrieval.sql.context import GuardLimits
from retrieval.sql.results import SqlResult
from retrieval.sql.rules.tables import unknown_table_name
from retrieval.sql.service import SqlLimits, run_governed_sql
from retrieval.sql.sources import TableSource
from retrieval.sql.suggestions import suggestion_text
from retrieval.sql.vector_search import SearchCall

#: The policy and audit action of a governed query (also its rate-limit refusals').
SQL_ACTION = "sql"
#: The guard rules whose answer depends on which datasets exist (``retrieval.sql.rules.tables``).
CATALOG_RULES = frozenset({"unknown_table", "cte_shadowing"})


def governed_sql(
    gateway: Gateway, ctx: RequestContext, *, sql: str, limit: int | None = None
) -> SqlResponse:
    """Run ``sql`` for ``ctx``; raises an ``HqgError`` (already audited) on any refusal.

    A text over the length limit is refused by the guard before it is parsed; its record
    keeps no query, since redacting it would parse it (the cost the limit exists to avoid)."""
    over = len(sql) > gateway.settings.sql.max_sql_chars
    trail = AuditTrail(gateway, ctx, action=SQL_ACTION, query=None if over else sql)
    with trail.recording():
        return _run(gateway, ctx, trail, sql=sql, limit=limit)


def limits_for(gateway: Gateway, decision: Decision, requested: int | None) -> SqlLimits:
    """The tightest of settings, policy and request; a policy limit of 0 allows nothing (it is
    never read as "no limit")."""
    caps, granted = gateway.settings.sql, decision.limits
    if granted.max_rows == 0 or granted.timeout_ms == 0:
        raise AccessDenied(
            "policy grants no rows or no time for this request",
            reasons=decision.reasons,
            decision_id=decision.decision_id,
        )
    rows = min(caps.max_rows, granted.max_rows, requested or caps.max_rows)
    timeout_ms = min(caps.timeout_ms, granted.timeout_ms)
    return SqlLimits(max_rows=rows, timeout_seconds=timeout_ms / 1000, guard=guard_limits(caps))


def guard_limits(settings: SqlSettings) -> GuardLimits:
    """The guard's size limits from the SQL settings."""
    return GuardLimits(
        max_sql_chars=settings.max_sql_chars,
        max_vector_searches=settings.max_vector_searches,
        max_generated_size=settings.max_generated_size,
    )


def remaining(limits: SqlLimits, *, deadline: float) -> SqlLimits:
    """``limits`` with the time left before ``deadline`` (``time.monotonic``): whatever ran
    before the SQL (the ``vector_search`` calls) spent the statement's time."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryLimitExceeded(
            f"the query ran longer than {limits.timeout_seconds:g}s and was stopped"
        )
    return limits.model_copy(update={"timeout_seconds": left})


def _run(
    gateway: Gateway, ctx: RequestContext, trail: AuditTrail, *, sql: str, limit: int | None
) -> SqlResponse:
    snapshot = gateway.datasets()
    every = gateway.sources(snapshot)
    sources, calls = _visible_resources(gateway, ctx, sql, every)
    if calls:  # loading the models and opening the index is the process's cost, once
        gateway.components.embedder.get()
        gateway.components.vectors.get()
        gateway.components.pii.get()  # masks the query for a masked view; not the query's time
    started = time.monotonic()
    records = collection_records(gateway, calls)
    trail.datasets = [(name, source.version) for name, source in sources.items()] + [
        (collection_key(name), None) for name in records
    ]
    decision = gateway.decide(
        ctx,
        action=SQL_ACTION,
        tables=[s.contract for s in sources.values()],
        collections=[collection_resource(record) for record in records.values()],
    )
    trail.decision = decision
    if not decision.allow:
        _refuse_invisible(gateway, ctx, sql, every, sources, records)
    require_allowed(decision)
    now = datetime.now(UTC)
    read = [snapshot[name] for name in sources]
    require_fresh(decision, read, now=now)
    limits = limits_for(gateway, decision, limit)
    deadline = started + limits.timeout_seconds
    searches = (
        run_searches(gateway, decision, calls, records=records, now=now, deadline=deadline)
        if calls
        else None
    )
    result = run_governed_sql(
        sql,
        sources=sources,
        grants=decision.tables,
        limits=remaining(limits, deadline=deadline),
        salt=gateway.settings.privacy.hash_salt.get_secret_value(),
        engine=gateway.queries,
        searches=searches,
    )
    trail.rows, trail.withheld, trail.chunks = result.row_count, result.withheld, len(result.chunks)
    trail.rows_scanned = sum(d.current.row_count for d in read if d.current is not None)
    egress = for_sql(
        decision,
        {name: source.contract for name, source in sources.items()},
        finders=gateway.egress_finders,
    )
    return egress.release(_response(ctx, decision, result, records, read, now=now))


def _response(
    ctx: RequestContext,
    decision: Decision,
    result: SqlResult,
    records: Mapping[str, CollectionRecord],
    read: Sequence[Dataset],
    *,
    now: datetime,
) -> SqlResponse:
    return SqlResponse(
        request_id=ctx.request_id,
        columns=result.columns,
        rows=result.rows,
        row_count=result.row_count,
        truncated=result.truncated,
        withheld=result.withheld,
        masking=result.masking | collection_masking(decision, list(records)),
        provenance=Provenance(
            sql_submitted=result.sql_submitted,
            sql_executed=result.sql_executed,
            datasets=tuple(ref for ref in map(dataset_ref, read) if ref is not None),
            chunks=result.chunks,
            decision_id=decision.decision_id,
            policy_hash=decision.policy_hash,
            policy_engine=decision.engine,
        ),
        freshness=tuple(freshness_of(dataset, now=now) for dataset in read)
        + collection_freshness(result.chunks, now=now),
        decision=DecisionSummary.of(decision),
    )


def named_resources(
    gateway: Gateway, sql: str, available: dict[str, TableSource]
) -> tuple[dict[str, TableSource], tuple[SearchCall, ...]]:
    """The datasets among ``available`` and the ``vector_search`` calls ``sql`` names, by the
    guard's syntax rules under the SQL settings (no grants yet)."""
    return referenced_resources(
        sql,
        available,
        engine=gateway.queries,
        max_k=gateway.settings.sql.max_search_k,
        limits=guard_limits(gateway.settings.sql),
    )


def _visible_resources(
    gateway: Gateway, ctx: RequestContext, sql: str, every: dict[str, TableSource]
) -> tuple[dict[str, TableSource], tuple[SearchCall, ...]]:
    """The datasets and searches a query names, checked against the catalog as the caller
    sees it. Against every dataset first (the common case, no extra decision); a refusal by a
    rule that reads the catalog is recomputed against the visible datasets, so it is the one a
    caller gets for a name that does not exist (an unknown table; a CTE named like a dataset
    it cannot see is no refusal). Other refusals do not depend on the catalog and are not
    parsed twice (a hostile query's parse time is not doubled)."""
    try:
        return named_resources(gateway, sql, every)
    except UnsafeQuery as exc:
        if exc.rule not in CATALOG_RULES:
            raise
        seen = visible_tables(gateway, ctx, [s.contract for s in every.values()])
        try:
            return named_resources(gateway, sql, {n: s for n, s in every.items() if n in seen})
        except UnsafeQuery as refused:
            if (name := unknown_table_name(refused)) is None:
                raise
            raise unknown_table(name, seen) from refused


def unknown_table(name: str, seen: Iterable[str]) -> UnsafeQuery:
    """The refusal of a table name that is no dataset the caller may see (missing or hidden
    alike), with near matches among the ones it may see only."""
    return UnsafeQuery(suggestion_text("table", name, sorted(seen)), rule="unknown_table")


def _refuse_invisible(
    gateway: Gateway,
    ctx: RequestContext,
    sql: str,
    every: dict[str, TableSource],
    sources: dict[str, TableSource],
    records: dict[str, CollectionRecord],
) -> None:
    """On a deny: a named dataset or collection the caller cannot see gets exactly the answer
    a missing one gets (``gateway.visibility``); visible ones fall through to the 403."""
    hidden = set(sources) - visible_tables(gateway, ctx, [s.contract for s in sources.values()])
    if hidden:  # the guard, without them, refuses the query as naming an unknown table
        seen = visible_tables(gateway, ctx, [s.contract for s in every.values()])
        try:
            named_resources(gateway, sql, {n: s for n, s in every.items() if n in seen})
        except UnsafeQuery as refused:
            if (name := unknown_table_name(refused)) is None:
                raise
            raise unknown_table(name, seen) from refused
        # and if it ever did not, still never the 403 that would name a hidden dataset
        raise unknown_table(min(hidden), seen)
    resources = [collection_resource(record) for record in records.values()]
    if set(records) - visible_collections(gateway, ctx, resources):
        raise unknown_collection()

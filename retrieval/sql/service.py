"""``run_governed_sql``: guard -> secure rewrite -> locked execution -> withheld counts.

The gateway adds the policy decision and the audit record around this call; everything here
fails closed: a guard rule, an invalid row filter, a missing grant or an engine failure raises,
and no partial rows are ever returned.

Hybrid queries: with ``searches`` (the released relation of every ``vector_search`` call the
gateway already ran under policy) the guard enables ``vector_search`` for exactly those
collections, and each call is inlined as typed list parameters (``retrieval.sql.vector_search``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
from pydantic import BaseModel, ConfigDict, Field
from sqlglot import exp

from hqg.errors import AccessDenied, UnsafeQuery
from hqg.predicates import cache_key
from hqg.resources import collection_key
from retrieval.grants import TableGrant
from retrieval.sql.context import GuardContext, GuardLimits
from retrieval.sql.engine import QueryEngine, Session
from retrieval.sql.guard import GuardedQuery
from retrieval.sql.masks import SALT_PARAMETER
from retrieval.sql.results import DatasetRead, ResultColumn, SqlResult, json_type
from retrieval.sql.rewrite import (
    RewrittenQuery,
    base_table,
    grant_key,
    row_filter_sql,
    secure_rewrite,
)
from retrieval.sql.search_relation import SearchRelation
from retrieval.sql.sources import TableSource
from retrieval.sql.suggestions import unknown_column_error
from retrieval.sql.vector_search import (
    VECTOR_SEARCH,
    SearchCall,
    inline_searches,
    search_parameters,
)


class SqlLimits(BaseModel):
    """Per-query caps: rows returned, wall-clock seconds, and the guard's size limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_rows: int = Field(default=1000, ge=1, le=100_000)
    timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    guard: GuardLimits = Field(default_factory=GuardLimits)


@dataclass(frozen=True)
class SearchInputs:
    """What a hybrid query's ``vector_search`` calls return, searched and masked beforehand."""

    relations: Mapping[SearchCall, SearchRelation]
    max_k: int


def guard_context(
    sources: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    searches: SearchInputs | None = None,
    *,
    limits: GuardLimits | None = None,
) -> GuardContext:
    datasets = frozenset(name.lower() for name in sources)
    granted = frozenset(name.lower() for name in grants) & datasets
    limits = limits or GuardLimits()
    if searches is None:
        return GuardContext(datasets=datasets, granted=granted, limits=limits)
    return GuardContext(
        datasets=datasets,
        granted=granted,
        table_functions=frozenset({VECTOR_SEARCH}),
        collections=frozenset(call.collection for call in searches.relations),
        max_search_k=searches.max_k,
        limits=limits,
    )


def run_governed_sql(
    sql: str,
    *,
    sources: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    limits: SqlLimits,
    salt: str,
    engine: QueryEngine,
    searches: SearchInputs | None = None,
) -> SqlResult:
    """Run one analyst query under the grants; raises UnsafeQuery/AccessDenied/... on refusal."""
    guarded, needed, grants = _guarded(sql, sources, grants, limits.guard, engine, searches)
    relations = searches.relations if searches is not None else {}
    with engine.session(needed) as session:
        rewritten = _rewrite(session, sql, guarded, needed=needed, grants=grants, searches=searches)
        parameters: dict[str, object] = {SALT_PARAMETER: salt} if rewritten.uses_salt else {}
        parameters |= search_parameters(guarded.searches, relations)
        try:
            fetched = session.fetch(
                rewritten.sql,
                parameters=parameters,
                max_rows=limits.max_rows,
                timeout_seconds=limits.timeout_seconds,
            )
        except UnsafeQuery as exc:
            explained = _explained(exc, needed, relations.values())
            if explained is exc:
                raise
            raise explained from exc
        withheld = {name: _withheld(session, needed[name], grants[name], limits) for name in needed}
    used = [relations[call] for call in guarded.searches]
    for relation in used:
        key = collection_key(relation.collection)
        withheld[key] = max(withheld.get(key, 0), relation.withheld)
    return SqlResult(
        columns=tuple(
            ResultColumn(name=n, type=t, json_type=json_type(t)) for n, t in fetched.columns
        ),
        rows=fetched.rows,
        row_count=len(fetched.rows),
        truncated=fetched.truncated,
        withheld=withheld,
        sql_submitted=sql,
        sql_executed=rewritten.sql,
        datasets=_reads(needed, grants, withheld, rewritten),
        chunks=tuple(dict.fromkeys(chunk for relation in used for chunk in relation.chunks)),
    )


def plan_governed_sql(
    sql: str,
    *,
    sources: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    limits: GuardLimits,
    engine: QueryEngine,
    searches: SearchInputs | None = None,
) -> str:
    """The SQL ``run_governed_sql`` would execute for the same arguments, through the same
    guard and rewrite, without executing it (explain and dry run), so an explained plan cannot
    diverge from what ``/v1/sql`` runs. Raises as ``run_governed_sql`` refuses."""
    guarded, needed, grants = _guarded(sql, sources, grants, limits, engine, searches)
    with engine.session(needed) as session:
        return _rewrite(session, sql, guarded, needed=needed, grants=grants, searches=searches).sql


def _guarded(
    sql: str,
    sources: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    limits: GuardLimits,
    engine: QueryEngine,
    searches: SearchInputs | None,
) -> tuple[GuardedQuery, dict[str, TableSource], dict[str, TableGrant]]:
    """The guarded query, the sources it reads and the grants, names lower-cased as the guard
    sees them."""
    lowered = {name.lower(): source for name, source in sources.items()}
    granted = {name.lower(): grant for name, grant in grants.items()}
    guarded = engine.guard(sql, context=guard_context(lowered, granted, searches, limits=limits))
    return guarded, {name: lowered[name] for name in guarded.datasets}, granted


def _rewrite(
    session: Session,
    sql: str,
    guarded: GuardedQuery,
    *,
    needed: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    searches: SearchInputs | None = None,
) -> RewrittenQuery:
    """``secure_rewrite``, cached on the pooled connection (its aliases and versions are fixed).

    ``guarded`` must be ``sql`` guarded. The key holds everything the rewrite reads besides the
    aliases: the SQL text, per dataset its contract and the grant's row filter and masks, and
    per ``vector_search`` call its relation's schema (the values are parameters, not SQL).
    A missing grant is not cached.
    """
    contracts = {name: source.contract for name, source in needed.items()}
    if not all(name in grants for name in needed):
        return secure_rewrite(
            _inlined(guarded, searches), contracts=contracts, grants=grants, aliases=session.aliases
        )
    relations = searches.relations if searches is not None else {}
    key = (
        sql,
        tuple((name, contracts[name], grant_key(grants[name])) for name in sorted(needed)),
        tuple((call, relations[call].columns) for call in guarded.searches if call in relations),
    )
    cached = session.rewrites.get(key)
    if cached is None:
        cached = secure_rewrite(
            _inlined(guarded, searches), contracts=contracts, grants=grants, aliases=session.aliases
        )
        session.rewrites.put(key, cached)
    return cached


def _inlined(guarded: GuardedQuery, searches: SearchInputs | None) -> GuardedQuery:
    """The guarded query with every ``vector_search`` call replaced by its relation."""
    if not guarded.searches:
        return guarded
    if searches is None:
        raise AccessDenied("vector_search() is not enabled for this request")
    tree = inline_searches(
        guarded.tree, calls=guarded.searches, relations=searches.relations, max_k=searches.max_k
    )
    return GuardedQuery(tree=tree, datasets=guarded.datasets, searches=guarded.searches)


def _explained(
    error: UnsafeQuery, needed: Mapping[str, TableSource], relations: Iterable[SearchRelation]
) -> UnsafeQuery:
    """An engine refusal made useful: a column that does not bind is named, with near matches
    among the columns the caller may query here (the granted datasets' and the released
    ``vector_search`` relations'); any other refusal unchanged."""
    cause = error.__cause__
    if error.rule != "engine" or not isinstance(cause, duckdb.BinderException):
        return error
    visible = [column.name for source in needed.values() for column in source.contract.columns]
    visible += [column.name for relation in relations for column in relation.columns]
    return unknown_column_error(str(cause), visible) or error


def count_withheld(
    engine: QueryEngine, source: TableSource, grant: TableGrant, limits: SqlLimits
) -> int:
    """The rows ``grant``'s row filter withholds from ``source``, counted and cached exactly as
    a query over that one dataset counts them (the start-up warm-up fills the cache with it, so
    a principal's first query does not pay the count)."""
    with engine.session({source.name: source}) as session:
        return _withheld(session, source, grant, limits)


def _withheld(session: Session, source: TableSource, grant: TableGrant, limits: SqlLimits) -> int:
    """Rows the row filter removes: ``count(*) WHERE NOT coalesce(filter, false)``.

    Cached per (dataset, version, predicate): versions are immutable, so a repeat query pays
    neither the compile nor the count.
    """
    if grant.row_filter is None:
        return 0
    key = (source.name, source.version, cache_key(grant.row_filter))
    cached = session.cached_count(key)
    if cached is not None:
        return cached
    condition = row_filter_sql(source.contract, grant)
    if condition is None:
        return 0
    hidden = exp.not_(exp.Coalesce(this=condition, expressions=[exp.false()]))
    alias = session.aliases[source.name]
    query = exp.select(exp.Count(this=exp.Star())).from_(base_table(alias)).where(hidden)
    return session.count(
        query.sql(dialect="duckdb"), cache_key=key, timeout_seconds=limits.timeout_seconds
    )


def _reads(
    needed: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    withheld: Mapping[str, int],
    rewritten: RewrittenQuery,
) -> tuple[DatasetRead, ...]:
    return tuple(
        DatasetRead(
            name=name,
            version=source.version,
            withheld=withheld[name],
            masked=dict(rewritten.masked.get(name, {})),
            row_filtered=grants[name].row_filter is not None,
        )
        for name, source in sorted(needed.items())
    )

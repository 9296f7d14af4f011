"""``run_governed_sql``: guard -> secure rewrite -> locked execution -> withheld counts.

The gateway adds the policy decision and the audit record around this call; everything here
fails closed: a guard rule, an invalid row filter, a missing grant or an engine failure raises,
and no partial rows are ever returned.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field
from sqlglot import exp

from retrieval.grants import TableGrant
from retrieval.sql.context import GuardContext
from retrieval.sql.engine import QueryEngine, Session
from retrieval.sql.guard import GuardedQuery
from retrieval.sql.masks import SALT_PARAMETER
from retrieval.sql.results import DatasetRead, ResultColumn, SqlResult
from retrieval.sql.rewrite import (
    RewrittenQuery,
    base_table,
    grant_key,
    row_filter_sql,
    secure_rewrite,
)
from retrieval.sql.sources import TableSource


class SqlLimits(BaseModel):
    """Per-query caps: rows returned and wall-clock seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_rows: int = Field(default=1000, ge=1, le=100_000)
    timeout_seconds: float = Field(default=10.0, gt=0, le=600)


def guard_context(
    sources: Mapping[str, TableSource], grants: Mapping[str, TableGrant]
) -> GuardContext:
    datasets = frozenset(name.lower() for name in sources)
    granted = frozenset(name.lower() for name in grants) & datasets
    return GuardContext(datasets=datasets, granted=granted)


def run_governed_sql(
    sql: str,
    *,
    sources: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
    limits: SqlLimits,
    salt: str,
    engine: QueryEngine,
) -> SqlResult:
    """Run one analyst query under the grants; raises UnsafeQuery/AccessDenied/... on refusal."""
    sources = {name.lower(): source for name, source in sources.items()}
    grants = {name.lower(): grant for name, grant in grants.items()}
    guarded = engine.guard(sql, context=guard_context(sources, grants))
    needed = {name: sources[name] for name in guarded.datasets}
    with engine.session(needed) as session:
        rewritten = _rewrite(session, sql, guarded, needed=needed, grants=grants)
        parameters = {SALT_PARAMETER: salt} if rewritten.uses_salt else None
        fetched = session.fetch(
            rewritten.sql,
            parameters=parameters,
            max_rows=limits.max_rows,
            timeout_seconds=limits.timeout_seconds,
        )
        withheld = {name: _withheld(session, needed[name], grants[name], limits) for name in needed}
    return SqlResult(
        columns=tuple(ResultColumn(name=n, type=t) for n, t in fetched.columns),
        rows=fetched.rows,
        row_count=len(fetched.rows),
        truncated=fetched.truncated,
        withheld=withheld,
        sql_submitted=sql,
        sql_executed=rewritten.sql,
        datasets=_reads(needed, grants, withheld, rewritten),
    )


def _rewrite(
    session: Session,
    sql: str,
    guarded: GuardedQuery,
    *,
    needed: Mapping[str, TableSource],
    grants: Mapping[str, TableGrant],
) -> RewrittenQuery:
    """``secure_rewrite``, cached on the pooled connection (its aliases and versions are fixed).

    ``guarded`` must be ``sql`` guarded. The key holds everything the rewrite reads besides the
    aliases: the SQL text, and per
    dataset its contract and the grant's row filter and masks. A missing grant is not cached.
    """
    contracts = {name: source.contract for name, source in needed.items()}
    if not all(name in grants for name in needed):
        return secure_rewrite(guarded, contracts=contracts, grants=grants, aliases=session.aliases)
    key = (
        sql,
        tuple((name, contracts[name], grant_key(grants[name])) for name in sorted(needed)),
    )
    cached = session.rewrites.get(key)
    if cached is None:
        cached = secure_rewrite(
            guarded, contracts=contracts, grants=grants, aliases=session.aliases
        )
        session.rewrites.put(key, cached)
    return cached


def _withheld(session: Session, source: TableSource, grant: TableGrant, limits: SqlLimits) -> int:
    """Rows the row filter removes: ``count(*) WHERE NOT coalesce(filter, false)``.

    Cached per (dataset, version, predicate): predicates are frozen values and versions are
    immutable, so a repeat query pays neither the compile nor the count.
    """
    if grant.row_filter is None:
        return 0
    key = (source.name, source.version, grant.row_filter)
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

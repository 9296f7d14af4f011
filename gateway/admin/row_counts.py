"""How many rows a grant makes visible, as far as the CALLER may know: counts only, never values.

Explain (``/v1/policy/evaluate``) and impact simulation answer "how much would this principal
see?" to a member of the security team, who may read no rows at all. A count is an answer to a
question about the data: ``count(*) WHERE customer_id = 2 AND full_name >= 'M'`` is one bit of
a customer's name, and a binary search of such counts recovers it. So no count may say more
than the caller could learn by querying with its own grants (DESIGN §4, "No oracles"):

- a dataset is counted only if the caller's own ``sql`` decision lets it read the dataset
  (``caller_scope``, fresh enough for the caller's ``max_staleness`` too);
- every count runs under the caller's own row filter, AND the explained grant's filter;
- the explained filter may read only columns the caller sees unmasked.

Otherwise both numbers are ``None`` and ``counts_withheld`` says why; the decision, masks and
filters are still reported by the callers of this module. A count that fails (a filter the
dataset cannot evaluate, a time cap) is withheld the same way, never an error.

The counts are ``count(*)`` over the dataset's serving version with the filter compiled by the
same code the secure rewrite uses; no row leaves DuckDB. They are cached per (dataset, version,
filter) by the ``RowCounter``: versions are immutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlglot import exp

from gateway.context import RequestContext
from gateway.service import Gateway
from gateway.staleness import stale_datasets
from hqg.errors import HqgError
from hqg.predicates import All, Predicate, cache_key, columns_of
from ingestion.catalog import Dataset
from retrieval.grants import TableGrant
from retrieval.sql.engine import QueryEngine, Session
from retrieval.sql.rewrite import base_table, row_filter_sql
from retrieval.sql.sources import TableSource

WITHHELD = "counts withheld: "


class RowCounts(BaseModel):
    """Rows of a dataset the caller may read (``total``) and how many of them the explained
    grant shows (``visible``; 0 when not granted); both None when ``counts_withheld``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    total: int | None = None
    visible: int | None = None
    counts_withheld: str | None = None

    @property
    def withheld(self) -> int | None:
        if self.total is None or self.visible is None:
            return None
        return self.total - self.visible


def withheld(reason: str) -> RowCounts:
    return RowCounts(counts_withheld=f"{WITHHELD}{reason}")


@dataclass(frozen=True)
class CountScope:
    """The caller's own grants on the datasets it may read; a dataset absent here is not
    counted."""

    grants: Mapping[str, TableGrant]


def caller_scope(
    gateway: Gateway, ctx: RequestContext, datasets: Mapping[str, Dataset], names: list[str]
) -> CountScope:
    """What the caller could query itself, dataset by dataset (one ``sql`` decision each, so
    one refused dataset does not hide the others; decisions are cached)."""
    now, grants = datetime.now(UTC), {}
    for name in names:
        dataset = datasets.get(name)
        if dataset is None:
            continue
        decision = gateway.decide(ctx, action="sql", tables=[dataset.contract])
        grant = decision.tables.get(name)
        if grant is None or not decision.allow or stale_datasets(decision, [dataset], now=now):
            continue
        grants[name] = grant
    return CountScope(grants=grants)


def _count(session: Session, source: TableSource, where: exp.Expr | None, timeout: float) -> int:
    query = exp.select(exp.Count(this=exp.Star())).from_(base_table(session.aliases[source.name]))
    if where is not None:
        query = query.where(exp.Coalesce(this=where, expressions=[exp.false()]))
    fetched = session.fetch(
        query.sql(dialect="duckdb"), parameters=None, max_rows=1, timeout_seconds=timeout
    )
    return int(fetched.rows[0][0]) if fetched.rows else 0


def _both(first: Predicate | None, second: Predicate | None) -> Predicate | None:
    present = tuple(p for p in (first, second) if p is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else All(present)


class RowCounter:
    """Counts rows under grants within a caller's scope, remembering each (dataset, version,
    filter) it has counted."""

    def __init__(self, engine: QueryEngine, *, timeout_seconds: float = 10.0) -> None:
        self._engine = engine
        self._timeout = timeout_seconds
        self._cache: dict[tuple[str, str, str | None], int] = {}

    def counts(
        self,
        sources: Mapping[str, TableSource],
        grants: Mapping[str, TableGrant],
        *,
        scope: CountScope,
    ) -> dict[str, RowCounts]:
        """Per dataset in ``sources``: the caller's rows and those ``grants`` make visible."""
        if not sources:
            return {}
        with self._engine.session(sources) as session:
            return {
                name: self._counts(session, source, grants.get(name), scope.grants.get(name))
                for name, source in sorted(sources.items())
            }

    def _counts(
        self,
        session: Session,
        source: TableSource,
        grant: TableGrant | None,
        mine: TableGrant | None,
    ) -> RowCounts:
        if mine is None:
            return withheld(f"the caller may not query {source.name} itself")
        explained = None if grant is None else grant.row_filter
        masked = sorted(
            c for c in (columns_of(explained) if explained else ()) if mine.mask_for(c) is not None
        )
        if masked:
            return withheld(f"the filter reads column(s) masked to the caller: {', '.join(masked)}")
        try:
            total = self._cached(session, source, mine.row_filter)
            if grant is None:
                return RowCounts(total=total, visible=0)
            visible = self._cached(session, source, _both(mine.row_filter, explained))
        except HqgError:
            return withheld(f"the rows of {source.name} could not be counted under the filter")
        return RowCounts(total=total, visible=visible)

    def _cached(self, session: Session, source: TableSource, row_filter: Predicate | None) -> int:
        key = (source.name, source.version, cache_key(row_filter))
        if key not in self._cache:
            where = row_filter_sql(source.contract, TableGrant(row_filter=row_filter))
            self._cache[key] = _count(session, source, where, self._timeout)
        return self._cache[key]

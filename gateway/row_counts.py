"""How many rows of a dataset a grant makes visible: counts only, never values.

Explain and impact simulation both answer "how much would this principal see?". The answer is
``count(*)`` over the dataset's serving version, with and without the grant's row filter,
compiled by the same code the secure rewrite uses; no row leaves DuckDB. Counts are cached per
(dataset, version, filter) by the caller's ``RowCounter``: versions are immutable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict
from sqlglot import exp

from gateway.policy.decision import predicate_document
from retrieval.grants import TableGrant
from retrieval.sql.engine import QueryEngine, Session
from retrieval.sql.rewrite import base_table, row_filter_sql
from retrieval.sql.sources import TableSource


class RowCounts(BaseModel):
    """Rows in the dataset, and how many of them the grant shows (0 when not granted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    total: int
    visible: int

    @property
    def withheld(self) -> int:
        return self.total - self.visible


def _count(session: Session, source: TableSource, where: exp.Expr | None, timeout: float) -> int:
    query = exp.select(exp.Count(this=exp.Star())).from_(base_table(session.aliases[source.name]))
    if where is not None:
        query = query.where(exp.Coalesce(this=where, expressions=[exp.false()]))
    fetched = session.fetch(
        query.sql(dialect="duckdb"), parameters=None, max_rows=1, timeout_seconds=timeout
    )
    return int(fetched.rows[0][0]) if fetched.rows else 0


class RowCounter:
    """Counts rows under grants, remembering each (dataset, version, filter) it has counted."""

    def __init__(self, engine: QueryEngine, *, timeout_seconds: float = 10.0) -> None:
        self._engine = engine
        self._timeout = timeout_seconds
        self._cache: dict[tuple[str, str, str], int] = {}

    def counts(
        self, sources: Mapping[str, TableSource], grants: Mapping[str, TableGrant]
    ) -> dict[str, RowCounts]:
        """Per dataset in ``sources``: its total rows and the rows ``grants`` make visible."""
        if not sources:
            return {}
        with self._engine.session(sources) as session:
            return {
                name: self._counts(session, source, grants.get(name))
                for name, source in sorted(sources.items())
            }

    def _counts(self, session: Session, source: TableSource, grant: TableGrant | None) -> RowCounts:
        total = self._cached(session, source, None)
        if grant is None:
            return RowCounts(total=total, visible=0)
        return RowCounts(total=total, visible=self._cached(session, source, grant))

    def _cached(self, session: Session, source: TableSource, grant: TableGrant | None) -> int:
        row_filter = None if grant is None else grant.row_filter
        key = (source.name, source.version, json.dumps(predicate_document(row_filter)))
        if key not in self._cache:
            where = None if grant is None else row_filter_sql(source.contract, grant)
            self._cache[key] = _count(session, source, where, self._timeout)
        return self._cache[key]

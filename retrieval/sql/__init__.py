"""Governed SQL: guard (sqlglot rules) -> secure rewrite (row filters, masks) -> locked DuckDB.

Public API: ``run_governed_sql``, ``SqlLimits``, ``SqlResult``, ``QueryEngine``,
``EngineSettings``, ``TableSource``, ``guard_sql``, ``GuardContext``, ``GUARD_RULES``.
"""

from retrieval.sql.connection import EngineSettings
from retrieval.sql.context import GuardContext
from retrieval.sql.engine import QueryEngine
from retrieval.sql.guard import GUARD_RULES, GuardedQuery, guard_sql
from retrieval.sql.results import DatasetRead, ResultColumn, SqlResult
from retrieval.sql.service import SqlLimits, run_governed_sql
from retrieval.sql.sources import TableSource

__all__ = [
    "GUARD_RULES",
    "DatasetRead",
    "EngineSettings",
    "GuardContext",
    "GuardedQuery",
    "QueryEngine",
    "ResultColumn",
    "SqlLimits",
    "SqlResult",
    "TableSource",
    "guard_sql",
    "run_governed_sql",
]

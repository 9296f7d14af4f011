"""Governed SQL: guard (sqlglot rules) -> secure rewrite (row filters, masks) -> locked DuckDB.

Public API: ``run_governed_sql``, ``SqlLimits``, ``SqlResult``, ``QueryEngine``,
``EngineSettings``, ``TableSource``, ``guard_sql``, ``GuardContext``, ``GUARD_RULES``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.sql.connection import EngineSettings
    from retrieval.sql.context import GuardContext
    from retrieval.sql.engine import QueryEngine
    from retrieval.sql.guard import GUARD_RULES, GuardedQuery, guard_sql
    from retrieval.sql.results import DatasetRead, ResultColumn, SqlResult
    from retrieval.sql.service import SqlLimits, run_governed_sql
    from retrieval.sql.sources import TableSource

#: Where each public name lives. They are imported on first use (PEP 562), so importing a light
#: submodule (``retrieval.sql.results``, whose models the CLI's client mode parses answers into)
#: does not load DuckDB and sqlglot.
_HOMES = {
    "EngineSettings": "connection",
    "GuardContext": "context",
    "QueryEngine": "engine",
    "GUARD_RULES": "guard",
    "GuardedQuery": "guard",
    "guard_sql": "guard",
    "DatasetRead": "results",
    "ResultColumn": "results",
    "SqlResult": "results",
    "SqlLimits": "service",
    "run_governed_sql": "service",
    "TableSource": "sources",
}

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


def __getattr__(name: str) -> object:
    """The public name ``name``, imported from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)

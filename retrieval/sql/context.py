"""The vocabulary shared by the guard rules: what a rule sees besides the tree, and its type.

Rules are plain functions ``(tree, context) -> tree`` so each can be read and tested alone, the
same shape as sqlglot's optimizer rules; ``context`` carries the catalog the rule checks against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp


@dataclass(frozen=True)
class GuardLimits:
    """Size limits the guard enforces before anything runs (settings ``HQG_SQL__…``).

    ``max_sql_chars``: the longest query text; it also bounds parse time (sqlglot parses ~20k
    characters in well under a second on this machine; 100 KB of ``1+1+…`` took seconds across
    guard and audit). ``max_vector_searches``: ``vector_search()`` calls per statement, each a
    governed search run before the SQL. ``max_generated_size``: the most characters or elements
    one generator call (``repeat``, ``lpad``, ``list_resize`` …) may build (``rules.sizes``).
    """

    max_sql_chars: int = 20_000
    max_vector_searches: int = 8
    max_generated_size: int = 10_000


@dataclass(frozen=True)
class GuardContext:
    """The catalog a query is checked against.

    ``datasets``: every dataset name that exists (lower-case), so an unknown name and a known but
    ungranted one get different answers. ``granted``: the names the caller may read.
    ``table_functions``: table functions the deployment enables; ``vector_search`` is the only
    one that exists, and only with literal arguments (``retrieval.sql.vector_search``).
    ``collections``: the collections ``vector_search`` may name, or None when the caller checks
    names itself (the gateway's first pass, which only learns which collections a query names);
    a name outside the set is refused as not granted. ``max_search_k``: the largest ``k``.
    ``limits``: the size limits (``GuardLimits``).
    """

    datasets: frozenset[str]
    granted: frozenset[str]
    table_functions: frozenset[str] = frozenset()
    collections: frozenset[str] | None = None
    max_search_k: int = 50
    limits: GuardLimits = GuardLimits()


GuardRule = Callable[[exp.Expr, GuardContext], exp.Expr]

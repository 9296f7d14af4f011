"""The SQL guard: parse one DuckDB statement and run it through ``GUARD_RULES`` in order.

Same shape as sqlglot's optimizer (``RULES = (qualify, …)``): an AST and a tuple of small rules,
each its own function that returns the tree or raises ``UnsafeQuery(rule=…)`` (or
``AccessDenied`` for a dataset the caller may not read). No regex ever looks at SQL text. The
order matters only for which rule names a rejection: the specific rules (table functions, file
scans) run before the general allow-lists so the message says what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from retrieval.sql.context import GuardContext, GuardRule
from retrieval.sql.rules.functions import allowed_functions
from retrieval.sql.rules.identifiers import ascii_identifiers
from retrieval.sql.rules.method_calls import method_calls
from retrieval.sql.rules.nodes import allowed_nodes
from retrieval.sql.rules.sizes import bounded_sizes
from retrieval.sql.rules.statements import no_into, parse_statement, select_only
from retrieval.sql.rules.tables import (
    granted_tables,
    no_cte_shadowing,
    no_pivots,
    no_recursive_ctes,
    no_table_functions,
    plain_table_names,
    simple_qualification,
)
from retrieval.sql.scopes import dataset_references
from retrieval.sql.vector_search import SearchCall, ordered_calls, vector_search_calls

GUARD_RULES: tuple[GuardRule, ...] = (
    select_only,
    no_into,
    ascii_identifiers,
    method_calls,
    no_table_functions,
    vector_search_calls,
    no_pivots,
    plain_table_names,
    simple_qualification,
    no_recursive_ctes,
    allowed_functions,
    bounded_sizes,
    allowed_nodes,
    no_cte_shadowing,
    granted_tables,
)


@dataclass(frozen=True)
class GuardedQuery:
    """A query that passed every rule, the datasets it reads (sorted, lower-case) and its
    distinct ``vector_search`` calls (in order of appearance).

    The tree may be shared through the engine's guard cache: never mutate it.
    """

    tree: exp.Expr
    datasets: tuple[str, ...]
    searches: tuple[SearchCall, ...] = ()


def guard_sql(
    sql: str, *, context: GuardContext, rules: tuple[GuardRule, ...] = GUARD_RULES
) -> GuardedQuery:
    """Parse and check ``sql``; raise ``UnsafeQuery``/``AccessDenied`` or return the tree."""
    tree = parse_statement(sql, max_chars=context.limits.max_sql_chars)
    for rule in rules:
        tree = rule(tree, context)
    names = sorted({table.name.lower() for table in dataset_references(tree)})
    searches = ordered_calls(tree, max_k=context.max_search_k) if context.table_functions else ()
    return GuardedQuery(tree=tree, datasets=tuple(names), searches=searches)

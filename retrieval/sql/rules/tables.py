"""Table rules: every FROM item is a granted dataset, a CTE, a subquery, VALUES or UNNEST.

Table functions (``read_csv``, ``duckdb_settings()``, ``range``), string-literal and path-like
table names (DuckDB's replacement scans read files by name) and anything qualified beyond
``main.<name>`` never resolve to a dataset, so they are refused before DuckDB sees them.
``vector_search(collection, query, k)`` is the one table function with a place here: it is
accepted only when ``context.table_functions`` enables it, and ``retrieval.sql.vector_search``
checks its arguments.
"""

from __future__ import annotations

import re

from sqlglot import exp

from hqg.errors import AccessDenied, UnsafeQuery
from retrieval.sql.context import GuardContext
from retrieval.sql.scopes import cte_names, dataset_references, is_cte_reference
from retrieval.sql.vector_search import VECTOR_SEARCH, is_vector_search

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALLOWED_SCHEMA = "main"
# Table arguments the rewrite carries over; time travel, hints, ONLY, partitions etc. are refused.
_TABLE_ARGS = frozenset({"this", "db", "catalog", "alias", "sample", "joins", "laterals"})


def _table_function_name(function: exp.Expr) -> str:
    if isinstance(function, exp.Anonymous):
        return str(function.name).lower()
    if isinstance(function, exp.Func):
        return function.sql_name().lower()
    return function.key


def enabled_vector_search(function: exp.Expr, context: GuardContext) -> bool:
    """A ``vector_search`` call in FROM/JOIN position, when the deployment enables it; its
    arguments are checked by ``retrieval.sql.vector_search.vector_search_calls``."""
    return VECTOR_SEARCH in context.table_functions and is_vector_search(function)


def no_table_functions(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """A FROM item that is a function call is a table function: only ``vector_search`` is."""
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier):
            continue
        if enabled_vector_search(table.this, context):
            continue
        name = _table_function_name(table.this)
        raise UnsafeQuery(f"table function {name}() is not allowed", rule="table_function")
    for lateral in tree.find_all(exp.Lateral):  # JOIN LATERAL f(...) is a table function too
        function = lateral.this
        if isinstance(function, exp.Func) and not isinstance(function, exp.Unnest | exp.Explode):
            # vector_search takes literals only, so LATERAL would add nothing but a second path
            name = _table_function_name(function)
            raise UnsafeQuery(f"table function {name}() is not allowed", rule="table_function")
    return tree


def plain_table_names(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Table names are plain identifiers; a path-like or string name is a file scan."""
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue
        if not _PLAIN_NAME.match(table.name):
            raise UnsafeQuery("table names must be plain identifiers", rule="file_scan")
        extra = sorted(key for key, value in table.args.items() if value and key not in _TABLE_ARGS)
        if extra:
            raise UnsafeQuery(
                f"table clause {', '.join(extra)} is not allowed", rule="table_clause"
            )
    return tree


def simple_qualification(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Only ``name`` or ``main.name``: other catalogs and schemas are the engine's, not data."""
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or is_cte_reference(table):
            continue
        catalog, schema = table.args.get("catalog"), table.args.get("db")
        if catalog is not None or (schema is not None and schema.name.lower() != _ALLOWED_SCHEMA):
            raise UnsafeQuery(
                "tables may be named bare or as main.<name> only", rule="qualified_name"
            )
    for column in tree.find_all(exp.Column):
        if column.args.get("db") is not None or column.args.get("catalog") is not None:
            raise UnsafeQuery(
                "columns may be qualified by a table name only", rule="qualified_name"
            )
    return tree


def no_recursive_ctes(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """A recursive CTE is an unbounded loop; nothing an analyst needs here requires one."""
    for with_ in tree.find_all(exp.With):
        if with_.args.get("recursive"):
            raise UnsafeQuery("recursive CTEs are not allowed", rule="recursive_cte")
    return tree


def no_cte_shadowing(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """A CTE named like a dataset would make the rewrite's notion of "base table" ambiguous."""
    for name in sorted(cte_names(tree)):
        if name in context.datasets:
            raise UnsafeQuery(f"CTE {name} shadows a dataset name", rule="cte_shadowing")
    return tree


UNKNOWN_TABLE = "unknown table "


def unknown_table_name(error: UnsafeQuery) -> str | None:
    """The name an ``unknown_table`` refusal of ``granted_tables`` names (a plain identifier,
    lower-case), so a caller that knows what the principal may see can suggest near matches
    among those names only (``gateway.sql_pipeline``); None for any other refusal."""
    prefix = f"unknown_table: {UNKNOWN_TABLE}"
    if error.rule != "unknown_table" or not str(error).startswith(prefix):
        return None
    return str(error).removeprefix(prefix)


def granted_tables(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Every base-table reference names a known dataset the caller is granted."""
    for table in dataset_references(tree):
        name = table.name.lower()
        if name not in context.datasets:
            raise UnsafeQuery(f"{UNKNOWN_TABLE}{name}", rule="unknown_table")
        if name not in context.granted:
            raise AccessDenied(
                f"dataset {name} is not readable by this principal",
                reasons=(f"no grant on dataset {name}",),
            )
    return tree


def no_pivots(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """PIVOT/UNPIVOT are refused until the rewrite carries them over a masked subquery."""
    if tree.find(exp.Pivot) is not None:
        raise UnsafeQuery("PIVOT and UNPIVOT are not supported", rule="pivot")
    return tree

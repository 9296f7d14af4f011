"""Function rule: every function call is on an allow-list, by sqlglot class AND by name.

sqlglot turns known functions into typed nodes (``exp.Lower``) and unknown ones into
``exp.Anonymous`` carrying the name DuckDB will look up. Both are checked: a typed node must be an
allowed class, an anonymous one an allowed name. Anything that reads files, the network or the
system (``read_csv``, ``glob``, ``getenv``, ``current_setting``, ``duckdb_*``, ``pragma_*``) is
simply absent from the lists, so it is rejected by construction.
"""

from __future__ import annotations

from sqlglot import exp

from hqg.errors import UnsafeQuery
from retrieval.sql.allowlist import ALLOWED_ANONYMOUS, ALLOWED_FUNCTION_CLASSES
from retrieval.sql.context import GuardContext


def function_name(node: exp.Func) -> str:
    """The name DuckDB sees, for messages and the anonymous allow-list."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def allowed_functions(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Reject any function call that is not allow-listed.

    A function in table position (``FROM f(...)``) is the table rules' business: they run first
    and refuse every table function except an enabled, literal-only ``vector_search``.
    """
    for node in tree.find_all(exp.Func):
        if isinstance(node.parent, exp.Table) and node.arg_key == "this":
            continue
        if isinstance(node, exp.Anonymous | exp.AnonymousAggFunc):
            if function_name(node) not in ALLOWED_ANONYMOUS:
                raise UnsafeQuery(
                    f"function {function_name(node)}() is not allowed", rule="function"
                )
        elif type(node).__name__ not in ALLOWED_FUNCTION_CLASSES:
            raise UnsafeQuery(f"function {function_name(node)}() is not allowed", rule="function")
    return tree

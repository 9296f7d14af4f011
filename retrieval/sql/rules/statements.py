"""Statement-level rules: one parsable SELECT-family statement, nothing that writes or configures.

DuckDB runs whatever statement reaches it, and sqlglot parses what it does not understand as
``exp.Command`` (LOAD, CALL, RESET) or refuses it (EXPORT DATABASE). So parsing failures are
rejections, and the statement kind is checked against an allow-list, never a deny-list.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from hqg.errors import UnsafeQuery
from retrieval.sql.context import GuardContext, GuardLimits

_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)


def parse_statement(sql: str, *, max_chars: int = GuardLimits.max_sql_chars) -> exp.Expr:
    """Parse exactly one DuckDB statement; any parse problem is a rejection.

    The length limit is checked first: it is what bounds parse time (and the audit's redaction,
    which parses the text again).

    >>> parse_statement("SELECT 1").sql()
    'SELECT 1'
    """
    if not isinstance(sql, str) or not sql.strip():
        raise UnsafeQuery("the query is empty", rule="parse")
    require_length(sql, max_chars=max_chars)
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except SqlglotError as exc:
        raise UnsafeQuery("the query does not parse as DuckDB SQL", rule="parse") from exc
    except RecursionError as exc:
        raise UnsafeQuery("the query is nested too deeply", rule="parse") from exc
    present = [statement for statement in statements if statement is not None]
    if len(present) != 1:
        raise UnsafeQuery(
            f"expected exactly one statement, got {len(present)}", rule="single_statement"
        )
    return present[0]


def require_length(sql: str, *, max_chars: int) -> None:
    """Refuse a query text over ``max_chars`` characters, naming the limit and its setting."""
    if len(sql) > max_chars:
        raise UnsafeQuery(
            f"the query is {len(sql)} characters; the limit is {max_chars} "
            "(HQG_SQL__MAX_SQL_CHARS)",
            rule="sql_length",
        )


def select_only(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Only SELECT, set operations over SELECTs, WITH … SELECT and ``FROM t SELECT``."""
    if isinstance(tree, exp.Command):
        raise UnsafeQuery("commands are not allowed", rule="statement_type")
    if not isinstance(tree, _QUERY_ROOTS):
        raise UnsafeQuery(
            f"only SELECT queries are allowed, not {tree.key.upper()}", rule="statement_type"
        )
    for node in tree.walk():
        if isinstance(node, exp.Command | exp.DDL | exp.DML):
            raise UnsafeQuery(
                f"{node.key.upper()} is not allowed inside a query", rule="statement_type"
            )
    return tree


def no_into(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """``SELECT … INTO`` creates a table: a write dressed as a read."""
    if tree.find(exp.Into) is not None:
        raise UnsafeQuery("SELECT … INTO is not allowed", rule="select_into")
    return tree

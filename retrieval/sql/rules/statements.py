"""Statement-level rules: one parsable SELECT-family statement, nothing that writes or configures.

DuckDB runs whatever statement reaches it, and sqlglot parses what it does not understand as
``exp.Command`` (LOAD, CALL, RESET) or refuses it (EXPORT DATABASE). So parsing failures are
rejections, and the statement kind is checked against an allow-list, never a deny-list.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from hqg.errors import UnsafeQuery
from retrieval.sql.context import GuardContext, GuardLimits

_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)
#: Catalog statements an analyst types first in DuckDB's CLI. They are refused (DuckDB would
#: answer them from the raw files, outside masks and visibility) with a pointer to the governed
#: catalog, the same answer whatever they name, so the refusal says nothing about a table.
_CATALOG_STATEMENTS = frozenset({"DESCRIBE", "SHOW", "SUMMARIZE"})
CATALOG_POINTER = (
    "{statement} is not run by the gateway; the governed catalog lists the datasets and "
    "columns you may query, with types and masks: GET /v1/catalog or `hqg catalog`. "
    "For a summary, SELECT count(*), min(col), max(col), count(DISTINCT col) FROM <dataset>"
)


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
    except ParseError as exc:
        raise UnsafeQuery(
            f"the query does not parse as DuckDB SQL{_position(exc)}", rule="parse"
        ) from exc
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


def _position(exc: ParseError) -> str:
    """`` at line L, column C`` of the first error sqlglot reports; only the position, never
    its context (the text around it is the caller's and may hold values)."""
    for error in exc.errors:
        line, column = error.get("line"), error.get("col")
        if isinstance(line, int) and isinstance(column, int):
            return f" at line {line}, column {column}"
    return ""


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
    statement = _catalog_statement(tree)
    if statement is not None:
        raise UnsafeQuery(CATALOG_POINTER.format(statement=statement), rule="statement_type")
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


def _catalog_statement(tree: exp.Expr) -> str | None:
    """``DESCRIBE``, ``SHOW`` or ``SUMMARIZE`` when ``tree`` is one of them."""
    if isinstance(tree, exp.Describe):
        return "DESCRIBE"
    if isinstance(tree, exp.Summarize):
        return "SUMMARIZE"
    if isinstance(tree, exp.Show):
        return "SHOW"
    if isinstance(tree, exp.Command) and str(tree.this).upper() in _CATALOG_STATEMENTS:
        return str(tree.this).upper()
    return None


def no_into(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """``SELECT … INTO`` creates a table: a write dressed as a read."""
    if tree.find(exp.Into) is not None:
        raise UnsafeQuery("SELECT … INTO is not allowed", rule="select_into")
    return tree

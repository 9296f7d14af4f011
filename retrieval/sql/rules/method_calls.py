"""Method-call syntax: ``email.md5()`` is ``md5(email)``, rewritten before any other rule sees it.

DuckDB reads ``x.f(a)`` as ``f(x, a)``. sqlglot parses it as a ``Dot`` whose right side is an
anonymous call and whose left side is a bare identifier (not a ``Column``), so left as it is
the function would escape the typed allow-list and the column would escape the scope checks.
Rewriting it into the plain call first means every later rule (function allow-list, node
allow-list, qualification, tables) and the secure rewrite see an ordinary function over an
ordinary column: the masked column of the rewrite's subquery, exactly as ``md5(email)``.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import SqlglotError

from hqg.errors import UnsafeQuery
from retrieval.sql.context import GuardContext

#: ``a.b.c`` names at most catalog, table and column as a receiver.
_MAX_NAME_PARTS = 3


def method_calls(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Guard rule: every ``x.f(...)`` becomes ``f(x, ...)`` (innermost first, so chains such
    as ``email.lower().md5()`` become ``md5(lower(email))``). A query without one is returned
    as it is (no copy: the guard's time on long queries is bounded)."""
    if not any(isinstance(dot.expression, exp.Func) for dot in tree.find_all(exp.Dot)):
        return tree
    return tree.transform(_plain_call, copy=True)


def _plain_call(node: exp.Expr) -> exp.Expr:
    if not (isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func)):
        return node
    function = node.expression
    if not isinstance(function, exp.Anonymous):
        raise UnsafeQuery("this method-call syntax is not supported", rule="method_call")
    # the rewritten call is not visited again: its receiver and arguments are rewritten here
    receiver = _receiver(node.this.transform(_plain_call))
    arguments = [argument.transform(_plain_call) for argument in function.expressions]
    try:
        return exp.func(str(function.name), receiver, *arguments, dialect="duckdb")
    except (SqlglotError, ValueError, TypeError) as exc:
        raise UnsafeQuery(
            f"{str(function.name).lower()}() does not take these arguments", rule="method_call"
        ) from exc


def _receiver(node: exp.Expr) -> exp.Expr:
    """A bare name (``email``, ``t.email``) as the ``Column`` it denotes; any other expression
    (a literal, a column, an earlier call) as it is."""
    parts = _name_parts(node)
    if parts is None:
        return node
    if not 1 <= len(parts) <= _MAX_NAME_PARTS:
        raise UnsafeQuery(
            "method-call syntax on a nested name is not supported", rule="method_call"
        )
    column, *qualifiers = reversed(parts)
    keys = ("table", "db", "catalog")
    return exp.Column(this=column, **dict(zip(keys, qualifiers, strict=False)))


def _name_parts(node: exp.Expr) -> list[exp.Identifier] | None:
    """``a.b.c`` parsed as nested ``Dot``s of identifiers, as its parts; None if not a name."""
    if isinstance(node, exp.Identifier):
        return [node.copy()]
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
        left = _name_parts(node.this)
        return None if left is None else [*left, node.expression.copy()]
    return None

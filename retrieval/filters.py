"""Compiling the policy predicate language (``hqg.predicates``) to a sqlglot expression.

Values become bound literals, never spliced text; the compiled filter selects exactly the rows
``hqg.predicates.evaluate`` selects (a Hypothesis property test holds it to that).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from hqg.predicates import All, AnyOf, InvalidPredicate, Not, Predicate, Scalar


def literal(value: Scalar) -> exp.Expression:
    """A bound sqlglot literal: values are never spliced into SQL text."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def to_sql(predicate: Predicate, column: Callable[[str], exp.Expr]) -> exp.Expr:
    """Compile to a sqlglot boolean expression; ``column`` resolves names (and may refuse)."""
    if isinstance(predicate, All):
        return exp.and_(*(exp.paren(to_sql(p, column)) for p in predicate.items))
    if isinstance(predicate, AnyOf):
        return exp.or_(*(exp.paren(to_sql(p, column)) for p in predicate.items))
    if isinstance(predicate, Not):
        return exp.not_(exp.paren(to_sql(predicate.item, column)))
    ref = column(predicate.column)
    value = predicate.value
    if predicate.op == "is_null":
        return exp.Is(this=ref, expression=exp.Null())
    if predicate.op == "not_null":
        return exp.not_(exp.Is(this=ref, expression=exp.Null()))
    if isinstance(value, tuple):
        if not value:  # SQL has no empty IN list: NULL stays unknown (as in ``evaluate``),
            # any other value is not in it; so NOT(in []) never selects a NULL row either
            outcome = exp.false() if predicate.op == "in" else exp.true()
            unknown = exp.If(this=exp.Is(this=ref, expression=exp.Null()), true=exp.Null())
            return exp.Case(ifs=[unknown], default=outcome)
        members = exp.In(this=ref, expressions=[literal(v) for v in value])
        return members if predicate.op == "in" else exp.not_(members)
    if value is None:
        raise InvalidPredicate(f"{predicate.op} needs a value")
    node = {
        "=": exp.EQ,
        "!=": exp.NEQ,
        "<": exp.LT,
        "<=": exp.LTE,
        ">": exp.GT,
        ">=": exp.GTE,
    }[predicate.op]
    return node(this=ref, expression=literal(value))

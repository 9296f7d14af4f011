"""Node rule: the whole tree is made of allow-listed syntax, not just allow-listed functions.

Functions are checked by ``rules.functions``; every other node (clauses, operators, literals)
must be one of the classes below. A construct sqlglot grows in a later release, or a dialect
feature nobody reviewed (placeholders, ``INTO``, session variables, ``PIVOT``), is refused until
someone adds it here on purpose.
"""

from __future__ import annotations

from sqlglot import exp

from hqg.errors import UnsafeQuery
from retrieval.sql.context import GuardContext

_CLAUSES = """
Select Union Intersect Except Subquery With CTE From Join Where Group Having Qualify Order
Ordered Limit Offset Fetch Distinct Window WindowSpec Lateral Values Tuple TableAlias Table
TableSample Star Column Identifier Alias Aliases Cube Rollup GroupingSets Lambda Var
Interval DataType DataTypeParam PropertyEQ Kwarg Bracket Dot Paren Slice Null Boolean Literal
RawString Neg Not Is In Between Like ILike SimilarTo Distance Escape Any All
"""
_OPERATORS = """
Add Sub Mul Div IntDiv Mod DPipe EQ NEQ NullSafeEQ NullSafeNEQ GT GTE LT LTE BitwiseAnd BitwiseOr
BitwiseXor BitwiseLeftShift BitwiseRightShift BitwiseNot Glob
"""

ALLOWED_NODES: frozenset[str] = frozenset((_CLAUSES + _OPERATORS).split())


def allowed_nodes(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Reject any non-function node whose class is not allow-listed."""
    for node in tree.walk():
        if isinstance(node, exp.Func):
            continue
        name = type(node).__name__
        if name not in ALLOWED_NODES:
            raise UnsafeQuery(f"{node.key.upper()} syntax is not allowed", rule="syntax")
    return tree

"""Secure rewrite: every base-table reference becomes a subquery that filters rows and masks.

``customers c`` becomes ``(SELECT <cols> FROM "src"."main"."data" WHERE <row filter>) AS c``,
each column either raw or its mask expression aliased to the column name. Because the outer query
can only name the subquery's outputs, a masked column is masked wherever it is used (WHERE, JOIN,
GROUP BY, ORDER BY, inside functions and hashes), and filtered rows do not exist for it. The row
filter reads raw columns: policy decides on data, the query never sees it.

Evaluation order is part of the guarantee. DuckDB's optimizer pushes the caller's predicates
(WHERE, JOIN … ON, LATERAL) down into the subquery and may merge them with the row filter into
one conjunction, which it reorders by cost. A caller predicate that can *raise* (``10 // x``,
integer overflow, ``regexp_matches`` with a pattern built from a column, ``unhex``, list slices
with step 0, …) then runs on rows the row filter hides, and "error or not" leaks one bit about
them per query. Measured on DuckDB 2.0 (``tests/retrieval/test_sql_evaluation_order.py``):

- a row filter DuckDB turns into **table-scan filters** (comparisons of a column with a literal,
  ``IS [NOT] NULL``, AND of those: the demo's tenant filter) is applied inside the scan, before
  any caller expression, in every query shape tried: no leak, and no barrier needed;
- any other row filter (``IN`` lists, OR/``any``, NOT over those) stays a filter expression and
  leaked through JOIN … ON, comma joins with WHERE, LATERAL and ASOF joins. Those subqueries get
  ``OFFSET 0``: DuckDB pushes nothing through a LIMIT/OFFSET operator, so the row filter runs
  first. It also stops index/zone-map use of the caller's own predicates on that table (a point
  query over 1M rows went from ~0.8 to ~18 ms), which is why it is not applied to scan filters.

Casts are made ``TRY_CAST`` for the same reason (a failing cast on a filtered row is an oracle).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from hqg.errors import AccessDenied
from hqg.predicates import All, Compare, InvalidPredicate, Not, Predicate
from ingestion.contracts import DatasetContract
from privacy.operators import MaskKind
from retrieval.filters import to_sql
from retrieval.grants import TableGrant
from retrieval.sql.guard import GuardedQuery
from retrieval.sql.masks import SALT_PARAMETER, effective_kind, mask_expression
from retrieval.sql.scopes import dataset_references

BASE_TABLE = "data"
_SCAN_FILTER_OPS = frozenset({"=", "!=", "<", "<=", ">", ">=", "is_null", "not_null"})
_NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "DECIMAL",
    "DOUBLE",
    "FLOAT",
    "REAL",
)


@dataclass(frozen=True)
class RewrittenQuery:
    """The SQL DuckDB runs, and what the rewrite enforced on each dataset."""

    sql: str
    datasets: tuple[str, ...]
    masked: Mapping[str, Mapping[str, MaskKind]] = field(default_factory=dict)
    uses_salt: bool = False


def base_table(alias: str) -> exp.Table:
    """``"<alias>"."main"."data"``: the attached version file's table."""
    return exp.table_(BASE_TABLE, db="main", catalog=alias, quoted=True)


def row_filter_sql(contract: DatasetContract, grant: TableGrant) -> exp.Expr | None:
    """The grant's row filter over raw columns; a column the table lacks is a deny."""
    if grant.row_filter is None:
        return None

    def resolve(name: str) -> exp.Expr:
        column = contract.column(name)
        if column is None:
            raise InvalidPredicate(f"row filter on {contract.name} names an unknown column")
        return exp.column(column.name, quoted=True)

    return to_sql(grant.row_filter, resolve)


def masked_columns(contract: DatasetContract, grant: TableGrant) -> dict[str, MaskKind]:
    """Column name -> the mask kind the SQL path applies (after fail-closed fallbacks)."""
    masked: dict[str, MaskKind] = {}
    for column in contract.columns:
        kind = grant.mask_for(column.name)
        if kind is not None:
            masked[column.name] = effective_kind(kind)
    return masked


def becomes_scan_filter(predicate: Predicate, contract: DatasetContract) -> bool:
    """Whether DuckDB applies the compiled row filter inside the table scan (see module doc).

    Conservative: comparisons of a column with one literal its type takes without casting the
    column, null tests, ``NOT`` of one comparison, and AND of those. Anything else (and any
    doubt) gets the ``OFFSET 0`` barrier.
    """
    if isinstance(predicate, All):
        return all(becomes_scan_filter(item, contract) for item in predicate.items)
    if isinstance(predicate, Not):
        inner = predicate.item
        return isinstance(inner, Compare) and _compares_in_scan(inner, contract)
    return isinstance(predicate, Compare) and _compares_in_scan(predicate, contract)


def _compares_in_scan(compare: Compare, contract: DatasetContract) -> bool:
    column = contract.column(compare.column)
    if column is None or compare.op not in _SCAN_FILTER_OPS:
        return False
    if compare.op in ("is_null", "not_null"):
        return True
    value, kind = compare.value, column.type.upper()
    if isinstance(value, bool):
        return kind == "BOOLEAN"
    if isinstance(value, str):
        return True  # a string literal is cast to the column's type once, at bind time
    if isinstance(value, int):
        return kind.startswith(_NUMERIC_TYPES)
    if isinstance(value, float):
        return kind in ("DOUBLE", "FLOAT", "REAL")
    return False


def grant_key(grant: TableGrant) -> tuple[object, ...]:
    """A hashable value equal for grants that rewrite identically (row filter and masks)."""
    return (grant.row_filter, tuple(sorted(grant.masks.items())))


def secure_subquery(contract: DatasetContract, grant: TableGrant, *, alias: str) -> exp.Select:
    """``SELECT <raw or masked cols> FROM "<alias>"."main"."data" WHERE <filter> [OFFSET 0]``."""
    projections: list[exp.Expr] = []
    for column in contract.columns:
        raw = exp.column(column.name, quoted=True)
        kind = grant.mask_for(column.name)
        value = raw if kind is None else mask_expression(kind, column=column, raw=raw)
        projections.append(exp.alias_(value, column.name, quoted=True))
    select = exp.select(*projections).from_(base_table(alias))
    condition = row_filter_sql(contract, grant)
    if condition is None or grant.row_filter is None:
        return select
    select = select.where(condition)
    return select if becomes_scan_filter(grant.row_filter, contract) else select.offset(0)


def _replacement(table: exp.Table, subquery: exp.Select) -> exp.Subquery:
    alias = table.args.get("alias")
    if alias is None:
        alias = exp.TableAlias(this=exp.to_identifier(table.name.lower(), quoted=True))
    carried = {key: table.args.get(key) for key in ("sample", "joins", "laterals")}
    return exp.Subquery(
        this=subquery, alias=alias.copy(), **{k: v for k, v in carried.items() if v}
    )


def secure_rewrite(
    guarded: GuardedQuery,
    *,
    contracts: Mapping[str, DatasetContract],
    grants: Mapping[str, TableGrant],
    aliases: Mapping[str, str],
) -> RewrittenQuery:
    """Replace every base-table reference; any missing contract, grant or alias is a deny."""
    tree = guarded.tree.copy()
    for cast in list(tree.find_all(exp.Cast)):
        if not isinstance(cast, exp.TryCast):  # a failing cast on a filtered row is an oracle
            cast.replace(exp.TryCast(**cast.args))
    masked: dict[str, Mapping[str, MaskKind]] = {}
    for table in dataset_references(tree):
        name = table.name.lower()
        contract, grant, alias = contracts.get(name), grants.get(name), aliases.get(name)
        if contract is None or grant is None or alias is None:
            raise AccessDenied(f"dataset {name} is not readable by this principal")
        table.replace(_replacement(table, secure_subquery(contract, grant, alias=alias)))
        masked[name] = masked_columns(contract, grant)
    sql = tree.sql(dialect="duckdb")
    uses_salt = any(p.name == SALT_PARAMETER for p in tree.find_all(exp.Placeholder))
    return RewrittenQuery(sql=sql, datasets=guarded.datasets, masked=masked, uses_salt=uses_salt)

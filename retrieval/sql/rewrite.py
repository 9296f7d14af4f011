"""Secure rewrite: every base-table reference becomes a subquery that filters rows and masks.

``customers c`` becomes ``(SELECT <cols> FROM "src"."main"."data" WHERE <row filter>) AS c``,
each column either raw or its mask expression aliased to the column name. Because the outer query
can only name the subquery's outputs, a masked column is masked wherever it is used (WHERE, JOIN,
GROUP BY, ORDER BY, inside functions and hashes), and filtered rows do not exist for it. The row
filter reads raw columns: policy decides on data, the query never sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from hqg.errors import AccessDenied
from hqg.predicates import InvalidPredicate
from ingestion.contracts import DatasetContract
from privacy.operators import MaskKind
from retrieval.filters import to_sql
from retrieval.grants import TableGrant
from retrieval.sql.context import dataset_references
from retrieval.sql.guard import GuardedQuery
from retrieval.sql.masks import SALT_PARAMETER, effective_kind, mask_expression

BASE_TABLE = "data"


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


def secure_subquery(contract: DatasetContract, grant: TableGrant, *, alias: str) -> exp.Select:
    """``SELECT <raw or masked cols> FROM "<alias>"."main"."data" WHERE <filter>``."""
    projections: list[exp.Expr] = []
    for column in contract.columns:
        raw = exp.column(column.name, quoted=True)
        kind = grant.mask_for(column.name)
        value = raw if kind is None else mask_expression(kind, column=column, raw=raw)
        projections.append(exp.alias_(value, column.name, quoted=True))
    select = exp.select(*projections).from_(base_table(alias))
    condition = row_filter_sql(contract, grant)
    return select if condition is None else select.where(condition)


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

"""Which table references name a CTE: resolved by scope, the way DuckDB's binder does it.

A bare name in FROM/JOIN is a CTE only where that CTE is visible: in the body of the query that
defines it (its FROM items, derived tables and subqueries, however deep) and in the CTEs defined
after it in the same WITH; never in a sibling subquery, an enclosing query or an earlier CTE, and
never when the name is schema- or catalog-qualified. Anywhere else the same name is looked up in
the catalog, where DuckDB keeps its own views and tables (``pg_settings``, ``duckdb_tables``,
``sqlite_master``, ``information_schema.*``). Resolving names globally (any CTE of the query
anywhere) let ``SELECT * FROM (WITH pg_settings AS (SELECT 1) SELECT 1) a, pg_settings`` pass the
guard as a CTE reference while DuckDB read the engine's settings.

Matching is case-insensitive, quoted or not, as in DuckDB (``WITH "X" AS (…) FROM x`` reads the
CTE). sqlglot's ``optimizer.scope`` resolves CTEs too, but case-sensitively, so it disagrees with
DuckDB about ``WITH "X" …`` (checked on sqlglot 30.30); walking the ancestors of each reference is
a dozen lines and states the rule exactly.
"""

from __future__ import annotations

from sqlglot import exp


def _names(with_: exp.With) -> list[str]:
    return [cte.alias_or_name.lower() for cte in with_.expressions]


def visible_ctes(table: exp.Table) -> frozenset[str]:
    """The CTE names (lower-case) in scope at ``table``, from every enclosing WITH."""
    visible: set[str] = set()
    child: exp.Expr = table
    parent = table.parent
    while parent is not None:
        if isinstance(parent, exp.With) and isinstance(child, exp.CTE):
            names = _names(parent)
            index = next(i for i, cte in enumerate(parent.expressions) if cte is child)
            visible.update(names[: index + 1] if parent.args.get("recursive") else names[:index])
        else:
            with_ = parent.args.get("with_")
            if isinstance(with_, exp.With) and with_ is not child:
                visible.update(_names(with_))
        child, parent = parent, parent.parent
    return frozenset(visible)


def is_cte_reference(table: exp.Table) -> bool:
    """A bare, unqualified table name that names a CTE visible where it is used."""
    if table.args.get("db") or table.args.get("catalog"):
        return False
    return isinstance(table.this, exp.Identifier) and table.name.lower() in visible_ctes(table)


def cte_names(tree: exp.Expr) -> frozenset[str]:
    """Every CTE name defined anywhere in the tree (lower-case)."""
    return frozenset(cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE))


def dataset_references(tree: exp.Expr) -> list[exp.Table]:
    """Every named table reference that is not a CTE in scope: each must be a dataset."""
    return [
        table
        for table in tree.find_all(exp.Table)
        if isinstance(table.this, exp.Identifier) and not is_cte_reference(table)
    ]

"""Masks computed in DuckDB and the secure rewrite's fail-closed edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sql_fixture_data import SALT

from hqg.errors import AccessDenied
from hqg.predicates import InvalidPredicate, parse_predicate
from privacy.operators import MaskKind
from retrieval.grants import TableGrant
from retrieval.sql import SqlLimits, run_governed_sql
from retrieval.sql.results import json_safe


def run(sql, sources, grants, engine, salt=SALT):
    return run_governed_sql(
        sql, sources=sources, grants=grants, limits=SqlLimits(), salt=salt, engine=engine
    )


def customers_masked(kind: MaskKind, column: str = "email") -> dict[str, TableGrant]:
    return {"customers": TableGrant(masks={column: kind})}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (MaskKind.NULL, {None}),
        (MaskKind.REDACT, {"[REDACTED]"}),
        (MaskKind.PLACEHOLDER, {"<EMAIL_ADDRESS>"}),
        (MaskKind.PSEUDONYM, {"<EMAIL_ADDRESS>"}),
        (MaskKind.ENCRYPT, {None}),
    ],
)
def test_constant_masks_hide_every_value(kind, expected, sources, engine) -> None:
    result = run("SELECT email FROM customers", sources, customers_masked(kind), engine)
    assert {row[0] for row in result.rows} == expected


def test_partial_mask_keeps_only_the_last_four_characters(sources, engine) -> None:
    result = run(
        "SELECT email FROM customers ORDER BY customer_id",
        sources,
        customers_masked(MaskKind.PARTIAL),
        engine,
    )
    assert result.rows[0] == ("****mple",)
    assert result.rows[2] == ("****",)  # NULL is not distinguishable from a short value


def test_masked_numeric_columns_become_typed_nulls(sources, engine) -> None:
    grants = {"orders": TableGrant(masks={"amount": MaskKind.PARTIAL})}
    result = run("SELECT amount FROM orders", sources, grants, engine)
    assert {row[0] for row in result.rows} == {None}
    assert result.columns[0].type.startswith("DECIMAL")


def test_hash_is_salted_deterministic_and_joinable(sources, engine) -> None:
    grants = customers_masked(MaskKind.HASH)
    sql = "SELECT a.email FROM customers a JOIN customers b ON a.email = b.email"
    first = run(sql, sources, grants, engine)
    assert first.row_count == 4  # four non-null emails join to themselves
    again = run("SELECT email FROM customers", sources, grants, engine)
    other_salt = run("SELECT email FROM customers", sources, grants, engine, salt="another")
    assert again.rows == run("SELECT email FROM customers", sources, grants, engine).rows
    assert again.rows != other_salt.rows
    assert all(len(row[0]) == 16 for row in again.rows if row[0] is not None)
    assert "$hqg_salt" in again.sql_executed
    assert SALT not in again.sql_executed


def test_masked_column_is_masked_in_where_clause(sources, engine) -> None:
    grants = customers_masked(MaskKind.REDACT)
    hit = run(
        "SELECT count(*) FROM customers WHERE email LIKE '%@acme.example'", sources, grants, engine
    )
    assert hit.rows == ((0,),)


def test_masking_reports_effective_kinds(sources, engine) -> None:
    grants = {
        "customers": TableGrant(masks={"email": MaskKind.PSEUDONYM, "Name": MaskKind.ENCRYPT})
    }
    result = run("SELECT 1 FROM customers LIMIT 1", sources, grants, engine)
    assert result.masking == {"customers": {"name": MaskKind.NULL, "email": MaskKind.PLACEHOLDER}}


def test_row_filter_on_a_missing_column_is_a_deny(sources, engine) -> None:
    bad = parse_predicate({"column": "region", "op": "=", "value": "eu"})
    with pytest.raises(InvalidPredicate):
        run("SELECT * FROM products", sources, {"products": TableGrant(row_filter=bad)}, engine)


def test_row_filter_with_null_semantics_hides_unknown_rows(sources, engine) -> None:
    female = parse_predicate({"column": "gender", "op": "=", "value": "F"})
    result = run(
        "SELECT customer_id FROM customers ORDER BY 1",
        sources,
        {"customers": TableGrant(row_filter=female)},
        engine,
    )
    assert result.rows == ((1,), (4,))
    assert result.withheld == {"customers": 3}  # the NULL-gender row is withheld, not shown


def test_ungranted_dataset_is_denied_by_name(sources, engine) -> None:
    with pytest.raises(AccessDenied) as caught:
        run("SELECT * FROM orders", sources, {"customers": TableGrant()}, engine)
    assert "orders" in caught.value.message


def test_submitted_and_executed_sql_are_both_reported(sources, grants, engine) -> None:
    result = run("SELECT name FROM customers c", sources, grants, engine)
    assert result.sql_submitted == "SELECT name FROM customers c"
    assert '"main"."data"' in result.sql_executed
    assert "'acme'" in result.sql_executed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 1, 5), "2026-01-05"),
        (Decimal("19.99"), "19.99"),
        (float("nan"), "NaN"),
        (b"\x01\xff", "01ff"),
        ({"a": [Decimal("1.5")]}, {"a": ["1.5"]}),
    ],
)
def test_values_are_json_safe(value, expected) -> None:
    assert json_safe(value) == expected


def test_dates_and_decimals_come_back_as_strings(sources, grants, engine) -> None:
    result = run("SELECT amount, ordered_on FROM orders ORDER BY order_id", sources, grants, engine)
    assert result.rows[0] == ("19.99", "2026-01-05")

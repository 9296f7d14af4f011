"""No error oracle: a caller predicate that raises only on rows the row filter hides never runs
on them, whatever the query shape and whatever the row filter's shape.

Each probe raises exactly when it is evaluated on a globex row (the test proves that by running
it without a row filter). As an acme analyst every probe must then succeed in every shape: an
error would tell the caller a hidden row exists (one bit per query). On DuckDB 2.0 the shapes
marked in ``rewrite``'s docstring leaked before the ``OFFSET 0`` barrier for row filters that
do not become scan filters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sql_fixture_data import SALT

from hqg.errors import UnsafeQuery
from hqg.predicates import parse_predicate
from ingestion.contracts import DatasetContract
from retrieval.grants import TableGrant
from retrieval.sql import QueryEngine, SqlLimits, SqlResult, TableSource, run_governed_sql
from retrieval.sql.rewrite import becomes_scan_filter

PROBES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "sql" / "evaluation_order.jsonl"
PROBES = [json.loads(line) for line in PROBES_FILE.read_text(encoding="utf-8").splitlines() if line]
LIMITS = SqlLimits(max_rows=50, timeout_seconds=5.0)

SHAPES = {
    "where": "SELECT count(*) FROM customers c WHERE {p}",
    "join-on": "SELECT count(*) FROM customers c JOIN products x ON {p}",
    "comma-join-where": "SELECT count(*) FROM customers c, products x WHERE {p}",
    "left-join-on": "SELECT count(*) FROM products x LEFT JOIN customers c ON {p}",
    "lateral": (
        "SELECT count(*) FROM products x, "
        "LATERAL (SELECT * FROM customers c WHERE {p} AND x.product_id > 0) y"
    ),
    "exists": "SELECT count(*) FROM products x WHERE EXISTS (SELECT 1 FROM customers c WHERE {p})",
    "derived-join": "SELECT count(*) FROM (SELECT * FROM customers c) t JOIN products x ON {p}",
    "cte-where": "WITH t AS (SELECT * FROM customers) SELECT count(*) FROM t WHERE {p}",
    "having": (
        "SELECT customer_id FROM customers GROUP BY customer_id, name HAVING {p} ORDER BY 1"
    ),
}

ROW_FILTERS: dict[str, dict[str, Any]] = {
    "tenant-equals (scan filter)": {"column": "tenant_id", "op": "=", "value": "acme"},
    "not-globex (scan filter)": {"not": {"column": "tenant_id", "op": "=", "value": "globex"}},
    "tenant-in-list (barrier)": {"column": "tenant_id", "op": "in", "value": ["acme", "initech"]},
    "any-of (barrier)": {
        "any": [
            {"column": "tenant_id", "op": "=", "value": "acme"},
            {"column": "customer_id", "op": "<", "value": 0},
        ]
    },
}


def run(
    sql: str, sources: Mapping[str, TableSource], grants: Any, engine: QueryEngine
) -> SqlResult:
    return run_governed_sql(
        sql, sources=sources, grants=grants, limits=LIMITS, salt=SALT, engine=engine
    )


def grants_with(row_filter: dict[str, Any] | None) -> dict[str, TableGrant]:
    predicate = None if row_filter is None else parse_predicate(row_filter)
    return {"customers": TableGrant(row_filter=predicate), "products": TableGrant()}


@pytest.mark.parametrize("probe", PROBES, ids=[p["name"] for p in PROBES])
def test_probe_raises_when_hidden_rows_are_evaluated(probe, sources, engine) -> None:
    sql = SHAPES["where"].format(p=probe["predicate"])
    with pytest.raises(UnsafeQuery) as caught:
        run(sql, sources, grants_with(None), engine)
    assert caught.value.rule == "engine"
    assert "Gwendolyn" not in caught.value.message
    assert "globex" not in caught.value.message


@pytest.mark.parametrize("row_filter", ROW_FILTERS, ids=list(ROW_FILTERS))
@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
@pytest.mark.parametrize("probe", PROBES, ids=[p["name"] for p in PROBES])
def test_a_raising_predicate_never_sees_hidden_rows(
    probe, shape, row_filter, sources, engine
) -> None:
    sql = SHAPES[shape].format(p=probe["predicate"])
    result = run(sql, sources, grants_with(ROW_FILTERS[row_filter]), engine)
    assert result.row_count >= 0  # it ran: no error, so no bit about hidden rows


def test_only_row_filters_that_are_not_scan_filters_get_the_barrier(sources, engine) -> None:
    sql = "SELECT count(*) FROM customers"
    for name, row_filter in ROW_FILTERS.items():
        executed = run(sql, sources, grants_with(row_filter), engine).sql_executed
        assert ("OFFSET 0" in executed) == name.endswith("(barrier)"), name


@pytest.mark.parametrize(
    ("row_filter", "expected"),
    [
        ({"column": "tenant_id", "op": "=", "value": "acme"}, True),
        ({"column": "customer_id", "op": ">=", "value": 2}, True),
        ({"column": "customer_id", "op": ">=", "value": 2.5}, False),  # casts the column
        ({"column": "email", "op": "is_null"}, True),
        (
            {
                "all": [
                    {"column": "tenant_id", "op": "=", "value": "a"},
                    {"column": "name", "op": "not_null"},
                ]
            },
            True,
        ),
        ({"column": "tenant_id", "op": "in", "value": ["a"]}, False),
        ({"any": [{"column": "tenant_id", "op": "=", "value": "a"}]}, False),
        ({"not": {"all": [{"column": "tenant_id", "op": "=", "value": "a"}]}}, False),
        ({"column": "nosuch", "op": "=", "value": "a"}, False),
    ],
)
def test_scan_filter_classification_is_conservative(
    row_filter: dict[str, Any], expected: bool, sources: Mapping[str, TableSource]
) -> None:
    contract: DatasetContract = sources["customers"].contract
    assert becomes_scan_filter(parse_predicate(row_filter), contract) is expected

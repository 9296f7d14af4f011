"""Red team: no system catalog or table function is reachable by hiding it behind a CTE, an alias,
quoting, case or a schema (issue 12, item 3).

The names are not a hand-written list: they are enumerated from a raw DuckDB connection (every
table function in ``duckdb_functions()`` and every view in ``duckdb_views()``), so a view or table
function a DuckDB upgrade adds is tested the day it appears. Each one goes through the guard in
every variant below and must be refused with a 400 (``UnsafeQuery``); the issue's own examples
also go through ``/v1/sql`` as the data steward, who may read every dataset.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from gateway.settings import load_settings
from gateway.wiring import build_gateway
from hqg.errors import UnsafeQuery
from retrieval.sql import GuardContext, guard_sql
from transports.rest import create_app


def _catalog() -> tuple[list[str], list[tuple[str, str]]]:
    con = duckdb.connect(":memory:")
    try:
        functions = con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() "
            "WHERE function_type = 'table' ORDER BY 1"
        ).fetchall()
        views = con.execute(
            "SELECT DISTINCT schema_name, view_name FROM duckdb_views() ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()
    return [name for (name,) in functions], [(schema, name) for schema, name in views]


TABLE_FUNCTIONS, VIEWS = _catalog()

VIEW_VARIANTS = (
    "SELECT * FROM {n}",
    'SELECT * FROM "{u}"',
    "SELECT * FROM {s}.{n}",
    'SELECT * FROM "{s}"."{n}"',
    "SELECT * FROM system.{s}.{n}",
    "SELECT * FROM main.{n}",
    "SELECT * FROM (WITH {n} AS (SELECT 1 AS x) SELECT 1) a, {n}",
    'SELECT * FROM (WITH "{u}" AS (SELECT 1 AS x) SELECT 1) a, "{n}"',
    "SELECT * FROM (WITH {n} AS (SELECT 1 AS x) SELECT 1) a JOIN {u} ON true",
    "SELECT * FROM {n} WHERE EXISTS (WITH {n} AS (SELECT 1 AS x) SELECT * FROM {n})",
    "SELECT 1 AS x WHERE 1 IN (SELECT 1 FROM {n}) AND EXISTS (WITH {n} AS (SELECT 1) SELECT 1)",
    "(WITH {n} AS (SELECT 1 AS x) SELECT * FROM {n}) UNION ALL SELECT * FROM {n}",
    "SELECT * FROM {n} UNION ALL (WITH {n} AS (SELECT 1 AS x) SELECT * FROM {n})",
    "WITH {n} AS (SELECT * FROM {n}) SELECT * FROM {n}",
    "WITH a AS (SELECT * FROM {n}), {n} AS (SELECT 1 AS x) SELECT * FROM a",
    "WITH {n} AS (SELECT 1 AS x) SELECT * FROM {s}.{n}",
    "WITH {n} AS (SELECT 1 AS x) SELECT * FROM main.{n}",
    "SELECT * FROM (SELECT 1 AS x) AS {n}, {n}",
    "SELECT * FROM (SELECT 1 AS x) AS {n} JOIN (SELECT * FROM {n}) b ON true",
    "SELECT (WITH {n} AS (SELECT 1 AS x) SELECT x FROM {n}), (SELECT count(*) FROM {n})",
    "FROM (WITH {n} AS (SELECT 1 AS x) FROM {n}) a, {n} SELECT *",
)
FUNCTION_VARIANTS = (
    "SELECT * FROM {n}()",
    "SELECT * FROM {u}()",
    "SELECT * FROM main.{n}()",
    "SELECT {n}()",
    "SELECT * FROM (WITH {n} AS (SELECT 1 AS x) SELECT 1) a, {n}()",
    "WITH {n} AS (SELECT 1 AS x) SELECT * FROM {n}()",
    "SELECT * FROM (SELECT 1 AS x) AS {n}, {n}()",
    "SELECT * FROM (SELECT 1 AS x) a, LATERAL {n}()",
    "SELECT * FROM (SELECT 1 AS x) a JOIN {n}() ON true",
    "SELECT * FROM {n}",
    "SELECT * FROM (WITH {n} AS (SELECT 1 AS x) SELECT 1) a, {n}",
)

CONTEXT = GuardContext(
    datasets=frozenset({"customers", "orders"}), granted=frozenset({"customers", "orders"})
)


def _cases() -> Iterator[str]:
    for schema, name in VIEWS:
        for variant in VIEW_VARIANTS:
            yield variant.format(n=name, u=name.upper(), s=schema)
    for name in TABLE_FUNCTIONS:
        for variant in FUNCTION_VARIANTS:
            yield variant.format(n=name, u=name.upper())


CASES = sorted(set(_cases()))


def test_the_enumeration_covers_the_catalogs_the_issue_names() -> None:
    names = {name for _, name in VIEWS} | set(TABLE_FUNCTIONS)
    expected = {"pg_settings", "duckdb_tables", "duckdb_columns", "sqlite_master", "pg_class"}
    assert expected | {"pragma_database_list", "duckdb_settings", "tables"} <= names
    assert len(CASES) > 2000


def test_every_system_catalog_variant_is_refused_by_the_guard() -> None:
    passed, statuses = [], set()
    for sql in CASES:
        try:
            guard_sql(sql, context=CONTEXT)
        except UnsafeQuery as exc:
            statuses.add(exc.status)
        else:
            passed.append(sql)
    assert passed == []
    assert statuses == {400}


@pytest.mark.parametrize(
    "sql",
    [
        "WITH x AS (SELECT 1 AS y) SELECT * FROM (SELECT * FROM x) s",
        'WITH "X" AS (SELECT 1 AS y) SELECT * FROM x',
        "WITH a AS (SELECT 1 AS y), b AS (SELECT * FROM a) SELECT * FROM b",
        "WITH x AS (SELECT 1 AS y) SELECT * FROM customers WHERE EXISTS (SELECT * FROM x)",
        "WITH x AS (SELECT 1 AS y) SELECT * FROM x UNION ALL SELECT * FROM x",
        "SELECT * FROM (WITH x AS (SELECT 1 AS y) SELECT * FROM x) a, customers",
    ],
)
def test_a_cte_in_scope_still_resolves_to_the_cte(sql: str) -> None:
    guarded = guard_sql(sql, context=CONTEXT)
    assert set(guarded.datasets) <= {"customers"}


@pytest.mark.parametrize(
    ("sql", "datasets"),
    [
        ("SELECT * FROM (WITH customers AS (SELECT 1) SELECT 1) a, orders", None),
        ("SELECT * FROM (WITH x AS (SELECT 1 AS y) SELECT 1) a, customers", ("customers",)),
        ("SELECT * FROM (SELECT 1 AS y) AS orders, customers", ("customers",)),
    ],
)
def test_a_dataset_behind_a_foreign_scope_is_still_a_dataset(
    sql: str, datasets: tuple[str, ...] | None
) -> None:
    if datasets is None:
        with pytest.raises(UnsafeQuery):
            guard_sql(sql, context=CONTEXT)  # a CTE named like a dataset is refused anywhere
    else:
        assert guard_sql(sql, context=CONTEXT).datasets == datasets


@pytest.fixture(scope="module")
def client(demo_home: Path) -> Iterator[TestClient]:
    gateway = build_gateway(load_settings(home=demo_home))
    with TestClient(create_app(gateway), raise_server_exceptions=False) as test_client:
        yield test_client
    gateway.close()


ISSUE_NAMES = (
    "pg_settings",
    "duckdb_tables",
    "duckdb_columns",
    "pragma_database_list",
    "sqlite_master",
    "pg_class",
)


@pytest.mark.parametrize("name", ISSUE_NAMES)
def test_the_issue_examples_are_a_400_for_the_data_steward(client: TestClient, name: str) -> None:
    sql = f"SELECT * FROM (WITH {name} AS (SELECT 1 AS x) SELECT 1) a, {name}"
    response = client.post(
        "/v1/sql", json={"sql": sql}, headers={"Authorization": "Bearer demo-dana"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "unsafe_query"
    assert "warehouse" not in response.text
    assert "hqg_src" not in response.text

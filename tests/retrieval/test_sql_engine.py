"""The locked connection (DuckDB as defence in depth), the watchdog and the row cap."""

from __future__ import annotations

import time

import duckdb
import pytest
from sql_fixture_data import SALT

from hqg.errors import QueryLimitExceeded
from retrieval.sql import EngineSettings, QueryEngine, SqlLimits, TableSource, run_governed_sql
from retrieval.sql.connection import locked_connection

ESCAPES = (
    "SET threads = 1",
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "ATTACH '/tmp/hqg-should-not-exist.db' AS x",
    "COPY (SELECT 1) TO '/tmp/hqg-should-not-exist.csv'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "CREATE TABLE hqg_src_0.main.x (a INT)",
    "INSTALL httpfs",
)


@pytest.fixture
def locked(sources: dict[str, TableSource]) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    con, aliases = locked_connection(sources.values(), settings=EngineSettings())
    yield con, aliases
    con.close()


def test_locked_connection_still_reads_attached_versions(locked) -> None:
    con, aliases = locked
    rows = con.execute(f'SELECT count(*) FROM "{aliases["customers"]}".main.data').fetchall()
    assert rows == [(5,)]


@pytest.mark.parametrize("statement", ESCAPES)
def test_locked_connection_refuses_escapes(locked, statement: str) -> None:
    con, _ = locked
    with pytest.raises(duckdb.Error):
        con.execute(statement)


@pytest.mark.parametrize("statement", ESCAPES)
def test_cursors_inherit_the_lock(locked, statement: str) -> None:
    con, aliases = locked
    cursor = con.cursor()
    try:
        assert cursor.execute(f'SELECT 1 FROM "{aliases["products"]}".main.data').fetchall()
        with pytest.raises(duckdb.Error):
            cursor.execute(statement)
    finally:
        cursor.close()


def test_python_variables_are_not_replacement_scans(locked) -> None:
    con, _ = locked
    secret_frame = [{"a": 1}]  # noqa: F841 - the name a replacement scan would pick up
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM secret_frame")


def test_watchdog_interrupts_a_long_running_cursor(sources, engine: QueryEngine) -> None:
    with engine.session({"products": sources["products"]}) as session:
        started = time.monotonic()
        with pytest.raises(QueryLimitExceeded):
            session.fetch(
                "SELECT count(*) FROM range(1000000000000) a",
                parameters=None,
                max_rows=10,
                timeout_seconds=0.3,
            )
        assert time.monotonic() - started < 5


def test_governed_cross_join_is_stopped_by_the_timeout(sources, grants, engine) -> None:
    joins = ", ".join(f"products p{i}" for i in range(40))
    with pytest.raises(QueryLimitExceeded):
        run_governed_sql(
            f"SELECT count(*) FROM {joins}",
            sources=sources,
            grants=grants,
            limits=SqlLimits(max_rows=10, timeout_seconds=0.5),
            salt=SALT,
            engine=engine,
        )


def test_row_cap_truncates_and_flags(sources, grants, engine) -> None:
    result = run_governed_sql(
        "SELECT a.title FROM products a, products b, products c",
        sources=sources,
        grants=grants,
        limits=SqlLimits(max_rows=5),
        salt=SALT,
        engine=engine,
    )
    assert result.row_count == 5
    assert result.truncated


def test_engine_keeps_working_after_a_timeout(sources, grants, engine) -> None:
    result = run_governed_sql(
        "SELECT count(*) FROM products",
        sources=sources,
        grants=grants,
        limits=SqlLimits(),
        salt=SALT,
        engine=engine,
    )
    assert result.rows == ((2,),)


def test_a_new_version_gets_a_new_connection_and_the_old_one_is_closed(sources) -> None:
    engine = QueryEngine()
    try:
        first = {"products": sources["products"]}
        with engine.session(first) as session:
            old = session.pooled
        newer = TableSource(
            contract=sources["products"].contract,
            database=sources["products"].database,
            version="products-v2",
        )
        with engine.session({"products": newer}) as session:
            assert session.pooled is not old
        assert old.retired
        with pytest.raises(duckdb.Error):
            old.con.execute("SELECT 1")
    finally:
        engine.close()


def test_connection_is_reused_for_the_same_versions(sources) -> None:
    engine = QueryEngine()
    try:
        wanted = {"products": sources["products"]}
        with engine.session(wanted) as first, engine.session(wanted) as second:
            assert first.pooled is second.pooled
    finally:
        engine.close()


def test_withheld_counts_rows_removed_by_the_filter(sources, grants, engine) -> None:
    result = run_governed_sql(
        "SELECT o.order_id FROM orders o JOIN customers c USING (customer_id)",
        sources=sources,
        grants=grants,
        limits=SqlLimits(),
        salt=SALT,
        engine=engine,
    )
    assert result.withheld == {"customers": 2, "orders": 1}
    assert {read.name: read.version for read in result.datasets} == {
        "customers": "customers-v1",
        "orders": "orders-v1",
    }


def test_concurrent_queries_share_the_engine_safely(sources, grants, engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    queries = [
        ("SELECT count(*) FROM customers", ((3,),)),
        ("SELECT count(*) FROM orders", ((2,),)),
        ("SELECT count(*) FROM products", ((2,),)),
    ] * 10

    def one(item: tuple[str, object]) -> bool:
        sql, expected = item
        result = run_governed_sql(
            sql, sources=sources, grants=grants, limits=SqlLimits(), salt=SALT, engine=engine
        )
        return result.rows == expected

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(one, queries))

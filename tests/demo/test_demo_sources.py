"""The demo's source files: deterministic, valid against their contracts, tenant-consistent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from demo import DEMO_REFERENCE_TIME, TENANTS, DemoSources, write_demo_sources
from ingestion.contracts import DatasetContract, load_contract

READERS = {
    "csv": "read_csv('{p}', all_varchar = true)",
    "parquet": "read_parquet('{p}')",
    "ndjson": "read_json('{p}', format = 'newline_delimited')",
    "json": "read_json('{p}', format = 'array')",
}
EXPECTED_ROWS = {
    "customers": 300,
    "orders": 1500,
    "support_tickets": 200,
    "hr_salaries": 40,
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> DemoSources:
    return write_demo_sources(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def con(sources: DemoSources) -> duckdb.DuckDBPyConnection:
    """Each table loaded as its contract types, the way an ingest would type it."""
    connection = duckdb.connect(":memory:")
    for table in sources.tables:
        contract = load_contract(table.contract_path)
        casts = ", ".join(f"CAST({c.name} AS {c.type}) AS {c.name}" for c in contract.columns)
        reader = READERS[table.format].format(p=table.data_path)
        connection.execute(f"CREATE TABLE {table.name} AS SELECT {casts} FROM {reader}")
    return connection


def contract(sources: DemoSources, name: str) -> DatasetContract:
    return load_contract(sources.table(name).contract_path)


def test_tables_come_in_ingest_order_with_one_format_of_each_loader(sources: DemoSources) -> None:
    assert [t.name for t in sources.tables] == [
        "products",
        "customers",
        "orders",
        "support_tickets",
        "hr_salaries",
    ]
    assert {t.format for t in sources.tables} == {"csv", "parquet", "ndjson", "json"}
    assert all(t.data_path.is_file() and t.contract_path.is_file() for t in sources.tables)


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    first = write_demo_sources(tmp_path / "a", seed=11)
    second = write_demo_sources(tmp_path / "b", seed=11)
    for a, b in zip(first.tables, second.tables, strict=True):
        assert a.data_path.read_bytes() == b.data_path.read_bytes(), a.name


def test_another_seed_writes_other_people(tmp_path: Path) -> None:
    first = write_demo_sources(tmp_path / "a", seed=1)
    second = write_demo_sources(tmp_path / "b", seed=2)
    path = "customers"
    assert first.table(path).data_path.read_bytes() != second.table(path).data_path.read_bytes()


def test_file_columns_are_the_contract_columns_in_order(sources: DemoSources) -> None:
    for table in sources.tables:
        reader = READERS[table.format].format(p=table.data_path)
        described = duckdb.connect().execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        assert [row[0] for row in described] == list(contract(sources, table.name).column_names)


def test_every_value_fits_its_contract_type_and_nullability(
    sources: DemoSources, con: duckdb.DuckDBPyConnection
) -> None:
    for table in sources.tables:
        for column in contract(sources, table.name).columns:
            if not column.nullable:
                nulls = con.execute(
                    f"SELECT count(*) FROM {table.name} WHERE {column.name} IS NULL"
                )
                assert nulls.fetchone() == (0,), f"{table.name}.{column.name}"


def test_primary_keys_are_unique(sources: DemoSources, con: duckdb.DuckDBPyConnection) -> None:
    for table in sources.tables:
        (key,) = contract(sources, table.name).primary_key
        total, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT {key}) FROM {table.name}"
        ).fetchone()  # type: ignore[misc]
        assert total == distinct, table.name


def test_each_tenant_has_its_share_of_rows(con: duckdb.DuckDBPyConnection) -> None:
    for name, expected in EXPECTED_ROWS.items():
        counts = dict(con.execute(f"SELECT tenant_id, count(*) FROM {name} GROUP BY 1").fetchall())
        assert counts == dict.fromkeys(TENANTS, expected), name
    assert con.execute("SELECT count(*) FROM products").fetchone() == (100,)


@pytest.mark.parametrize("table", ["orders", "support_tickets"])
def test_rows_only_reference_customers_of_their_own_tenant(
    con: duckdb.DuckDBPyConnection, table: str
) -> None:
    orphans = con.execute(
        f"SELECT count(*) FROM {table} t LEFT JOIN customers c "
        "ON c.customer_id = t.customer_id AND c.tenant_id = t.tenant_id "
        "WHERE c.customer_id IS NULL"
    )
    assert orphans.fetchone() == (0,)


def test_products_are_older_than_their_sla_and_the_rest_are_within_theirs(
    sources: DemoSources, con: duckdb.DuckDBPyConnection
) -> None:
    reference = DEMO_REFERENCE_TIME.replace(tzinfo=None)
    for table in sources.tables:
        spec = contract(sources, table.name)
        if spec.as_of_column is None:
            continue
        (as_of,) = con.execute(f"SELECT max({spec.as_of_column}) FROM {table.name}").fetchone()  # type: ignore[misc]
        assert as_of <= reference, table.name
        stale = reference - as_of > spec.freshness_sla
        assert stale == (table.name == "products"), table.name
    (newest,) = con.execute("SELECT max(updated_at) FROM products").fetchone()  # type: ignore[misc]
    assert reference - newest == timedelta(days=3)


@pytest.mark.parametrize(
    ("table", "as_of"),
    [("customers", "updated_at"), ("orders", "ordered_at"), ("support_tickets", "opened_at")],
)
def test_each_tenants_newest_row_is_minutes_old_at_the_reference(
    con: duckdb.DuckDBPyConnection, table: str, as_of: str
) -> None:
    reference = DEMO_REFERENCE_TIME.replace(tzinfo=None)
    newest = dict(con.execute(f"SELECT tenant_id, max({as_of}) FROM {table} GROUP BY 1").fetchall())
    assert set(newest) == set(TENANTS)
    for moment in newest.values():
        assert timedelta(minutes=5) <= reference - moment <= timedelta(minutes=30)


def test_reference_time_moves_every_timestamp(tmp_path: Path) -> None:
    later = DEMO_REFERENCE_TIME + timedelta(days=10)
    moved = write_demo_sources(tmp_path, reference_time=later)
    (newest,) = (
        duckdb.connect()
        .execute(f"SELECT max(ordered_at) FROM '{moved.table('orders').data_path}'")
        .fetchone()
    )  # type: ignore[misc]
    assert later - timedelta(days=1) < newest.replace(tzinfo=UTC) <= later


def test_emails_use_reserved_domains_with_a_public_suffix(con: duckdb.DuckDBPyConnection) -> None:
    domains = {
        d
        for (d,) in con.execute(
            "SELECT DISTINCT split_part(email, '@', 2) FROM customers"
        ).fetchall()
    }
    assert domains == {"example.com", "example.org", "example.net"}


def test_phones_include_us_and_international_numbers(con: duckdb.DuckDBPyConnection) -> None:
    phones = [p for (p,) in con.execute("SELECT phone FROM customers").fetchall()]
    assert any(p.startswith("+1 ") for p in phones)
    assert any(p.startswith("(") for p in phones)
    assert any(p.startswith("+44 ") for p in phones)
    assert any(p.startswith("+49 ") for p in phones)


def test_every_ticket_body_names_its_customer_with_email_and_phone(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = con.execute(
        "SELECT t.body, c.full_name, c.email, c.phone FROM support_tickets t "
        "JOIN customers c USING (tenant_id, customer_id)"
    ).fetchall()
    assert len(rows) == 2 * EXPECTED_ROWS["support_tickets"]
    for body, name, email, phone in rows:
        assert name in body
        assert email in body
        assert phone in body


@pytest.mark.slow  # importing presidio_analyzer takes ~10 s here
def test_ticket_phones_are_found_by_presidio(con: duckdb.DuckDBPyConnection) -> None:
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    recognizer = PhoneRecognizer(supported_regions=("US", "GB", "DE"))
    rows = con.execute(
        "SELECT t.body, c.phone FROM support_tickets t JOIN customers c USING (customer_id)"
    ).fetchall()
    for body, phone in rows:
        results = recognizer.analyze(body, ["PHONE_NUMBER"], None)  # type: ignore[arg-type]
        found = {body[r.start : r.end] for r in results}
        assert phone in found, phone


def test_demo_is_generated_before_the_reference_time(con: duckdb.DuckDBPyConnection) -> None:
    reference = datetime(2026, 11, 1)
    for table, column in [("orders", "shipped_at"), ("customers", "created_at")]:
        (latest,) = con.execute(f"SELECT max({column}) FROM {table}").fetchone()  # type: ignore[misc]
        assert latest <= reference


def test_asking_for_an_unknown_table_is_not_found(sources: DemoSources) -> None:
    from hqg.errors import NotFound

    with pytest.raises(NotFound):
        sources.table("payroll")

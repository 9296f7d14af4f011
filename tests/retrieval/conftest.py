"""Real DuckDB version files for the governed-SQL tests: one ``.duckdb`` per dataset, table
``data``, plus the grants of an acme analyst (rows filtered to acme, PII masked, no HR)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pytest
from sql_fixture_data import CONTRACTS, ROWS

from hqg.predicates import parse_predicate
from ingestion.contracts import DatasetContract, parse_contract
from privacy.operators import MaskKind
from retrieval.grants import TableGrant
from retrieval.sql import EngineSettings, QueryEngine, TableSource


def _write(directory: Path, name: str, contract: DatasetContract) -> Path:
    path = directory / f"{name}.duckdb"
    columns = ", ".join(f'"{c.name}" {c.type}' for c in contract.columns)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"CREATE TABLE data ({columns})")
        marks = ", ".join("?" for _ in contract.columns)
        for row in ROWS[name]:
            con.execute(f"INSERT INTO data VALUES ({marks})", list(row))
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TableSource]:
    directory = tmp_path_factory.mktemp("warehouse")
    result = {}
    for name, raw in CONTRACTS.items():
        contract = parse_contract(raw, source=f"{name}.yaml")
        path = _write(directory, name, contract)
        result[name] = TableSource(contract=contract, database=path, version=f"{name}-v1")
    return result


def acme_analyst_grants() -> dict[str, TableGrant]:
    acme = parse_predicate({"column": "tenant_id", "op": "=", "value": "acme"})
    return {
        "customers": TableGrant(
            row_filter=acme,
            masks={
                "email": MaskKind.PLACEHOLDER,
                "phone": MaskKind.HASH,
                "gender": MaskKind.NULL,
            },
        ),
        "orders": TableGrant(row_filter=acme),
        "products": TableGrant(),
    }


@pytest.fixture
def grants() -> Mapping[str, TableGrant]:
    return acme_analyst_grants()


@pytest.fixture(scope="session")
def engine() -> Iterator[QueryEngine]:
    query_engine = QueryEngine(settings=EngineSettings(max_memory="256MB", threads=2))
    yield query_engine
    query_engine.close()

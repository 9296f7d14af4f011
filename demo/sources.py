"""The demo's source files and contracts, ready for the ingestion API.

Timestamps are generated relative to a reference time (fixed by default, so files are
byte-identical run to run); freshness is measured against the wall clock at read time, so with
the fixed default every dataset eventually reads stale. Pass ``reference_time`` (e.g. today at
midnight UTC) for a demo whose only stale dataset is ``products``: each tenant's newest
customer, order and ticket is under 30 minutes older than the reference and their SLA is 48h,
so they read fresh all day, while ``products`` is ``PRODUCTS_AGE`` (3 days) older than the
reference against a one-day SLA.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from demo.data import DEMO_REFERENCE_TIME, generate_demo_data
from demo.values import Row
from demo.writers import write_csv, write_json_array, write_ndjson, write_parquet
from hqg.errors import NotFound
from ingestion.contracts import load_contract

CONTRACTS_DIR = Path(__file__).with_name("contracts")
SourceFormat = Literal["csv", "parquet", "ndjson", "json"]
INGEST_ORDER: tuple[tuple[str, SourceFormat], ...] = (
    ("products", "json"),
    ("customers", "csv"),
    ("orders", "parquet"),
    ("support_tickets", "ndjson"),
    ("hr_salaries", "csv"),
)
_SUFFIX: dict[SourceFormat, str] = {
    "csv": ".csv",
    "parquet": ".parquet",
    "ndjson": ".ndjson",
    "json": ".json",
}


class DemoTable(BaseModel):
    """One table's data file and the contract it is ingested under."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    format: SourceFormat
    data_path: Path
    contract_path: Path


class DemoSources(BaseModel):
    """Everything ``build_demo`` ingests, tables in ingest order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int
    reference_time: datetime
    tables: tuple[DemoTable, ...]

    def table(self, name: str) -> DemoTable:
        for table in self.tables:
            if table.name == name:
                return table
        raise NotFound(f"the demo has no table {name!r}")


def contract_path(table: str) -> Path:
    """The packaged contract of a demo table."""
    return CONTRACTS_DIR / f"{table}.yaml"


def write_demo_sources(
    out_dir: Path, *, seed: int = 7, reference_time: datetime = DEMO_REFERENCE_TIME
) -> DemoSources:
    """Write one data file per demo table into ``out_dir``; same arguments, same bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = generate_demo_data(seed=seed, reference_time=reference_time)
    tables = []
    for name, fmt in INGEST_ORDER:
        path = out_dir / f"{name}{_SUFFIX[fmt]}"
        _writer(fmt, contract_path(name))(path, data.tables[name])
        tables.append(
            DemoTable(name=name, format=fmt, data_path=path, contract_path=contract_path(name))
        )
    return DemoSources(seed=seed, reference_time=reference_time, tables=tuple(tables))


def _writer(fmt: SourceFormat, contract: Path) -> Callable[[Path, Sequence[Row]], None]:
    if fmt == "parquet":
        types = {column.name: column.type for column in load_contract(contract).columns}
        return lambda path, rows: write_parquet(path, rows, types=types)
    return {"csv": write_csv, "ndjson": write_ndjson, "json": write_json_array}[fmt]

"""Table files over a per-file limit are refused early, naming the limit; the current version
keeps serving. A 5,000-column CSV once ran for more than 500 s."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hqg.errors import IngestError
from ingestion.catalog import Catalog
from ingestion.contracts import DatasetContract
from ingestion.limits import IngestLimits
from ingestion.tables import ingest_table
from ingestion.workspace import Workspace
from privacy.detector import PresidioDetector
from tests.ingestion.conftest import GOOD_CSV

Write = Callable[[str, str], Path]


def _wide(columns: int, rows: int) -> str:
    header = ",".join(f"c{i}" for i in range(columns))
    body = "\n".join(",".join(f"note {r} {i}" for i in range(columns)) for r in range(rows))
    return f"{header}\n{body}\n"


@pytest.mark.slow
def test_a_5000_column_csv_is_refused_quickly_naming_the_limit(
    workspace: Workspace, write: Write, detector: PresidioDetector
) -> None:
    started = time.monotonic()
    with pytest.raises(IngestError, match="HQG_INGEST__MAX_TABLE_COLUMNS"):
        ingest_table(
            workspace, write("wide.csv", _wide(5000, 20)), dataset="wide", detector=detector
        )
    assert time.monotonic() - started < 60
    assert Catalog(workspace.catalog_path).find("wide") is None


@pytest.mark.parametrize(
    ("limits", "setting"),
    [
        (IngestLimits(max_table_rows=2), "HQG_INGEST__MAX_TABLE_ROWS"),
        (IngestLimits(max_table_bytes=10), "HQG_INGEST__MAX_TABLE_BYTES"),
    ],
)
def test_rows_and_bytes_over_the_limit_are_refused_and_the_current_version_serves(
    workspace: Workspace,
    write: Write,
    contract: DatasetContract,
    detector: PresidioDetector,
    limits: IngestLimits,
    setting: str,
) -> None:
    first = ingest_table(
        workspace, write("p.csv", GOOD_CSV), dataset="people", detector=detector, contract=contract
    )
    bigger = GOOD_CSV + "acme,4,Di Eve,4.5,2026-11-04 10:00:00\n"
    with pytest.raises(IngestError, match=setting):
        ingest_table(
            workspace,
            write("q.csv", bigger),
            dataset="people",
            detector=detector,
            contract=contract,
            limits=limits,
        )
    current = Catalog(workspace.catalog_path).dataset("people").current
    assert current is not None
    assert current.version == first.run.version

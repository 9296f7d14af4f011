"""``ingest``: rows/s of ``ingest_table`` vs a bare DuckDB ``CREATE TABLE AS read_csv``.

Both read the same generated CSV (ten columns: ints, doubles, varchars, a date, a timestamp).
hqg's path also hashes the source, types and checks every row against the contract (PK
uniqueness, nullability), samples VARCHAR columns for PII and fsyncs before publishing, so the
ratio is the price of those guarantees, not of DuckDB. The two alternate, round by round.
Beside wall time it reports CPU time (the process's, all threads): on a shared machine the wall
ratio moves with the neighbours' load, the CPU ratio much less; on an idle one the wall ratio
can beat the CPU ratio, since hqg runs its hash and PII check beside DuckDB's work.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.common import Row, RunContext, row, timed
from ingestion.contracts import DatasetContract, parse_contract
from ingestion.tables import IngestReport, ingest_table
from privacy.detection import PiiDetector

NAME = "ingest"

_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "BIGINT", "i"),
    ("category", "INTEGER", "(i % 1000)::INTEGER"),
    ("qty", "BIGINT", "(i * 7919) % 100000"),
    ("price", "DOUBLE", "round((i % 100000) * 0.37, 2)"),
    ("score", "DOUBLE", "sqrt(i)"),
    ("label", "VARCHAR", "'item-' || (i % 5000)"),
    ("status", "VARCHAR", "['placed', 'paid', 'shipped', 'returned'][(i % 4) + 1]"),
    ("region", "VARCHAR", "'r' || (i % 17)"),
    ("day", "DATE", "DATE '2020-01-01' + (i % 2000)::INTEGER"),
    ("created_at", "TIMESTAMP", "TIMESTAMP '2020-01-01' + to_seconds(i)"),
)


def write_csv(path: Path, rows: int) -> None:
    """A deterministic ``rows``-line CSV with a header, written by DuckDB."""
    select = ", ".join(f"{expr} AS {name}" for name, _, expr in _COLUMNS)
    with duckdb.connect(":memory:") as con:
        con.execute(
            f"COPY (SELECT {select} FROM range({int(rows)}) t(i)) TO '{path}' (FORMAT CSV, HEADER)"
        )


def contract() -> DatasetContract:
    return parse_contract(
        {
            "name": "wide",
            "owner": "bench",
            "classification": "internal",
            "primary_key": ["id"],
            "columns": [
                {"name": name, "type": kind, "nullable": False} for name, kind, _ in _COLUMNS
            ],
        },
        source="benchmarks/ingest.py",
    )


def _bare_duckdb(csv: Path, target: Path) -> None:
    with duckdb.connect(str(target)) as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")


ROUNDS = 5


def run(ctx: RunContext) -> list[Row]:
    """Bare and governed loads alternate for ``ROUNDS`` rounds (each into a fresh file or
    workspace) and the medians are compared: on a loaded machine one timed run each says more
    about the neighbours than about the code."""
    base = ctx.scratch / NAME
    base.mkdir(parents=True)
    csv = base / "wide.csv"
    write_csv(csv, ctx.rows)
    detector = ctx.detector()
    bare: list[tuple[float, float]] = []
    governed: list[tuple[float, float]] = []
    target = base / "bare.duckdb"
    for _ in range(ROUNDS):
        bare.append(_wall_and_cpu(lambda: _bare_duckdb(csv, target)))
        governed.append(_governed_seconds(csv, base / "home", detector, ctx.rows))
        target.unlink()
        shutil.rmtree(base / "home")
    raw_s, hqg_s = (statistics.median(wall for wall, _ in runs) for runs in (bare, governed))
    raw_cpu, hqg_cpu = (statistics.median(cpu for _, cpu in runs) for runs in (bare, governed))
    note = (
        f"{ctx.rows:,} rows x {len(_COLUMNS)} cols, {csv.stat().st_size / 1e6:.0f} MB CSV; "
        f"median of {ROUNDS} interleaved rounds"
    )
    return [
        row(NAME, "rows/s", "rows/s", baseline=ctx.rows / raw_s, hqg=ctx.rows / hqg_s, note=note),
        row(NAME, "wall time", "s", baseline=raw_s, hqg=hqg_s),
        row(NAME, "CPU time (all threads)", "s", baseline=raw_cpu, hqg=hqg_cpu),
    ]


def _wall_and_cpu(call: Callable[[], Any]) -> tuple[float, float]:
    """Wall and process CPU seconds (every thread's, DuckDB's included) of one call."""
    cpu = time.process_time()
    wall = timed(call)
    return wall, time.process_time() - cpu


def _governed_seconds(
    csv: Path, home: Path, detector: PiiDetector, rows: int
) -> tuple[float, float]:
    """Wall and CPU seconds of one ``ingest_table`` of ``csv`` into a fresh workspace."""
    from ingestion.workspace import Workspace

    workspace = Workspace.create(home)
    reports: list[IngestReport] = []
    seconds = _wall_and_cpu(
        lambda: reports.append(
            ingest_table(workspace, csv, dataset="wide", detector=detector, contract=contract())
        )
    )
    if reports[0].run.rows_loaded != rows:
        raise RuntimeError(f"ingest loaded {reports[0].run.rows_loaded} of {rows} rows")
    return seconds

"""The staging DuckDB file of one ingest run: load, check, tag, quarantine.

Everything happens inside the file that, if the run succeeds, is renamed into place as the new
version. It holds one table, ``data``: the contract's columns, plus ``<col>__pii`` and
``<col>__masked`` companions for free-text columns. The raw batch lives in a temporary table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from hqg.errors import IngestError
from ingestion.checks import REASON, ROW, checked_select, failing_ratio_select
from ingestion.contracts import DatasetContract
from ingestion.drift import DriftReport, compare_columns
from ingestion.duck import ident, text
from ingestion.limits import IngestLimits, over_limit
from ingestion.pii_tagging import (
    MASKED_SUFFIX,
    PII_SUFFIX,
    SAMPLE_SIZE,
    ColumnPii,
    column_pii,
    tag_free_text,
)
from ingestion.sources import SourceFile
from privacy.detector import PiiDetector

RAW = "hqg_raw"
CHECKED = "hqg_checked"


@dataclass(frozen=True)
class LoadCounts:
    read: int
    good: int
    bad: int
    reasons: dict[str, int]


class Staging:
    """A connection to one run's staging file; open it with ``Staging.open``."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, progress: Callable[[str, int, int | None], None]
    ) -> None:
        self.con = con
        self.progress = progress
        described = con.execute(f"DESCRIBE {RAW}").fetchall()
        self.source_columns = {row[0]: row[1] for row in described if row[0] != ROW}

    @classmethod
    @contextmanager
    def open(
        cls,
        path: Path,
        source: SourceFile,
        *,
        contract: DatasetContract | None,
        limits: IngestLimits,
        progress: Callable[[str, int, int | None], None],
    ) -> Iterator[Staging]:
        """Load ``source`` into staging; a file over the column or row limit is refused here,
        before any per-column work (inference, PII tagging) can cost columns × rows."""
        con = duckdb.connect(str(path), config={"threads": 2})
        try:
            progress("load", 0, None)
            scan = source.scan_sql(all_varchar=contract is not None)
            con.execute(
                f"CREATE TEMP TABLE {RAW} AS SELECT row_number() OVER () AS {ROW}, * FROM {scan}"
            )
            stage = cls(con, progress)
            rows = stage.count(RAW)
            _check_size(source, columns=len(stage.source_columns), rows=rows, limits=limits)
            progress("load", rows, rows)
            yield stage
            con.execute(f"DROP TABLE IF EXISTS {RAW}")
            con.execute(f"DROP TABLE IF EXISTS {CHECKED}")
            con.execute("CHECKPOINT")
        finally:
            con.close()

    def count(self, table: str, where: str = "true") -> int:
        row = self.con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
        return int(row[0]) if row else 0

    def source_names(self, contract: DatasetContract) -> dict[str, str]:
        """Contract column -> source column, matched case-insensitively."""
        lowered = {name.lower(): name for name in self.source_columns}
        return {
            c.name: lowered[c.name.lower()] for c in contract.columns if c.name.lower() in lowered
        }

    def drift(self, contract: DatasetContract) -> DriftReport:
        names = self.source_names(contract)
        row = self.con.execute(failing_ratio_select(contract, names, RAW)).fetchone() or ()
        ratios = dict(zip(names, (float(v) for v in row), strict=False)) if names else {}
        return compare_columns(contract, self.source_columns, ratios)

    def nullable_columns(self) -> dict[str, bool]:
        counts = ", ".join(f"count(*) - count({ident(name)})" for name in self.source_columns)
        row = self.con.execute(f"SELECT {counts} FROM {RAW}").fetchone() or ()
        return {name: nulls > 0 for name, nulls in zip(self.source_columns, row, strict=True)}

    def sample(self, table: str, column: str) -> list[str]:
        rows = self.con.execute(
            f"SELECT CAST({ident(column)} AS VARCHAR) FROM {table} "
            f"WHERE {ident(column)} IS NOT NULL "
            f"USING SAMPLE reservoir({SAMPLE_SIZE} ROWS) REPEATABLE (7)"
        ).fetchall()
        return [row[0] for row in rows]

    def pii_candidates(self, detector: PiiDetector) -> dict[str, ColumnPii]:
        """Text columns of the raw batch whose sampled values hold PII."""
        found = {}
        for name, kind in self.source_columns.items():
            if kind.upper() == "VARCHAR":
                pii = column_pii(self.sample(RAW, name), detector)
                if pii.tag is not None:
                    found[name] = pii
        return found

    def check_and_load(self, contract: DatasetContract, detector: PiiDetector) -> LoadCounts:
        """Type and check every row; load the good ones into ``data`` with free-text spans."""
        names = self.source_names(contract)
        self.progress("check", 0, None)
        self.con.execute(f"CREATE TEMP TABLE {CHECKED} AS {checked_select(contract, names, RAW)}")
        read = self.count(CHECKED)
        good = self.count(CHECKED, f"{REASON} = ''")
        self.progress("check", read, read)
        reasons = dict(
            self.con.execute(
                f"SELECT {REASON}, count(*) FROM {CHECKED} WHERE {REASON} <> '' "
                f"GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
        )
        columns = [ident(c.name) for c in contract.columns]
        for index, column in enumerate(c for c in contract.columns if c.is_free_text):
            columns += self._tag_column(column.name, f"hqg_spans_{index}", detector)
        self.con.execute(
            f"CREATE TABLE data AS SELECT {', '.join(columns)} FROM {CHECKED} "
            f"WHERE {REASON} = '' ORDER BY {ROW}"
        )
        return LoadCounts(read=read, good=good, bad=read - good, reasons=reasons)

    def _tag_column(self, column: str, table: str, detector: PiiDetector) -> list[str]:
        """Detect spans in a free-text column once; returns the companion column expressions."""
        rows = self.con.execute(
            f"SELECT {ROW}, {ident(column)} FROM {CHECKED} "
            f"WHERE {REASON} = '' AND {ident(column)} IS NOT NULL"
        ).fetchall()
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            if done % 25 == 0 or done == len(rows):
                self.progress(f"pii:{column}", done, len(rows))

        spans, masked = tag_free_text([row[1] for row in rows], detector, tick=tick)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT unnest(?::BIGINT[]) AS r, "
            "unnest(?::VARCHAR[]) AS pii, unnest(?::VARCHAR[]) AS masked",
            [[row[0] for row in rows], spans, masked],
        )
        return [
            f"(SELECT pii FROM {table} s WHERE s.r = {CHECKED}.{ROW}) "
            f"AS {ident(column + PII_SUFFIX)}",
            f"(SELECT masked FROM {table} s WHERE s.r = {CHECKED}.{ROW}) "
            f"AS {ident(column + MASKED_SUFFIX)}",
        ]

    def untagged_pii_warnings(self, contract: DatasetContract, detector: PiiDetector) -> list[str]:
        warnings = []
        for column in contract.columns:
            if column.type != "VARCHAR" or column.pii_entity or column.is_free_text:
                continue
            warning = column_pii(self.sample("data", column.name), detector).warning(column.name)
            if warning is not None:
                warnings.append(warning)
        return warnings

    def write_quarantine(self, path: Path) -> None:
        """Copy every bad row, as its source text plus the reason, to the quarantine file."""
        self._write_rows(
            path,
            f"SELECT r.*, c.{REASON} AS reason FROM {RAW} r JOIN {CHECKED} c "
            f"USING ({ROW}) WHERE c.{REASON} <> ''",
        )

    def write_rejected(self, path: Path, reason: str) -> int:
        """Copy the whole batch to quarantine with one reason (schema drift)."""
        self._write_rows(path, f"SELECT *, {text(reason)} AS reason FROM {RAW}")
        return self.count(RAW)

    def _write_rows(self, path: Path, select: str) -> None:
        self.con.execute(f"ATTACH {text(str(path))} AS hqg_quarantine")
        try:
            self.con.execute(f"CREATE TABLE hqg_quarantine.rows AS {select} ORDER BY {ROW}")
        finally:
            self.con.execute("DETACH hqg_quarantine")

    def as_of(self, contract: DatasetContract) -> datetime | None:
        """The newest value of the contract's as-of column, as an aware UTC datetime."""
        if contract.as_of_column is None:
            return None
        row = self.con.execute(f"SELECT max({ident(contract.as_of_column)}) FROM data").fetchone()
        value = row[0] if row else None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        return None


def _check_size(source: SourceFile, *, columns: int, rows: int, limits: IngestLimits) -> None:
    for name, value, limit, unit in (
        ("max_table_columns", columns, limits.max_table_columns, "columns"),
        ("max_table_rows", rows, limits.max_table_rows, "rows"),
    ):
        problem = over_limit(name, value, limit, unit=unit)
        if problem is not None:
            raise IngestError(f"{source.path}: {problem}")

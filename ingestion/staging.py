"""The staging DuckDB file of one ingest run: load, check, tag, quarantine.

Everything happens inside the file that, if the run succeeds, is renamed into place as the new
version. It holds one table, ``data``: the contract's columns, plus ``<col>__pii`` and
``<col>__masked`` companions for free-text columns. A batch that passes every check is typed
straight into ``data`` in one pass (``load_clean``); any other batch is loaded raw into a
temporary table, checked row by row and quarantined with a reason per bad row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from hqg.errors import IngestError
from ingestion.checks import (
    BAD,
    REASON,
    ROW,
    checked_select,
    clean_check_select,
    clean_select,
    failing_ratio_select,
    has_cast_flag,
)
from ingestion.contracts import DatasetContract
from ingestion.drift import DriftReport, compare_columns
from ingestion.duck import ident, text
from ingestion.limits import IngestLimits, over_limit
from ingestion.pii_tagging import (
    MASKED_SUFFIX,
    PII_SUFFIX,
    SAMPLE_SIZE,
    ColumnPii,
    columns_pii,
    tag_free_text,
)
from ingestion.sources import Sniffed, SourceFile
from privacy.detector import PiiDetector

RAW = "hqg_raw"
CHECKED = "hqg_checked"
#: DuckDB counts distinct integer keys with a perfect hash table (one slot per value of the
#: key's min..max range: ~1/6 of the CPU of hashing them) only when that range fits in
#: ``perfect_ht_threshold`` bits (default 12, 4,096 values). The key check of a batch allows
#: about twice its row count, so a dense surrogate key takes it while the table stays bounded
#: by the batch's size (a sparse key keeps the ordinary hash aggregate), and at most 2^22 slots.
_PERFECT_HASH_BITS = (12, 22)


@dataclass(frozen=True)
class LoadCounts:
    read: int
    good: int
    bad: int
    reasons: dict[str, int]


def one_pass(contract: DatasetContract) -> bool:
    """Whether a batch under ``contract`` may take ``Staging.load_clean``: not when it has
    free-text columns, whose NER costs far more than the load (the checked path tags them)."""
    return not any(column.is_free_text for column in contract.columns)


class Staging:
    """A connection to one run's staging file; open it with ``Staging.open``, then load the
    batch with ``load_clean`` (one pass, contract given) or ``load_raw`` (checked path)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        source: SourceFile,
        limits: IngestLimits,
        progress: Callable[[str, int, int | None], None],
    ) -> None:
        self.con, self.source, self.limits = con, source, limits
        self.progress = progress
        self.source_columns: dict[str, str] = {}

    @classmethod
    @contextmanager
    def open(
        cls,
        path: Path,
        source: SourceFile,
        *,
        limits: IngestLimits,
        progress: Callable[[str, int, int | None], None],
    ) -> Iterator[Staging]:
        con = duckdb.connect(str(path), config={"threads": 2})
        # DuckDB 2.0 pushes casts into the CSV reader as strict casts: a TRY_CAST would then
        # fail the whole load instead of flagging the row, and the reader's parse rules are
        # not TRY_CAST's; the contract's checks are defined by TRY_CAST alone
        con.execute("SET disabled_optimizers = 'type_pushdown'")
        try:
            yield cls(con, source, limits, progress)
            con.execute(f"DROP TABLE IF EXISTS {RAW}")
            con.execute(f"DROP TABLE IF EXISTS {CHECKED}")
            con.execute("CHECKPOINT")
        finally:
            con.close()

    def load_raw(self, *, all_varchar: bool) -> None:
        """Load the batch as it is, numbered; a file over the column or row limit is refused
        here, before any per-column work (inference, PII tagging) can cost columns × rows."""
        self.progress("load", 0, None)
        scan = self.source.scan_sql(all_varchar=all_varchar)
        self.con.execute(
            f"CREATE TEMP TABLE {RAW} AS SELECT row_number() OVER () AS {ROW}, * FROM {scan}"
        )
        described = self.con.execute(f"DESCRIBE {RAW}").fetchall()
        self.source_columns = {row[0]: row[1] for row in described if row[0] != ROW}
        rows = self.count(RAW)
        self._check_size(columns=len(self.source_columns), rows=rows)
        self.progress("load", rows, rows)

    def load_clean(
        self,
        contract: DatasetContract,
        *,
        sniffed: Sniffed | None = None,
        on_typed: Callable[[], object] | None = None,
    ) -> LoadCounts | None:
        """Type, check and load the batch into ``data`` in one pass over the source, when it
        passes every check; None (nothing kept) when it does not, for ``load_raw``.

        A clean batch is the common case and needs no row numbers, no raw copy and no second
        table: this is what keeps a large ingest near DuckDB's own load speed. Free-text
        columns take the checked path (``one_pass``).

        ``sniffed`` is the source's ``SourceFile.sniff()`` when the caller sniffed it already
        (the load then reads the file with that dialect instead of sniffing it again).
        ``on_typed`` runs once ``data`` holds the typed rows, before they are
        checked: a caller may read ``data`` there and start work that runs while DuckDB checks
        (work it must discard if this returns None).
        """
        if not one_pass(contract):
            return None
        sniffed = sniffed if sniffed is not None else self.source.sniff()
        scan = self.source.scan_sql(all_varchar=True, sniffed=sniffed)
        self.source_columns = dict(sniffed.columns)
        self._check_size(columns=len(self.source_columns), rows=0)
        if compare_columns(contract, self.source_columns, {}).has_drift:
            return None
        self.progress("load", 0, None)
        self.con.execute(
            f"CREATE TABLE data AS {clean_select(contract, self.source_names(contract), scan)}"
        )
        if on_typed is not None:
            on_typed()
        low, high = _PERFECT_HASH_BITS
        bits = min(high, max(low, self.count("data").bit_length() + 1))
        self.con.execute(f"SET perfect_ht_threshold = {bits}")
        row = self.con.execute(clean_check_select(contract, "data")).fetchone()
        read, failures, keys = (int(value) for value in row) if row else (0, 0, 0)
        self._check_size(columns=len(self.source_columns), rows=read)
        self.progress("load", read, read)
        if failures or keys != read:
            self.con.execute("DROP TABLE data")
            return None
        if has_cast_flag(contract):
            self.con.execute(f"ALTER TABLE data DROP COLUMN {BAD}")
        self.progress("check", read, read)
        return LoadCounts(read=read, good=read, bad=0, reasons={})

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
        samples = {
            name: self.sample(RAW, name)
            for name, kind in self.source_columns.items()
            if kind.upper() == "VARCHAR"
        }
        found = columns_pii(samples, detector)
        return {name: pii for name, pii in found.items() if pii.tag is not None}

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

    def untagged_samples(self, contract: DatasetContract) -> dict[str, list[str]]:
        """Sampled values of ``data``'s text columns that carry no ``pii:`` or ``free_text``
        tag, for ``pii_tagging.untagged_pii_warnings``."""
        return {
            column.name: self.sample("data", column.name)
            for column in contract.columns
            if column.type == "VARCHAR" and not column.pii_entity and not column.is_free_text
        }

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

    def _check_size(self, *, columns: int, rows: int) -> None:
        for name, value, limit, unit in (
            ("max_table_columns", columns, self.limits.max_table_columns, "columns"),
            ("max_table_rows", rows, self.limits.max_table_rows, "rows"),
        ):
            problem = over_limit(name, value, limit, unit=unit)
            if problem is not None:
                raise IngestError(f"{self.source.path}: {problem}")

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

"""The catalog: datasets, their contracts, versions and ingest runs, in one SQLite file.

SQLite (WAL) because many processes touch it at once: the gateway reads it on every request to
learn which version file serves each dataset, while ``hqg ingest`` commits new versions. A
version becomes visible in the same transaction that bumps ``generation``, so a reader that
sees a new generation sees a complete version file.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hqg.errors import NotFound
from ingestion.contracts import DatasetContract, parse_contract
from ingestion.sqlite import CatalogFile, bump_generation

_SCHEMA = """
INSERT OR IGNORE INTO meta VALUES ('schema', '1');
CREATE TABLE IF NOT EXISTS datasets (
    name TEXT PRIMARY KEY,
    contract TEXT NOT NULL,
    contract_origin TEXT NOT NULL,
    current_version TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    dataset TEXT NOT NULL,
    version TEXT NOT NULL,
    seq INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    quarantined_count INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_mtime TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    file TEXT NOT NULL,
    pii_detector TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (dataset, version)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    source_path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    version TEXT,
    quarantine_file TEXT,
    report TEXT NOT NULL
);
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


class DatasetVersion(BaseModel):
    """One immutable version of a dataset, as recorded at ingest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str
    version: str
    seq: int
    row_count: int
    quarantined_count: int
    content_hash: str
    source_path: str
    source_mtime: datetime
    ingested_at: datetime
    as_of: datetime
    file: Path  # relative to the workspace home, so a workspace can be moved
    #: The PII detector version (models + known-entity generation) that found the spans of
    #: this version's free-text columns; "" when it has none (or was recorded before this
    #: field). ``hqg ingest`` re-scans a version whose detector version is not the current one.
    pii_detector: str = ""

    def pii_stale(self, contract: DatasetContract, detector_version: str) -> bool:
        """Free-text spans found by another detector version than ``detector_version``."""
        has_free_text = any(column.is_free_text for column in contract.columns)
        return has_free_text and self.pii_detector != detector_version

    def age(self, now: datetime | None = None) -> float:
        """Seconds since ``as_of``."""
        return ((now or utcnow()) - self.as_of).total_seconds()


class Dataset(BaseModel):
    """A dataset's contract and the version that currently serves it (None before the first)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contract: DatasetContract
    contract_origin: str  # "file" or "inferred"
    current: DatasetVersion | None

    @property
    def name(self) -> str:
        return self.contract.name

    def is_stale(self, now: datetime | None = None) -> bool:
        return (
            self.current is None
            or self.current.age(now) > self.contract.freshness_sla.total_seconds()
        )


class IngestRun(BaseModel):
    """What one ingest run did, whatever its outcome; nothing is lost silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    dataset: str
    started_at: datetime
    finished_at: datetime
    outcome: str  # committed | unchanged | rejected
    source_path: str
    content_hash: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    version: str | None
    quarantine_file: str | None
    report: dict[str, object]


class Catalog(CatalogFile):
    """Read and write the catalog of one workspace."""

    schema = _SCHEMA

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        with self._connect() as con:
            _add_missing_columns(con)

    def datasets(self) -> list[Dataset]:
        with self._connect() as con:
            rows = con.execute("SELECT * FROM datasets ORDER BY name").fetchall()
            return [self._dataset(con, row) for row in rows]

    def dataset(self, name: str) -> Dataset:
        with self._connect() as con:
            row = con.execute("SELECT * FROM datasets WHERE name = ?", (name.lower(),)).fetchone()
            if row is None:
                raise NotFound(f"dataset {name!r} is not in the catalog")
            return self._dataset(con, row)

    def find(self, name: str) -> Dataset | None:
        try:
            return self.dataset(name)
        except NotFound:
            return None

    def versions(self, name: str) -> list[DatasetVersion]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT * FROM versions WHERE dataset = ? ORDER BY seq", (name.lower(),)
            ).fetchall()
        return [_version(row) for row in rows]

    def runs(self, name: str | None = None) -> list[IngestRun]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT * FROM runs WHERE ? IS NULL OR dataset = ? ORDER BY started_at",
                (name and name.lower(),) * 2,
            ).fetchall()
        return [_run(row) for row in rows]

    def record_run(
        self,
        run: IngestRun,
        *,
        version: DatasetVersion | None = None,
        contract: tuple[DatasetContract, str] | None = None,
    ) -> None:
        """Record a run; with ``version`` (and its contract, origin) make it current atomically.

        Contract and version change in one transaction, so no reader sees a contract naming a
        column the serving version lacks.
        """
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            if contract is not None:
                _upsert_contract(con, *contract)
            if version is not None:
                con.execute(
                    _INSERT_VERSION,
                    (
                        version.dataset,
                        version.version,
                        version.seq,
                        version.row_count,
                        version.quarantined_count,
                        version.content_hash,
                        version.source_path,
                        version.source_mtime.isoformat(),
                        version.ingested_at.isoformat(),
                        version.as_of.isoformat(),
                        str(version.file),
                        version.pii_detector,
                    ),
                )
                con.execute(
                    "UPDATE datasets SET current_version = ?, updated_at = ? WHERE name = ?",
                    (version.version, utcnow().isoformat(), version.dataset),
                )
                bump_generation(con)
            con.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run.run_id,
                    run.dataset,
                    run.started_at.isoformat(),
                    run.finished_at.isoformat(),
                    run.outcome,
                    run.source_path,
                    run.content_hash,
                    run.rows_read,
                    run.rows_loaded,
                    run.rows_quarantined,
                    run.version,
                    run.quarantine_file,
                    json.dumps(run.report, default=str),
                ),
            )
            con.execute("COMMIT")

    def next_seq(self, name: str) -> int:
        with self._connect() as con:
            row = con.execute(
                "SELECT COALESCE(MAX(seq), 0) AS seq FROM versions WHERE dataset = ?",
                (name.lower(),),
            ).fetchone()
        return int(row["seq"]) + 1

    def _dataset(self, con: sqlite3.Connection, row: sqlite3.Row) -> Dataset:
        contract = parse_contract(json.loads(row["contract"]), source=f"catalog:{row['name']}")
        current = None
        if row["current_version"] is not None:
            vrow = con.execute(
                "SELECT * FROM versions WHERE dataset = ? AND version = ?",
                (row["name"], row["current_version"]),
            ).fetchone()
            current = _version(vrow)
        return Dataset(contract=contract, contract_origin=row["contract_origin"], current=current)


_INSERT_VERSION = (
    "INSERT INTO versions (dataset, version, seq, row_count, quarantined_count, content_hash,"
    " source_path, source_mtime, ingested_at, as_of, file, pii_detector)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
#: Columns added after a catalog may have been created: (table, column, definition).
_ADDED_COLUMNS = (("versions", "pii_detector", "TEXT NOT NULL DEFAULT ''"),)


def _add_missing_columns(con: sqlite3.Connection) -> None:
    """Bring a catalog created by an earlier hqg up to this schema (idempotent)."""
    for table, column, definition in _ADDED_COLUMNS:
        present = {row["name"] for row in con.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def _upsert_contract(con: sqlite3.Connection, contract: DatasetContract, origin: str) -> None:
    con.execute(
        "INSERT INTO datasets (name, contract, contract_origin, current_version, updated_at)"
        " VALUES (?, ?, ?, NULL, ?) ON CONFLICT(name) DO UPDATE SET"
        " contract = excluded.contract, contract_origin = excluded.contract_origin,"
        " updated_at = excluded.updated_at",
        (contract.name, contract.model_dump_json(), origin, utcnow().isoformat()),
    )
    bump_generation(con)


def _version(row: sqlite3.Row) -> DatasetVersion:
    return DatasetVersion(
        dataset=row["dataset"],
        version=row["version"],
        seq=row["seq"],
        row_count=row["row_count"],
        quarantined_count=row["quarantined_count"],
        content_hash=row["content_hash"],
        source_path=row["source_path"],
        source_mtime=datetime.fromisoformat(row["source_mtime"]),
        ingested_at=datetime.fromisoformat(row["ingested_at"]),
        as_of=datetime.fromisoformat(row["as_of"]),
        file=Path(row["file"]),
        pii_detector=row["pii_detector"],
    )


def _run(row: sqlite3.Row) -> IngestRun:
    return IngestRun(
        run_id=row["run_id"],
        dataset=row["dataset"],
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=datetime.fromisoformat(row["finished_at"]),
        outcome=row["outcome"],
        source_path=row["source_path"],
        content_hash=row["content_hash"],
        rows_read=row["rows_read"],
        rows_loaded=row["rows_loaded"],
        rows_quarantined=row["rows_quarantined"],
        version=row["version"],
        quarantine_file=row["quarantine_file"],
        report=json.loads(row["report"]),
    )

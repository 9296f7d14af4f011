"""Reading source files: format by extension, content hash, and the DuckDB scan to load them.

The scan SQL is built by this module alone; the path is bound as an escaped literal so a file
name can never become SQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import duckdb

from hqg.errors import IngestError

_CHUNK = 1 << 20


class SourceFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    JSON = "json"


_EXTENSIONS = {
    ".csv": SourceFormat.CSV,
    ".tsv": SourceFormat.CSV,
    ".parquet": SourceFormat.PARQUET,
    ".pq": SourceFormat.PARQUET,
    ".json": SourceFormat.JSON,
    ".ndjson": SourceFormat.JSON,
    ".jsonl": SourceFormat.JSON,
}


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest, with what we know before reading its rows."""

    path: Path
    format: SourceFormat
    size: int
    mtime: datetime

    @classmethod
    def open(cls, path: Path) -> SourceFile:
        resolved = path.expanduser().resolve()
        fmt = _EXTENSIONS.get(resolved.suffix.lower())
        if fmt is None:
            known = ", ".join(sorted(_EXTENSIONS))
            raise IngestError(f"{path}: unsupported file type; expected one of {known}")
        try:
            stat = resolved.stat()
        except OSError as exc:
            raise IngestError(f"{path}: cannot read source ({exc.strerror})") from exc
        if not resolved.is_file():
            raise IngestError(f"{path}: not a regular file")
        return cls(resolved, fmt, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def content_hash(self) -> str:
        """SHA-256 of the file's bytes: the identity of its content for idempotent ingest."""
        digest = hashlib.sha256()
        try:
            with self.path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise IngestError(f"{self.path}: cannot read source ({exc.strerror})") from exc
        return digest.hexdigest()

    def columns(self) -> dict[str, str]:
        """Column name -> type of ``scan_sql(all_varchar=True)``: DuckDB's sniff of the file,
        on a connection of its own, so it can run before a staging file exists (beside the
        hash, which it does not need)."""
        with duckdb.connect(":memory:") as con:
            scan = self.scan_sql(all_varchar=True)
            sql = f"DESCRIBE SELECT * FROM {scan}"  # noqa: S608 (scan_sql escapes the path)
            described = con.execute(sql).fetchall()
        return {row[0]: row[1] for row in described}

    def scan_sql(self, *, all_varchar: bool) -> str:
        """The DuckDB table expression that reads this file.

        CSV is read as text when a contract exists, so the contract (not DuckDB's sniffer)
        decides types: a sniffed BIGINT would silently drop the leading zero of a postcode.
        """
        literal = "'" + str(self.path).replace("'", "''") + "'"
        if self.format is SourceFormat.CSV:
            options = ", all_varchar = true" if all_varchar else ""
            delim = ", delim = '\\t'" if self.path.suffix.lower() == ".tsv" else ""
            return f"read_csv({literal}, header = true{delim}{options})"
        if self.format is SourceFormat.PARQUET:
            return f"read_parquet({literal})"
        return f"read_json_auto({literal})"

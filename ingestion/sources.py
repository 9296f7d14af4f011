"""Reading source files: format by extension, content hash, and the DuckDB scan to load them.

The scan SQL is built by this module alone; the path and every sniffed option are bound as
escaped literals so a file name or a header can never become SQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import duckdb

from hqg.errors import IngestError
from ingestion.duck import text

_CHUNK = 1 << 20
#: ``sniff_csv`` fields that, with the skipped rows and the columns, pin down how DuckDB's
#: sniffer reads a file (the same list its own ``Prompt`` field spells out), by option name.
_DIALECT = (
    ("Delimiter", "delim"),
    ("Quote", "quote"),
    ("Escape", "escape"),
    ("NewLineDelimiter", "new_line"),
    ("Comment", "comment"),
)
_EMPTY = "(empty)"  # how ``sniff_csv`` spells "no quote / escape / comment character"


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
class Sniffed:
    """What DuckDB's sniffer found in a file: its columns (name -> type, as text when read
    ``all_varchar``) and, for CSV, the explicit ``read_csv`` options that read the file exactly
    as the sniffer decided, so a load after the sniff need not sniff again (~0.04 s of CPU per
    file, however large)."""

    columns: dict[str, str]
    options: str = ""


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

    def sniff(self) -> Sniffed:
        """DuckDB's sniff of ``scan_sql(all_varchar=True)``, on a connection of its own, so it
        can run before a staging file exists (beside the hash, which it does not need).

        A CSV's dialect comes back as explicit options (``scan_sql(sniffed=...)``); any other
        format has nothing to sniff but its columns.
        """
        with duckdb.connect(":memory:") as con:
            if self.format is not SourceFormat.CSV:
                scan = self.scan_sql(all_varchar=True)
                sql = f"DESCRIBE SELECT * FROM {scan}"  # noqa: S608 (scan_sql escapes the path)
                return Sniffed({row[0]: row[1] for row in con.execute(sql).fetchall()})
            fields = ", ".join(field for field, _ in _DIALECT)
            arguments = self._csv_arguments(all_varchar=True)
            sql = f"SELECT {fields}, SkipRows, Columns FROM sniff_csv({arguments})"  # noqa: S608
            row = con.execute(sql).fetchone()
        if row is None:  # pragma: no cover (sniff_csv answers one row or raises)
            raise IngestError(f"{self.path}: DuckDB could not sniff the file")
        *dialect, skip, described = row
        columns = {str(column["name"]): str(column["type"]) for column in described}
        options = [
            f"{option} = {text('' if value == _EMPTY else str(value))}"
            for (_, option), value in zip(_DIALECT, dialect, strict=True)
        ]
        typed = ", ".join(f"{text(name)}: {text(kind)}" for name, kind in columns.items())
        options += [f"skip = {int(skip)}", f"columns = {{{typed}}}"]
        return Sniffed(columns, "auto_detect = false, " + ", ".join(options))

    def scan_sql(self, *, all_varchar: bool, sniffed: Sniffed | None = None) -> str:
        """The DuckDB table expression that reads this file.

        CSV is read as text when a contract exists, so the contract (not DuckDB's sniffer)
        decides types: a sniffed BIGINT would silently drop the leading zero of a postcode.
        ``sniffed`` (this file's ``sniff()``, so read as text) reads a CSV with the dialect
        found then instead of sniffing it again.
        """
        if self.format is SourceFormat.CSV:
            if sniffed is not None and sniffed.options:
                if not all_varchar:
                    raise ValueError("a sniffed CSV is read as text")
                path = text(str(self.path))
                return f"read_csv({path}, header = true, all_varchar = true, {sniffed.options})"
            return f"read_csv({self._csv_arguments(all_varchar=all_varchar)})"
        if self.format is SourceFormat.PARQUET:
            return f"read_parquet({text(str(self.path))})"
        return f"read_json_auto({text(str(self.path))})"

    def _csv_arguments(self, *, all_varchar: bool) -> str:
        """The path and the options DuckDB's sniffer starts from (it decides the rest)."""
        options = ", all_varchar = true" if all_varchar else ""
        delim = ", delim = '\\t'" if self.path.suffix.lower() == ".tsv" else ""
        return f"{text(str(self.path))}, header = true{delim}{options}"

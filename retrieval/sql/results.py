"""What a governed SQL query returns, and how DuckDB values become JSON-safe.

Value mapping (documented for API consumers, docs/sql.md "Types in JSON"): DATE/TIME/TIMESTAMP ->
ISO 8601 strings; DECIMAL -> string (exact; a float would silently round money); the integer
types wider than a JSON number holds exactly in every reader (HUGEINT, UHUGEINT, UBIGINT) ->
string, every value of the column, so a column's JSON type never depends on its values (each
result column says it: ``json_type``); INTERVAL -> ISO-ish ``str(timedelta)``;
UUID -> string; BLOB -> lower-case hex; non-finite DOUBLE -> ``"NaN"``/``"Infinity"``/
``"-Infinity"``; LIST/STRUCT/MAP -> arrays/objects of the same mapping; everything else as is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, JsonValue

from privacy.operators import MaskKind
from retrieval.provenance import ChunkRef


def json_safe(value: Any) -> JsonValue:
    """Map one DuckDB Python value to a JSON value (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID | timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)


#: DuckDB types whose values are JSON strings to keep them exact (``DECIMAL(p,s)`` by prefix).
STRING_NUMBER_TYPES = frozenset({"HUGEINT", "UHUGEINT", "UBIGINT", "DECIMAL"})
_JSON_NUMBER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
    | {"FLOAT", "DOUBLE", "REAL"}
)


def _base_type(duckdb_type: str) -> str:
    return duckdb_type.upper().split("(", 1)[0].strip()


def json_type(duckdb_type: str) -> str:
    """The JSON type a column's values take (besides null): ``string`` for exact numbers kept
    as text (``STRING_NUMBER_TYPES``) and for dates, times, UUIDs, blobs; ``number``,
    ``boolean``, ``array`` (lists, arrays) or ``object`` (structs, maps) otherwise. DOUBLE is
    ``number`` though non-finite values are the strings ``"NaN"``/``"Infinity"``."""
    kind = duckdb_type.upper()
    if kind.endswith("]"):
        return "array"
    base = _base_type(kind)
    if base in ("STRUCT", "MAP", "UNION"):
        return "object"
    if base == "BOOLEAN":
        return "boolean"
    return "number" if base in _JSON_NUMBER_TYPES else "string"


def is_numeric_type(duckdb_type: str) -> bool:
    """Whether a column holds numbers, whether JSON writes them as numbers or as exact text."""
    return _base_type(duckdb_type) in _JSON_NUMBER_TYPES | STRING_NUMBER_TYPES


def json_safe_row(row: tuple[Any, ...], types: tuple[str, ...] = ()) -> tuple[JsonValue, ...]:
    """``row`` as JSON values; a value of a ``STRING_NUMBER_TYPES`` column (``types`` are the
    columns' DuckDB types) is its exact decimal text."""
    exact = [_base_type(kind) in STRING_NUMBER_TYPES for kind in types]
    return tuple(
        str(value) if i < len(exact) and exact[i] and isinstance(value, int) else json_safe(value)
        for i, value in enumerate(row)
    )


class ResultColumn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: str  # the DuckDB type
    json_type: str = ""  # how its values are written in JSON (``json_type``); "" if unknown


class DatasetRead(BaseModel):
    """A dataset a query read: provenance (name + version) and what policy did to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    version: str
    withheld: int
    masked: Mapping[str, MaskKind]
    row_filtered: bool


class SqlResult(BaseModel):
    """The outcome of one governed query; the gateway wraps it with policy and audit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: tuple[ResultColumn, ...]
    rows: tuple[tuple[JsonValue, ...], ...]
    row_count: int
    truncated: bool
    withheld: Mapping[str, int]
    sql_submitted: str
    sql_executed: str
    datasets: tuple[DatasetRead, ...]
    chunks: tuple[ChunkRef, ...] = ()  # document chunks read through vector_search()

    @property
    def masking(self) -> dict[str, dict[str, MaskKind]]:
        """Dataset -> column -> applied mask kind, for the response's ``masking`` field."""
        return {read.name: dict(read.masked) for read in self.datasets}

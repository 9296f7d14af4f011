"""What a governed SQL query returns, and how DuckDB values become JSON-safe.

Value mapping (documented for API consumers): DATE/TIME/TIMESTAMP -> ISO 8601 strings; DECIMAL ->
string (exact; a float would silently round money); INTERVAL -> ISO-ish ``str(timedelta)``;
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


def json_safe_row(row: tuple[Any, ...]) -> tuple[JsonValue, ...]:
    return tuple(json_safe(value) for value in row)


class ResultColumn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: str


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

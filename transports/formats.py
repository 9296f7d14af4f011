"""The tabular formats of a released SQL response: JSON (the model), CSV and Arrow IPC stream.

Every format renders the ``SqlResponse`` the egress guard already released: a format changes the
encoding, never what is shown. JSON is the response model itself (values as documented in
``retrieval.sql.results``). CSV (RFC 4180, a header row, NULL as an empty field) carries the
rows only, every text cell safe to open in a spreadsheet (``spreadsheet_safe``); the request
id, decision id, row count and truncation travel in ``X-Hqg-*`` headers (``summary_headers``).
The Arrow IPC stream has one typed column per result column (DuckDB's type kept in the field's
``duckdb_type`` metadata) and the whole response but its rows as JSON in the schema metadata
key ``hqg``, so masking, withheld counts and provenance are not lost.

Shared by the REST route and ``hqg sql --format``; pyarrow is optional (the ``arrow`` extra)
and only the Arrow format needs it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gateway.responses import SqlResponse
from hqg.errors import InvalidParameter, Unavailable
from retrieval.sql.results import is_numeric_type

if TYPE_CHECKING:
    import pyarrow as pa


class TableFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    ARROW = "arrow"


MEDIA_TYPES: Mapping[TableFormat, str] = {
    TableFormat.JSON: "application/json",
    TableFormat.CSV: "text/csv",
    TableFormat.ARROW: "application/vnd.apache.arrow.stream",
}
_BY_MEDIA_TYPE = {media: kind for kind, media in MEDIA_TYPES.items()}


def negotiate(format_name: str | None, accept: str | None) -> TableFormat:
    """``format`` when given (an unknown one is a 400 naming the choices), else the first
    ``Accept`` media type hqg renders, else JSON (``*/*``, none, or only unknown types)."""
    chosen = _chosen(format_name, accept)
    if chosen is TableFormat.ARROW:
        _pyarrow()  # refused before the query runs, not after
    return chosen


def _chosen(format_name: str | None, accept: str | None) -> TableFormat:
    if format_name is not None:
        try:
            return TableFormat(format_name.strip().lower())
        except ValueError:
            choices = ", ".join(kind.value for kind in TableFormat)
            raise InvalidParameter(f"format must be one of {choices}", parameter="format") from None
    for part in (accept or "").split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in _BY_MEDIA_TYPE:
            return _BY_MEDIA_TYPE[media]
    return TableFormat.JSON


def summary_headers(response: SqlResponse) -> dict[str, str]:
    """What a CSV or Arrow body does not carry about the answer, as response headers."""
    return {
        "X-Hqg-Request-Id": response.request_id,
        "X-Hqg-Decision-Id": response.decision.id,
        "X-Hqg-Row-Count": str(response.row_count),
        "X-Hqg-Truncated": "true" if response.truncated else "false",
    }


#: What makes a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula (a cell
    such as ``=HYPERLINK(...)`` from the data): the quote makes it literal text, as OWASP
    advises. For text cells only: a number such as ``-5`` is left as it is."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def to_csv(response: SqlResponse) -> str:
    """The rows as CSV with a header row; lists and structs as their JSON text, and every cell
    of a non-numeric column (and every column name) ``spreadsheet_safe``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(column.name) for column in response.columns])
    text = [not is_numeric_type(column.type) for column in response.columns]
    for row in response.rows:
        writer.writerow(
            [
                spreadsheet_safe(_csv_cell(value)) if text[i] else _csv_cell(value)
                for i, value in enumerate(row)
            ]
        )
    return buffer.getvalue()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def to_arrow_ipc(response: SqlResponse) -> bytes:
    """The response as one Arrow IPC stream (schema, then one record batch)."""
    pa = _pyarrow()
    fields, arrays = [], []
    for index, column in enumerate(response.columns):
        arrow_type, convert = _arrow_type(pa, column.type)
        values = [None if row[index] is None else convert(row[index]) for row in response.rows]
        fields.append(pa.field(column.name, arrow_type, metadata={"duckdb_type": column.type}))
        arrays.append(pa.array(values, type=arrow_type))
    summary = response.model_dump(mode="json", exclude={"rows"})
    schema = pa.schema(fields, metadata={"hqg": json.dumps(summary)})
    table = pa.Table.from_arrays(arrays, schema=schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.ipc  # binds pa.ipc
    except ImportError as exc:
        raise Unavailable(
            "the Arrow format needs pyarrow on the server: pip install 'hqg[arrow]'"
        ) from exc
    return pa


Converter = Callable[[Any], Any]


def _arrow_type(pa: Any, duckdb_type: str) -> tuple[pa.DataType, Converter]:
    """The Arrow type of a DuckDB column and how one of its JSON values becomes that type;
    anything without an exact Arrow twin (HUGEINT, INTERVAL, nested types) is a string."""
    kind = duckdb_type.upper().strip()
    simple: dict[str, tuple[pa.DataType, Converter]] = {
        "BOOLEAN": (pa.bool_(), bool),
        "TINYINT": (pa.int8(), int),
        "SMALLINT": (pa.int16(), int),
        "INTEGER": (pa.int32(), int),
        "BIGINT": (pa.int64(), int),
        "UTINYINT": (pa.uint8(), int),
        "USMALLINT": (pa.uint16(), int),
        "UINTEGER": (pa.uint32(), int),
        "UBIGINT": (pa.uint64(), int),
        "FLOAT": (pa.float32(), float),
        "DOUBLE": (pa.float64(), float),
        "DATE": (pa.date32(), date.fromisoformat),
        "TIMESTAMP": (pa.timestamp("us"), datetime.fromisoformat),
        "TIMESTAMP WITH TIME ZONE": (pa.timestamp("us", tz="UTC"), datetime.fromisoformat),
        "VARCHAR": (pa.string(), str),
    }
    if kind in simple:
        return simple[kind]
    if kind.startswith("DECIMAL(") and kind.endswith(")"):
        precision, scale = (int(part) for part in kind[len("DECIMAL(") : -1].split(","))
        return pa.decimal128(precision, scale), Decimal
    return pa.string(), _csv_cell

"""Writing rows in the formats the loaders read: CSV, Parquet, NDJSON and a JSON array.

Every writer is byte-for-byte deterministic: fixed column order, ``\\n`` line ends, and Parquet
written by one DuckDB thread from an in-memory table in insertion order.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from demo.values import Row, as_json, as_text


def write_csv(path: Path, rows: Sequence[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow(["" if v is None else as_text(v) for v in row.values()])


def write_ndjson(path: Path, rows: Sequence[Row]) -> None:
    lines = (_json({k: as_json(v) for k, v in row.items()}) for row in rows)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def write_json_array(path: Path, rows: Sequence[Row]) -> None:
    items = ",\n".join(f"  {_json({k: as_json(v) for k, v in row.items()})}" for row in rows)
    path.write_text(f"[\n{items}\n]\n", encoding="utf-8")


def write_parquet(path: Path, rows: Sequence[Row], *, types: dict[str, str]) -> None:
    """Load the rows into an in-memory DuckDB table of the contract's types, then ``COPY``.

    Each column travels as one list parameter of text and is cast in SQL (``unnest`` zips the
    lists in order), which keeps bulk loading out of ``executemany``.
    """
    import duckdb

    columns = list(rows[0])
    selects = ", ".join(
        f"CAST(unnest(${i}::VARCHAR[]) AS {types[name]}) AS {name}"
        for i, name in enumerate(columns, start=1)
    )
    params = [[as_text(row[name]) for row in rows] for name in columns]
    target = str(path).replace("'", "''")
    with duckdb.connect(":memory:") as con:
        con.execute("SET threads = 1")
        con.execute(f"CREATE TABLE rows AS SELECT {selects}", params)
        con.execute(f"COPY rows TO '{target}' (FORMAT PARQUET)")


def _json(item: dict[str, object]) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(", ", ": "))

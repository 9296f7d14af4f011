"""What the gateway answers, parsed loosely: known fields typed, unknown ones kept.

The models accept fields a newer gateway adds (``extra="allow"``), so an older client keeps
working; the server's own models stay the contract (docs/sql.md, docs/retrieval.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

JSON = Any


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Column(_Loose):
    name: str
    type: str  # the DuckDB type
    json_type: str = ""  # how values are written in JSON: "string" keeps DECIMAL etc. exact


class Decision(_Loose):
    id: str
    allow: bool | None = None
    reasons: tuple[str, ...] = ()
    policy_hash: str = ""


class SqlResult(_Loose):
    """``POST /v1/sql``: rows with their columns, and what policy withheld and masked."""

    request_id: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[JSON, ...], ...]
    row_count: int
    truncated: bool
    withheld: dict[str, int] = {}
    masking: dict[str, dict[str, str]] = {}
    provenance: dict[str, JSON] = {}
    freshness: tuple[dict[str, JSON], ...] = ()
    decision: Decision

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def records(self) -> list[dict[str, JSON]]:
        """One dict per row, column name -> JSON value."""
        names = self.column_names
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame``; DECIMAL columns as ``decimal.Decimal`` (exact), the 128-bit
        and unsigned 64-bit integers as Python ints. Needs pandas (``hqg-client[pandas]``)."""
        pandas = _optional("pandas", "pandas")
        frame = pandas.DataFrame(list(self.rows), columns=self.column_names)
        for column in self.columns:
            if column.json_type == "string" and _exact_number(column.type):
                convert = Decimal if column.type.upper().startswith("DECIMAL") else int
                frame[column.name] = [None if v is None else convert(v) for v in frame[column.name]]
        return frame

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` (types inferred from the values, DECIMAL as ``decimal128``).
        Needs pyarrow (``hqg-client[arrow]``)."""
        pyarrow = _optional("pyarrow", "arrow")
        data: dict[str, list[JSON]] = {}
        for index, column in enumerate(self.columns):
            values = [row[index] for row in self.rows]
            if column.type.upper().startswith("DECIMAL"):
                values = [None if v is None else Decimal(v) for v in values]
            data[column.name] = values
        return pyarrow.table(data)


def _exact_number(duckdb_type: str) -> bool:
    return duckdb_type.upper().split("(", 1)[0] in {"DECIMAL", "HUGEINT", "UHUGEINT", "UBIGINT"}


def _optional(module: str, extra: str) -> Any:
    try:
        return __import__(module)
    except ImportError as exc:
        raise ImportError(f"{module} is not installed: pip install 'hqg-client[{extra}]'") from exc


class Evidence(_Loose):
    """One released chunk: text masked for the caller, with provenance."""

    text: str
    score: float
    collection: str
    doc_id: str
    chunk_id: str
    title: str | None = None
    source: str = ""
    as_of: str = ""
    stale: bool = False
    content_hash: str = ""
    metadata: dict[str, JSON] = {}


class SearchResult(_Loose):
    """``POST /v1/search``."""

    request_id: str
    results: tuple[Evidence, ...]
    withheld: dict[str, int] = {}
    withheld_collections: int = 0
    decision: Decision


class Answer(_Loose):
    """``POST /v1/ask``: the answer, every sentence cited, or an abstention."""

    request_id: str
    answer: str
    citations: tuple[dict[str, JSON], ...] = ()
    abstained: bool = False
    decision: Decision


class Catalog(_Loose):
    """``GET /v1/catalog``: datasets (columns, types, tags, masks) and collections (payload
    fields, ``vector_search()`` columns) the caller may query; the rest counted."""

    request_id: str
    datasets: tuple[dict[str, JSON], ...]
    withheld: int = 0
    collections: tuple[dict[str, JSON], ...] = ()
    collections_withheld: int = 0
    decision: Decision

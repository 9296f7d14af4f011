"""Infer a contract on a dataset's first ingest without one.

The inferred contract errs on the side of protection: classification ``confidential``, and
columns whose sampled values look like PII are tagged ``pii:<ENTITY>`` so policy masks them, and
text columns holding PII inside free text are tagged ``free_text`` so their spans are found once
and masked, until the owner reviews the contract (``hqg contract show NAME``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ingestion.contracts import Classification, Column, DatasetContract
from ingestion.pii_tagging import ColumnPii

_SIMPLE = {
    "BOOLEAN": "BOOLEAN",
    "TINYINT": "INTEGER",
    "SMALLINT": "INTEGER",
    "INTEGER": "INTEGER",
    "UTINYINT": "INTEGER",
    "USMALLINT": "INTEGER",
    "BIGINT": "BIGINT",
    "UINTEGER": "BIGINT",
    "FLOAT": "DOUBLE",
    "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP_MS": "TIMESTAMP",
    "TIMESTAMP_S": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
}


def contract_type(duckdb_type: str) -> str:
    """Map a DuckDB column type to the contract's type vocabulary (text when unsure)."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return upper.replace(" ", "")
    return _SIMPLE.get(upper, "VARCHAR")


def infer_contract(
    name: str,
    source_columns: Mapping[str, str],
    *,
    pii: Mapping[str, ColumnPii],
    nullable: Mapping[str, bool],
) -> DatasetContract:
    """Build a contract from a batch's columns; ``pii`` says what each column's samples hold."""
    tags = {column: found.tag for column, found in pii.items()}
    columns = tuple(
        Column(
            name=column,
            type=contract_type(kind),
            nullable=nullable.get(column, True),
            tags=(tag,) if (tag := tags.get(column)) else (),
        )
        for column, kind in source_columns.items()
    )
    return DatasetContract(
        name=name,
        owner="unknown",
        description="Inferred on first ingest; review tags and classification.",
        classification=Classification.CONFIDENTIAL,
        columns=columns,
    )

"""Infer a contract on a dataset's first ingest without one.

The inferred contract errs on the side of protection: classification ``confidential``, and
columns whose sampled values look like PII are tagged ``pii:<ENTITY>`` so policy masks them
until the owner reviews the contract (``hqg contract show NAME``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ingestion.contracts import Classification, Column, DatasetContract

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
    pii_entities: Mapping[str, str],
    nullable: Mapping[str, bool],
) -> DatasetContract:
    """Build a contract from a batch's columns; ``pii_entities`` maps column -> entity type."""
    columns = tuple(
        Column(
            name=column,
            type=contract_type(kind),
            nullable=nullable.get(column, True),
            tags=(f"pii:{pii_entities[column]}",) if column in pii_entities else (),
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

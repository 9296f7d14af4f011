"""Row checks against a contract, as one DuckDB query that types every value and says why a
row is bad: a value that does not cast, a NULL where the contract forbids it, a duplicated or
missing primary key. Good rows (empty reason) are loaded; the others are quarantined with the
reason, so nothing is dropped silently.
"""

from __future__ import annotations

from ingestion.contracts import DatasetContract
from ingestion.duck import ident, text

ROW = "_hqg_row"
REASON = "_hqg_reason"


def checked_select(contract: DatasetContract, source_names: dict[str, str], raw: str) -> str:
    """SELECT over ``raw`` yielding the row number, typed contract columns and a reason.

    ``source_names`` maps each contract column to its name in the source (matched
    case-insensitively by the caller).
    """
    typed, reasons = [], []
    key = {name.lower() for name in contract.primary_key}
    for column in contract.columns:
        src = ident(source_names[column.name])
        cast = f"TRY_CAST({src} AS {column.type})"
        typed.append(f"{cast} AS {ident(column.name)}")
        reasons.append(
            f"CASE WHEN {src} IS NOT NULL AND {cast} IS NULL "
            f"THEN {text(f'{column.name}: not a valid {column.type}')} END"
        )
        if not column.nullable or column.name.lower() in key:
            reasons.append(
                f"CASE WHEN {src} IS NULL THEN {text(f'{column.name}: missing value')} END"
            )
    if contract.primary_key:
        partition = ", ".join(
            f"TRY_CAST({ident(source_names[name])} AS {_type(contract, name)})"
            for name in contract.primary_key
        )
        reasons.append(
            f"CASE WHEN count(*) OVER (PARTITION BY {partition}) > 1 "
            f"THEN {text('duplicate primary key')} END"
        )
    return (
        f"SELECT {ident(ROW)}, {', '.join(typed)}, "
        f"concat_ws('; ', {', '.join(reasons)}) AS {ident(REASON)} FROM {raw}"
    )


def failing_ratio_select(contract: DatasetContract, source_names: dict[str, str], raw: str) -> str:
    """One row: for each contract column present, the share of non-null values that fail."""
    parts = []
    for column in contract.columns:
        if column.name not in source_names:
            continue
        src = ident(source_names[column.name])
        parts.append(
            f"coalesce(count_if({src} IS NOT NULL AND TRY_CAST({src} AS {column.type}) IS NULL)"
            f" / nullif(count({src}), 0), 0) AS {ident(column.name)}"
        )
    return f"SELECT {', '.join(parts) or '1 AS none'} FROM {raw}"


def _type(contract: DatasetContract, name: str) -> str:
    column = contract.column(name)
    if column is None:  # the contract validator guarantees primary keys exist
        raise KeyError(name)
    return column.type

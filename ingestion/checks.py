"""Row checks against a contract, as one DuckDB query that types every value and says why a
row is bad: a value that does not cast, a NULL where the contract forbids it, a duplicated or
missing primary key. Good rows (empty reason) are loaded; the others are quarantined with the
reason, so nothing is dropped silently.

The same checks also exist as a yes/no per row (``clean_select`` plus ``duplicate_key_select``)
for the one-pass load of a batch that passes them all: a row is flagged exactly when
``checked_select`` would give it a reason, so the two paths accept the same batches.
"""

from __future__ import annotations

from ingestion.contracts import Column, DatasetContract
from ingestion.duck import ident, text

ROW = "_hqg_row"
REASON = "_hqg_reason"
BAD = "_hqg_bad"


def checked_select(contract: DatasetContract, source_names: dict[str, str], raw: str) -> str:
    """SELECT over ``raw`` yielding the row number, typed contract columns and a reason.

    ``source_names`` maps each contract column to its name in the source (matched
    case-insensitively by the caller).
    """
    typed, reasons = [], []
    for column in contract.columns:
        src = ident(source_names[column.name])
        cast = f"TRY_CAST({src} AS {column.type})"
        typed.append(f"{cast} AS {ident(column.name)}")
        reasons.append(
            f"CASE WHEN {src} IS NOT NULL AND {cast} IS NULL "
            f"THEN {text(f'{column.name}: not a valid {column.type}')} END"
        )
        if _required(contract, column):
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


def clean_select(contract: DatasetContract, source_names: dict[str, str], raw: str) -> str:
    """SELECT over ``raw`` yielding the typed contract columns and ``BAD``: true when the row
    has a value that does not cast or a NULL the contract forbids (``checked_select``'s
    per-row reasons; keys are checked on the typed table by ``duplicate_key_select``)."""
    typed, bad = [], []
    for column in contract.columns:
        src = ident(source_names[column.name])
        cast = f"TRY_CAST({src} AS {column.type})"
        typed.append(f"{cast} AS {ident(column.name)}")
        if _required(contract, column):
            bad.append(f"{cast} IS NULL")  # missing, or present and not castable
        elif column.type != "VARCHAR":  # text always casts to VARCHAR
            bad.append(f"({src} IS NOT NULL AND {cast} IS NULL)")
    flag = " OR ".join(bad) or "false"
    return f"SELECT {', '.join(typed)}, coalesce({flag}, false) AS {ident(BAD)} FROM {raw}"


def duplicate_key_select(contract: DatasetContract, table: str) -> str | None:
    """One row, one boolean: whether two rows of the typed ``table`` share a primary key."""
    if not contract.primary_key:
        return None
    key = ", ".join(ident(name) for name in contract.primary_key)
    return f"SELECT EXISTS (SELECT 1 FROM {table} GROUP BY {key} HAVING count(*) > 1)"


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


def _required(contract: DatasetContract, column: Column) -> bool:
    """A NULL here is a bad row: the contract forbids it, or the column is part of the key."""
    return not column.nullable or column.name.lower() in {k.lower() for k in contract.primary_key}


def _type(contract: DatasetContract, name: str) -> str:
    column = contract.column(name)
    if column is None:  # the contract validator guarantees primary keys exist
        raise KeyError(name)
    return column.type

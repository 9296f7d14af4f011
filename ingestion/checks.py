"""Row checks against a contract, as one DuckDB query that types every value and says why a
row is bad: a value that does not cast, a NULL where the contract forbids it, a duplicated or
missing primary key. Good rows (empty reason) are loaded; the others are quarantined with the
reason, so nothing is dropped silently.

The same checks also exist as counts (``clean_select`` then ``clean_check_select``) for the
one-pass load of a batch that passes them all: they count a failure exactly when
``checked_select`` would give some row a reason, so the two paths accept the same batches.
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
    """SELECT over ``raw`` yielding the typed contract columns and, when the contract has a
    column ``has_cast_flag`` names, ``BAD``: true when such a column holds a value that does
    not cast. The other checks need no source text and run on the typed table
    (``clean_check_select``)."""
    typed, bad = [], []
    for column in contract.columns:
        src = ident(source_names[column.name])
        cast = f"TRY_CAST({src} AS {column.type})"
        typed.append(f"{cast} AS {ident(column.name)}")
        if _cast_flagged(contract, column):
            bad.append(f"({src} IS NOT NULL AND {cast} IS NULL)")
    flag = [f"coalesce({' OR '.join(bad)}, false) AS {ident(BAD)}"] if bad else []
    return f"SELECT {', '.join(typed + flag)} FROM {raw}"


def has_cast_flag(contract: DatasetContract) -> bool:
    """Whether ``clean_select`` adds the ``BAD`` column (dropped once checked)."""
    return any(_cast_flagged(contract, column) for column in contract.columns)


def clean_check_select(contract: DatasetContract, table: str) -> str:
    """One aggregate over ``clean_select``'s typed ``table``: rows, rows failing a check, and
    distinct keys. A NULL in a required column is a missing value or one that did not cast;
    fewer distinct keys than rows is a duplicated key. Zero failures and as many keys as rows
    is exactly ``checked_select`` giving every row an empty reason."""
    flagged = [f"count_if({ident(BAD)})"] if has_cast_flag(contract) else []
    failures = flagged + [
        f"count(*) - count({ident(c.name)})" for c in contract.columns if _required(contract, c)
    ]
    key = ", ".join(ident(name) for name in contract.primary_key)
    keys = f"count(DISTINCT ({key}))" if contract.primary_key else "count(*)"
    return f"SELECT count(*), {' + '.join(failures) or '0'}, {keys} FROM {table}"


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


def _cast_flagged(contract: DatasetContract, column: Column) -> bool:
    """A bad value here becomes a NULL the contract allows, so only the source text tells it
    from a missing one: the one-pass load flags it while it still has that text. (A NULL in
    a required column fails either way; a VARCHAR always casts.)"""
    return not _required(contract, column) and column.type != "VARCHAR"


def _type(contract: DatasetContract, name: str) -> str:
    column = contract.column(name)
    if column is None:  # the contract validator guarantees primary keys exist
        raise KeyError(name)
    return column.type

"""Schema drift: how a batch's columns differ from its contract, and whether that blocks it.

Added columns are accepted only when the contract allows evolution; removed and retyped
columns always reject the whole batch (it is quarantined, not dropped). A column is *retyped*
when most of its non-null values cannot be cast to the contract type: a single bad value is a
bad row, a column of them is a changed schema.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ingestion.contracts import DatasetContract

RETYPE_RATIO = 0.5


class Retyped(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str
    expected: str
    failing_ratio: float


class DriftReport(BaseModel):
    """Differences between a batch and its contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    added: dict[str, str] = {}  # source column -> DuckDB type
    removed: tuple[str, ...] = ()
    retyped: tuple[Retyped, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (contract column, source column) candidates

    @property
    def has_drift(self) -> bool:
        return bool(self.added or self.removed or self.retyped)

    def blocking_reasons(self, contract: DatasetContract) -> list[str]:
        """Why this drift rejects the batch; empty when it may be loaded."""
        reasons = []
        for old, new in self.renamed:
            reasons.append(f"column {old!r} appears renamed to {new!r}")
        renamed_old = {old for old, _ in self.renamed}
        renamed_new = {new for _, new in self.renamed}
        reasons += [
            f"column {name!r} is missing" for name in self.removed if name not in renamed_old
        ]
        reasons += [
            f"column {r.column!r} no longer holds {r.expected} "
            f"({r.failing_ratio:.0%} of values fail to cast)"
            for r in self.retyped
        ]
        added = [name for name in self.added if name not in renamed_new]
        if added and not contract.allow_evolution:
            reasons.append(
                f"new column(s) {', '.join(map(repr, added))} and the contract does not allow "
                "evolution (set allow_evolution: true, or add them to the contract)"
            )
        return reasons


_NUMBERS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT"}
    | {"UINTEGER", "UBIGINT", "FLOAT", "REAL", "DOUBLE"}
)


def type_family(duckdb_type: str) -> str:
    """Coarse type families, to tell a rename (same family) from an unrelated change."""
    upper = duckdb_type.upper()
    if upper in _NUMBERS or upper.startswith("DECIMAL"):
        return "number"
    if upper.startswith(("TIMESTAMP", "DATE")):
        return "time"
    if upper == "BOOLEAN":
        return "boolean"
    return "text"


def compare_columns(
    contract: DatasetContract,
    source_columns: dict[str, str],
    failing_ratios: dict[str, float],
) -> DriftReport:
    """Compare the contract with the batch's columns (name -> type) and cast failure ratios."""
    lowered = {name.lower(): name for name in source_columns}
    removed = tuple(c.name for c in contract.columns if c.name.lower() not in lowered)
    known = {c.name.lower() for c in contract.columns}
    added = {name: kind for name, kind in source_columns.items() if name.lower() not in known}
    retyped = tuple(
        Retyped(column=c.name, expected=c.type, failing_ratio=failing_ratios[c.name])
        for c in contract.columns
        if failing_ratios.get(c.name, 0.0) > RETYPE_RATIO
    )
    renamed: tuple[tuple[str, str], ...] = ()
    if len(removed) == 1 and len(added) == 1:
        old, (new, kind) = removed[0], next(iter(added.items()))
        column = contract.column(old)
        if column is not None and type_family(column.type) == type_family(kind):
            renamed = ((old, new),)
    return DriftReport(added=added, removed=removed, retyped=retyped, renamed=renamed)

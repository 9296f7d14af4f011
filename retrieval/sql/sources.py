"""Where a governed query reads a dataset from: one immutable version file per dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingestion.contracts import DatasetContract


@dataclass(frozen=True)
class TableSource:
    """One dataset's current version: a DuckDB file holding table ``data`` shaped by ``contract``.

    The query side never opens the file for writing; ``version`` is carried into provenance and
    keys the connection and withheld-count caches, so a new version is never served stale.
    """

    contract: DatasetContract
    database: Path
    version: str

    @property
    def name(self) -> str:
        return self.contract.name

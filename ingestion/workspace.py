"""The workspace: one directory (``--home`` / ``HQG_HOME``) that holds everything hqg stores.

Layout::

    HOME/
      catalog.sqlite          datasets, contracts, versions, ingest runs (SQLite, WAL)
      warehouse/<dataset>/    one immutable DuckDB file per dataset version
      quarantine/<dataset>/   one DuckDB file per ingest run that rejected rows
      vectors/                the embedded vector index
      audit/audit.jsonl       the hash-chained audit log
      config/                 principals.yaml and local settings

Why one file per version: DuckDB lets one process write a database file while no other process
has it open. Readers (the gateway) attach the current version files read-only; an ingest writes
a new file beside them and then flips the catalog pointer, so loading never needs the gateway
stopped, readers never see a half-loaded table, and a crashed ingest leaves the previous
version serving.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hqg.errors import ConfigError


@dataclass(frozen=True)
class Workspace:
    """Paths inside one workspace home; ``create`` makes them (idempotently)."""

    home: Path

    @classmethod
    def create(cls, home: Path) -> Workspace:
        """Create (or reuse) the workspace at ``home``."""
        workspace = cls(home.expanduser().resolve())
        try:
            for directory in (
                workspace.home,
                workspace.warehouse_dir,
                workspace.quarantine_dir,
                workspace.vectors_dir,
                workspace.audit_dir,
                workspace.config_dir,
            ):
                directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create workspace at {workspace.home}: {exc.strerror}"
            ) from exc
        return workspace

    @classmethod
    def open(cls, home: Path) -> Workspace:
        """Open an existing workspace; refuse a directory that is not one."""
        workspace = cls(home.expanduser().resolve())
        if not workspace.catalog_path.exists():
            raise ConfigError(
                f"{workspace.home} is not an hqg workspace (no catalog.sqlite); "
                "create one with `hqg demo --home DIR` or `hqg ingest … --home DIR`"
            )
        return workspace

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def vectors_dir(self) -> Path:
        return self.home / "vectors"

    @property
    def audit_dir(self) -> Path:
        return self.home / "audit"

    @property
    def audit_path(self) -> Path:
        return self.audit_dir / "audit.jsonl"

    @property
    def config_dir(self) -> Path:
        return self.home / "config"

    @property
    def principals_path(self) -> Path:
        return self.config_dir / "principals.yaml"

    def dataset_dir(self, dataset: str) -> Path:
        return self.warehouse_dir / dataset

    def version_path(self, dataset: str, version: str) -> Path:
        return self.dataset_dir(dataset) / f"{version}.duckdb"

    def quarantine_path(self, dataset: str, run_id: str) -> Path:
        return self.quarantine_dir / dataset / f"{run_id}.duckdb"

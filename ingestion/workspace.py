"""The workspace: one directory (``--home`` / ``HQG_HOME``) that holds everything hqg stores.

Layout::

    HOME/
      catalog.sqlite          datasets, contracts, versions, ingest runs (SQLite, WAL)
      warehouse/<dataset>/    one immutable DuckDB file per dataset version
      quarantine/<dataset>/   one DuckDB file per ingest run that rejected rows
      vectors/                the embedded vector index
      audit/audit.jsonl       the hash-chained audit log
      config/                 principals.yaml, secrets.json (0600: hash salt, encryption key)

Why one file per version: DuckDB lets one process write a database file while no other process
has it open. Readers (the gateway) attach the current version files read-only; an ingest writes
a new file beside them and then flips the catalog pointer, so loading never needs the gateway
stopped, readers never see a half-loaded table, and a crashed ingest leaves the previous
version serving.
"""

from __future__ import annotations

import json
import os
import secrets
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
            workspace._ensure_secrets()
        except OSError as exc:
            raise ConfigError(
                f"cannot create workspace at {workspace.home}: {exc.strerror}"
            ) from exc
        return workspace

    def _ensure_secrets(self) -> None:
        """Generate this workspace's hash salt and encryption key once, readable by owner only.

        A random per-workspace secret is a sane default for one gateway; replicas that must
        agree on pseudonymous hashes set ``HQG_PRIVACY__HASH_SALT`` instead.
        """
        if self.secrets_path.exists():
            return
        from cryptography.fernet import Fernet

        payload = {
            "hash_salt": secrets.token_hex(32),
            "encryption_key": Fernet.generate_key().decode(),
        }
        tmp = self.secrets_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        os.replace(tmp, self.secrets_path)

    def secrets(self) -> dict[str, str]:
        """The workspace's generated secrets (empty if the workspace has none)."""
        try:
            data = json.loads(self.secrets_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.secrets_path} is unreadable") from exc
        return {str(k): str(v) for k, v in data.items()}

    @classmethod
    def open(cls, home: Path) -> Workspace:
        """Open an existing workspace; refuse a directory that is not one."""
        workspace = cls(home.expanduser().resolve())
        if not workspace.secrets_path.exists():
            raise ConfigError(
                f"{workspace.home} is not an hqg workspace (no config/secrets.json); "
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
    def secrets_path(self) -> Path:
        return self.config_dir / "secrets.json"

    @property
    def console_sessions_path(self) -> Path:
        """The console's sessions, shared by every serving process of the workspace."""
        return self.home / "console" / "sessions.sqlite"

    @property
    def demo_marker(self) -> Path:
        """Present only in a workspace built by ``hqg demo``: demo keys work only there."""
        return self.config_dir / "demo.json"

    @property
    def principals_path(self) -> Path:
        return self.config_dir / "principals.yaml"

    def dataset_dir(self, dataset: str) -> Path:
        return self.warehouse_dir / dataset

    def version_path(self, dataset: str, version: str) -> Path:
        return self.dataset_dir(dataset) / f"{version}.duckdb"

    def quarantine_path(self, dataset: str, run_id: str) -> Path:
        return self.quarantine_dir / dataset / f"{run_id}.duckdb"

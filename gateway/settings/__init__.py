"""Settings: one ``Settings`` object, env prefix ``HQG_``, nested sections, validated at start.

Nested values use ``__``: ``HQG_POLICY__ENGINE=opa``, ``HQG_SQL__MAX_ROWS=500``. Components get
their own section as an argument; nothing reads the environment at import time. Secrets
(hash salt, encryption key) default to the ones the workspace generated for itself; set
``HQG_PRIVACY__HASH_SALT`` / ``HQG_PRIVACY__ENCRYPTION_KEY`` to share them across replicas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from authz.settings import PolicySettings
from gateway.settings.answer import AnswerSettings
from gateway.settings.console import ConsoleSettings
from gateway.settings.mcp import McpSettings
from gateway.settings.ops import LimitSettings, LoggingSettings
from guards.settings import GuardSettings
from hqg.errors import ConfigError
from ingestion.limits import IngestLimits
from ingestion.vectors.settings import EmbeddingSettings, VectorSettings
from ingestion.workspace import Workspace
from privacy.settings import PrivacySettings

_SIZE = r"^\d+(\.\d+)?\s*(KB|MB|GB|TB)$"
_SIZE_OR_OFF = r"^(0|\d+(\.\d+)?\s*(KB|MB|GB|TB))$"


class ServerSettings(BaseModel):
    """Where ``hqg serve`` listens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    # serving processes on the one socket, each with its own engines (cli/serve.py)
    workers: int = Field(default=1, ge=1, le=64)


class SqlSettings(BaseModel):
    """Caps on governed SQL; policy limits can only lower them.

    ``max_memory`` is DuckDB's own limit (operator state: joins, aggregates, sorts);
    ``max_process_memory`` is the backstop for what DuckDB does not count: when the process
    RSS passes it, every running query is interrupted (``0`` turns the backstop off). The size
    limits (``max_sql_chars``, ``max_vector_searches``, ``max_generated_size``) are enforced by
    the guard before anything runs (``gateway.sql_pipeline.guard_limits``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_rows: int = Field(default=1000, ge=1, le=1_000_000)
    timeout_ms: int = Field(default=10_000, ge=10, le=600_000)
    max_memory: str = Field(default="2GB", pattern=_SIZE)
    max_process_memory: str = Field(default="6GB", pattern=_SIZE_OR_OFF)
    threads: int = Field(default=2, ge=1, le=64)
    max_sql_chars: int = Field(default=20_000, ge=100, le=1_000_000)
    max_vector_searches: int = Field(default=8, ge=0, le=64)
    # ``k`` of one ``vector_search()`` call: analysis reads many chunks (counts, joins), unlike
    # ``/v1/search`` whose hits are evidence for a model (``search.max_k``); rows stay capped
    max_search_k: int = Field(default=1000, ge=1, le=1000)
    max_generated_size: int = Field(default=10_000, ge=1, le=10_000_000)


class SearchSettings(BaseModel):
    """Caps on governed search."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_k: int = Field(default=50, ge=1, le=1000)
    default_k: int = Field(default=10, ge=1, le=1000)


class Settings(BaseSettings):
    """Everything the gateway is configured with."""

    model_config = SettingsConfigDict(
        env_prefix="HQG_", env_nested_delimiter="__", frozen=True, extra="forbid"
    )

    home: Path = Path(".hqg")
    server: ServerSettings = ServerSettings()
    sql: SqlSettings = SqlSettings()
    policy: PolicySettings = PolicySettings()
    privacy: PrivacySettings
    limits: LimitSettings = LimitSettings()
    logging: LoggingSettings = LoggingSettings()
    guards: GuardSettings = GuardSettings()
    vectors: VectorSettings = VectorSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    search: SearchSettings = SearchSettings()
    answer: AnswerSettings = AnswerSettings()
    ingest: IngestLimits = IngestLimits()
    console: ConsoleSettings = ConsoleSettings()
    mcp: McpSettings = McpSettings()

    @model_validator(mode="before")
    @classmethod
    def _workspace_secrets(cls, data: Any) -> Any:
        """Fill unset secrets from the workspace's own ``config/secrets.json``."""
        if not isinstance(data, dict):
            return data
        home = Path(data.get("home") or ".hqg")
        privacy = dict(data.get("privacy") or {})
        stored = Workspace(home.expanduser().resolve()).secrets()
        for key in ("hash_salt", "encryption_key"):
            if not privacy.get(key) and stored.get(key):
                privacy[key] = stored[key]
        return {**data, "privacy": privacy}

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.home.expanduser().resolve())


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment plus explicit overrides; errors become ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = _problems(exc)
        hint = ""
        if "hash_salt" in problems:
            hint = (
                " (the workspace has no secrets yet: build it with 'hqg demo' or 'hqg ingest',"
                " or set HQG_PRIVACY__HASH_SALT)"
            )
        raise ConfigError(f"invalid settings: {problems}{hint}") from exc


class _LoggingEnvironment(BaseSettings):
    """The ``logging`` section alone, read from the environment as ``Settings`` reads it."""

    model_config = SettingsConfigDict(
        env_prefix="HQG_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    logging: LoggingSettings = LoggingSettings()


def load_logging_settings() -> LoggingSettings:
    """The logging settings before any workspace is known: every CLI command routes its logs
    and uncaught exceptions through them first, and the full settings need the workspace's
    secrets. Errors become ConfigError."""
    try:
        return _LoggingEnvironment().logging
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {_problems(exc)}") from exc


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
        for err in exc.errors()
    )

"""Settings sections of the operations surface: ``limits`` and ``logging`` (with metrics)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class LimitSettings(BaseModel):
    """Rate limits and quota; 0 means unlimited. Enforced in memory, per process.

    ``burst`` is the token-bucket capacity (how many requests may arrive at once); 0 means
    "equal to the per-minute rate". ``daily_quota`` counts requests per principal per UTC day.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    per_principal_rpm: int = Field(default=0, ge=0, le=1_000_000)
    per_tenant_rpm: int = Field(default=0, ge=0, le=1_000_000)
    burst: int = Field(default=0, ge=0, le=1_000_000)
    daily_quota: int = Field(default=0, ge=0, le=1_000_000_000)


class LoggingSettings(BaseModel):
    """Log level and format of ``hqg serve``, and whether ``/metrics`` is served (and to whom).

    ``metrics_token``, when set, makes ``/metrics`` require ``Authorization: Bearer <token>``;
    ``metrics = false`` removes the endpoint (404).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"
    metrics: bool = True
    metrics_token: SecretStr | None = None

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

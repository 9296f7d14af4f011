"""Settings sections of the operations surface: ``limits`` and ``logging`` (with metrics)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class LimitSettings(BaseModel):
    """Rate limits and quota (0 means unlimited; in memory, per process), and request sizes.

    ``burst`` is the token-bucket capacity (how many requests may arrive at once); 0 means
    "equal to the per-minute rate". ``daily_quota`` counts requests per principal per UTC day.

    Size limits bound what one request can cost before any engine runs: the body is counted
    while it is read (``max_body_bytes``), JSON nesting is capped (``max_json_depth``), and chat
    prompts are capped by message count, characters per message and in total, with a deadline
    on scanning them for PII and injection (``prompt_scan_timeout_ms``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    per_principal_rpm: int = Field(default=0, ge=0, le=1_000_000)
    per_tenant_rpm: int = Field(default=0, ge=0, le=1_000_000)
    burst: int = Field(default=0, ge=0, le=1_000_000)
    daily_quota: int = Field(default=0, ge=0, le=1_000_000_000)
    max_body_bytes: int = Field(default=1_048_576, ge=1_024, le=64 * 1_048_576)
    max_json_depth: int = Field(default=32, ge=4, le=256)
    max_messages: int = Field(default=64, ge=1, le=10_000)
    max_message_chars: int = Field(default=16_000, ge=100, le=1_000_000)
    max_prompt_chars: int = Field(default=32_000, ge=100, le=10_000_000)
    max_question_chars: int = Field(default=4_000, ge=10, le=1_000_000)
    prompt_scan_timeout_ms: int = Field(default=10_000, ge=100, le=600_000)
    #: how long ``/readyz`` reuses its store checks (it needs no key; 0 checks on every call)
    readyz_cache_ms: int = Field(default=1_000, ge=0, le=60_000)
    #: (principal, dataset) pairs whose SQL decision and withheld count the start-up warm-up
    #: computes before ``/readyz`` says ready (0: none)
    warm_up_decisions: int = Field(default=256, ge=0, le=100_000)


class LoggingSettings(BaseModel):
    """Log level and format of ``hqg serve``, and whether ``/metrics`` is served (and to whom).

    ``/metrics`` is protected by default: it answers a bearer that is ``metrics_token`` when one
    is set, else any valid API key. ``metrics_public = true`` opens it to anyone who can reach
    the port (for a scraper on a private network); ``metrics = false`` removes it (404).

    An exception is logged as its type and frame locations only; ``tracebacks = true`` adds the
    whole traceback, messages included, which may quote request data (PII): local debugging only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"
    metrics: bool = True
    metrics_token: SecretStr | None = None
    metrics_public: bool = False
    tracebacks: bool = False

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

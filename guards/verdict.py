"""What an injection detector says about a text: a score in [0, 1] and the reasons behind it.

A plain data type between detection and its users (prompt guard, document ingest, policy), as
Presidio's spans are between analyzer and anonymizer.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


class InjectionVerdict(BaseModel):
    """``score`` ≥ the caller's threshold means "treat as an injection attempt"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    score: float = Field(ge=0.0, le=1.0)
    reasons: tuple[str, ...] = ()  # rule names, never the matched text (it may hold PII)


class InjectionDetector(Protocol):
    """Scores text for instructions aimed at a model (direct or hidden in a document)."""

    def score(self, text: str) -> InjectionVerdict: ...

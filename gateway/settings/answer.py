"""The ``answer`` section of hqg's settings: which model answers, and the guards' thresholds.

``backend = "extractive"`` (the default) needs no model at all: answers are sentences quoted from
the evidence. ``backend = "langchain"`` talks to any OpenAI-compatible endpoint through
``langchain-openai``; the API key is a secret and is required for that backend only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class AnswerSettings(BaseModel):
    """How ``/v1/ask`` and ``/v1/chat/completions`` answer and what they refuse."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Literal["extractive", "langchain"] = "extractive"
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=30.0, gt=0, le=600)
    max_tokens: int = Field(default=512, ge=16, le=8192)
    k: int = Field(default=8, ge=1, le=50)
    min_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    max_sentences: int = Field(default=2, ge=1, le=10)
    block_injection_threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    max_hallucination_risk: float = Field(default=0.5, ge=0.0, le=1.0)
    #: Document labels (catalog, case-folded) that mark guidance and anecdote sources: when
    #: guidance answers a question, anecdotes are not given to the answerer (docs/answers.md).
    guidance_labels: frozenset[str] = frozenset(
        {"policy", "handbook", "procedure", "guideline", "guide", "faq", "manual"}
    )
    anecdote_labels: frozenset[str] = frozenset(
        {"ticket", "case", "incident", "conversation", "email", "chat"}
    )

    @field_validator("guidance_labels", "anecdote_labels")
    @classmethod
    def _folded(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(label.strip().casefold() for label in value if label.strip())

    @model_validator(mode="after")
    def _langchain_needs_an_endpoint(self) -> AnswerSettings:
        """A chat model without a URL or key would fail on the first request: fail at start."""
        if self.backend == "langchain" and (self.base_url is None or self.api_key is None):
            raise ValueError("answer.backend 'langchain' needs answer.base_url and answer.api_key")
        return self

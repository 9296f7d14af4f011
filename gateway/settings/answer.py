"""The ``answer`` section of hqg's settings: which models answer, and the guards' thresholds.

``backend = "extractive"`` (the default) needs no model at all: answers are sentences quoted from
the evidence. ``backend = "langchain"`` talks to any OpenAI-compatible endpoint through
``langchain-openai``; the API key is a secret and is required for that backend only.

The chat surface lists its models (``GET /v1/models``): ``hqg``, the extractive answerer, which
is always there, then the upstream models under ids the operator chooses (``models``: id →
the upstream's own model name; by default the one ``model`` under its own name) and optional
``aliases`` (alias → id). An id is what clients send as ``model`` and what responses name.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

#: The id of the extractive answerer on the chat surface.
EXTRACTIVE_ID = "hqg"
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")


class AnswerSettings(BaseModel):
    """How ``/v1/ask`` and ``/v1/chat/completions`` answer and what they refuse."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Literal["extractive", "langchain"] = "extractive"
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    models: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, str] = Field(default_factory=dict)
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

    @model_validator(mode="after")
    def _model_ids_are_unambiguous(self) -> AnswerSettings:
        """Ids and aliases are what clients send: each names one model, and every alias
        points at an id that exists."""
        if self.models and self.backend != "langchain":
            raise ValueError("answer.models needs answer.backend 'langchain'")
        ids = set(self.upstream_models())
        for name in (*ids, *self.aliases):
            if not _MODEL_ID.match(name):
                raise ValueError(f"answer model id {name!r} must match {_MODEL_ID.pattern}")
        if EXTRACTIVE_ID in ids or EXTRACTIVE_ID in self.aliases:
            raise ValueError(f"{EXTRACTIVE_ID!r} is the extractive answerer's id")
        clash = sorted(ids & set(self.aliases))
        if clash:
            raise ValueError(f"answer.aliases reuse model ids: {', '.join(clash)}")
        dangling = sorted(a for a, t in self.aliases.items() if t not in ids | {EXTRACTIVE_ID})
        if dangling:
            raise ValueError(f"answer.aliases point at no model: {', '.join(dangling)}")
        return self

    def upstream_models(self) -> dict[str, str]:
        """Upstream model id → the name the upstream knows it by (empty: no upstream)."""
        if self.backend != "langchain":
            return {}
        return dict(self.models) or {self.model: self.model}

    @property
    def default_model_id(self) -> str:
        """What answers ``/v1/ask`` and ``hqg ask``: the first upstream model, else ``hqg``."""
        return next(iter(self.upstream_models()), EXTRACTIVE_ID)

"""The vocabulary of answering: citations, per-sentence checks, risk, and the ``/v1/ask`` body."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from gateway.responses import DecisionSummary


class Draft(BaseModel):
    """A model's answer before the output guard; ``tokens`` is what the model reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    tokens: int = 0


class Citation(BaseModel):
    """A chunk the answer cites; ``quote`` is text of that chunk as released to the caller."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ref: int  # the [n] marker in the answer
    collection: str
    doc_id: str
    chunk_id: str
    title: str | None
    quote: str
    source: str
    as_of: datetime
    stale: bool
    content_hash: str


class SentenceCheck(BaseModel):
    """The output guard's verdict on one answer sentence (scores and counts, no text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    refs: tuple[int, ...]
    groundedness: float
    unsupported_numbers: int


class InjectionRisk(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    score: float
    reasons: tuple[str, ...]
    blocked: bool
    flagged: bool


class BiasRisk(BaseModel):
    """Protected attributes the question touches, and whether policy let them be used."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flagged: bool
    attributes: tuple[str, ...]


class AnswerRisk(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    injection: InjectionRisk
    hallucination: float
    groundedness: tuple[SentenceCheck, ...]
    bias: BiasRisk
    citations_stripped: int
    pii_masked: Mapping[str, int]


class EvidenceFreshness(BaseModel):
    """Age against SLA of one evidence chunk the answer drew on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    collection: str
    doc_id: str
    as_of: datetime
    age_seconds: float
    sla_seconds: float
    stale: bool


class AskProvenance(BaseModel):
    """Where the answer came from: the model, the chunks considered, the governing decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    backend: str
    evidence: tuple[str, ...]  # "collection:doc_id#chunk_id" of every chunk given to the model
    decision_id: str
    policy_hash: str
    policy_engine: str
    retrieval_confidence: float


class AskResponse(BaseModel):
    """``POST /v1/ask``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    answer: str
    citations: tuple[Citation, ...]
    abstained: bool
    risk: AnswerRisk
    provenance: AskProvenance
    freshness: tuple[EvidenceFreshness, ...]
    withheld: Mapping[str, int]
    withheld_collections: int
    decision: DecisionSummary

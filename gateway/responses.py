"""Response bodies of the native API (DESIGN.md §5), shared by HTTP and the CLI."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, JsonValue

from authz.decision import Decision
from ingestion.vectors.base import SearchMode
from privacy.operators import MaskKind
from retrieval.evidence import Evidence
from retrieval.provenance import Freshness, Provenance
from retrieval.sql.results import ResultColumn


class DecisionSummary(BaseModel):
    """The decision as a caller sees it: id, outcome, reasons and which policy made it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    allow: bool
    reasons: tuple[str, ...]
    policy_hash: str
    engine: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionSummary:
        return cls(
            id=decision.decision_id,
            allow=decision.allow,
            reasons=decision.reasons,
            policy_hash=decision.policy_hash,
            engine=decision.engine,
        )


class SqlResponse(BaseModel):
    """``POST /v1/sql``: rows plus what was withheld, masked, and where it all came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    columns: tuple[ResultColumn, ...]
    rows: tuple[tuple[JsonValue, ...], ...]
    row_count: int
    truncated: bool
    withheld: Mapping[str, int]
    masking: Mapping[str, Mapping[str, MaskKind]]
    provenance: Provenance
    freshness: tuple[Freshness, ...]
    decision: DecisionSummary


class CatalogColumn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    type: str
    tags: tuple[str, ...]
    mask: MaskKind | None


class CatalogEntry(BaseModel):
    """A dataset the caller may query, with the masks that would apply to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    classification: str
    version: str | None
    row_filtered: bool
    columns: tuple[CatalogColumn, ...]
    freshness: Freshness
    #: the PII detector (models + known-entity generation) that found the spans of the current
    #: version's free-text columns; None when the version has none (issue 11: a reader can
    #: tell stale spans, which the egress guard's known-entity matcher still covers)
    pii_detector: str | None = None


class CatalogCollection(BaseModel):
    """A document collection the caller may search, as its ``vector_search()`` relation shows
    it: ``payload_fields`` are the front-matter metadata keys found in chunks the caller may
    see (each also a column), ``vector_search_columns`` every column a call returns, in order;
    ``masked`` the PII entity types masked in its text for this caller."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    classification: str
    filtered: bool  # policy selects which chunks the caller sees
    masked: Mapping[str, MaskKind]
    payload_fields: tuple[CatalogColumn, ...]
    vector_search_columns: tuple[CatalogColumn, ...]


class CatalogResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    datasets: tuple[CatalogEntry, ...]
    withheld: int  # refused datasets the caller may know exist (``gateway.visibility``)
    decision: DecisionSummary
    collections: tuple[CatalogCollection, ...] = ()
    collections_withheld: int = 0  # refused collections the caller may know exist (not named)


class SearchResponse(BaseModel):
    """``POST /v1/search``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    mode: SearchMode
    results: tuple[Evidence, ...]
    withheld: dict[str, int]
    withheld_collections: int
    decision: DecisionSummary

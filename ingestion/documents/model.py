"""The chunk as indexed: text, provenance, governance fields, PII spans and injection risk.

Every chunk carries everything retrieval needs to decide, mask and cite without going back to
the catalog: tenant, classification and labels for the policy filter; stored PII spans for
masking by splicing (of the text, the title and string metadata values alike); the injection
score for a ``injection_score < x`` filter; source, offsets
and hashes for provenance; as-of and SLA for freshness. The payload is flat (scalars and string
lists) so one predicate compiles to a Qdrant filter over it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from ingestion.contracts import Classification
from ingestion.documents.front_matter import MetadataValue
from ingestion.vectors.base import IndexedPoint, MaskedView, PayloadValue

#: Namespace of chunk ids; changing it changes every id, so it never changes.
CHUNK_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hqg.invalid/ns/document-chunk")

#: Payload keys hqg writes; front-matter metadata may not use these names.
RESERVED_KEYS = frozenset(
    {"collection", "doc_id", "chunk_id", "chunk_index", "start", "end", "heading_path",
     "source", "content_hash", "doc_hash", "doc_version", "title", "title_pii", "metadata_pii",
     "as_of", "as_of_epoch", "ingested_at", "freshness_sla_seconds", "tenant", "all_tenants",
     "classification",
     "classification_rank", "labels", "pii", "pii_entities", "text_masked", "injection_score",
     "injection_reasons", "text", "pii_detector"}
)  # fmt: skip


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunk_id(*, collection: str, doc_id: str, index: int, doc_hash: str) -> str:
    """Stable id: the same document content in the same collection gives the same ids."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, "\x1f".join((collection, doc_id, str(index), doc_hash))))


class DocumentMeta(BaseModel):
    """What every chunk of one document version shares (effective values, after precedence)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    collection: str
    doc_id: str
    source: str  # path relative to the ingest root: provenance without host paths
    doc_hash: str
    version: int = Field(ge=1)
    title: str | None
    title_pii: str = "[]"  # spans (JSON) in the title
    as_of: datetime
    ingested_at: datetime
    freshness_sla_seconds: int | None
    tenant: str | None  # None only for a document the operator published for every tenant
    all_tenants: bool = False
    classification: Classification
    labels: tuple[str, ...]
    metadata: Mapping[str, MetadataValue] = Field(default_factory=dict)
    #: spans (``privacy.spans.keyed_spans_to_json``) in the string values of ``metadata``
    metadata_pii: str = "{}"
    #: the detector version (models + known-entity generation) that found this version's spans
    pii_detector: str = ""


class DocumentChunk(BaseModel):
    """One chunk of one document version, ready to embed and upsert."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meta: DocumentMeta
    id: str
    index: int = Field(ge=0)
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    heading_path: tuple[str, ...]
    content_hash: str
    pii: str  # spans relative to ``text``, as ``privacy.spans.spans_to_json``
    pii_entities: tuple[str, ...]
    text_masked: str  # placeholders for every detected span
    injection_score: float = Field(ge=0.0, le=1.0)
    injection_reasons: tuple[str, ...]

    def payload(self) -> dict[str, PayloadValue]:
        meta = self.meta
        payload: dict[str, PayloadValue] = {key: value for key, value in meta.metadata.items()}
        payload.update(
            collection=meta.collection,
            doc_id=meta.doc_id,
            chunk_id=self.id,
            chunk_index=self.index,
            start=self.start,
            end=self.end,
            heading_path=list(self.heading_path),
            source=meta.source,
            content_hash=self.content_hash,
            doc_hash=meta.doc_hash,
            doc_version=meta.version,
            title=meta.title,
            title_pii=meta.title_pii,
            metadata_pii=meta.metadata_pii,
            as_of=meta.as_of.astimezone(UTC).isoformat(),  # one offset: strings sort by time
            as_of_epoch=meta.as_of.timestamp(),
            ingested_at=meta.ingested_at.astimezone(UTC).isoformat(),
            freshness_sla_seconds=meta.freshness_sla_seconds,
            tenant=meta.tenant,
            # 1/0, not a boolean: the embedded index cannot filter on booleans
            all_tenants=int(meta.all_tenants),
            classification=meta.classification.value,
            classification_rank=meta.classification.rank,
            labels=list(meta.labels),
            pii=self.pii,
            pii_entities=list(self.pii_entities),
            pii_detector=meta.pii_detector,
            text_masked=self.text_masked,
            injection_score=self.injection_score,
            injection_reasons=list(self.injection_reasons),
        )
        return payload

    def to_point(self, dense: Sequence[float], *, masked_dense: Sequence[float]) -> IndexedPoint:
        """The point, with the masked view (``text_masked`` and its vector) beside the raw."""
        return IndexedPoint(
            id=self.id,
            dense=tuple(dense),
            text=self.text,
            payload=self.payload(),
            masked=MaskedView(dense=tuple(masked_dense), text=self.text_masked),
        )

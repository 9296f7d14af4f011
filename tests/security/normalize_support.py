"""Shared helpers of the ``test_normalize_*`` security tests: prepare a document the way ingest
does (real detector, real injection rules) and read what a masked principal would be served."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from guards.heuristics import HeuristicInjectionDetector
from ingestion.contracts import Classification
from ingestion.documents.chunking import ChunkingSettings
from ingestion.documents.front_matter import MetadataValue
from ingestion.documents.model import DocumentMeta
from ingestion.documents.prepare import PreparedDocument, prepare_document
from privacy.detector import PresidioDetector
from privacy.masker import mask_text
from privacy.normalize import normalize_for_detection
from privacy.operators import MaskKind
from privacy.spans import keyed_spans_from_json, spans_from_json
from privacy.vault import PseudonymVault

INJECTION = HeuristicInjectionDetector()


def meta(
    *,
    title: str | None = "Support ticket",
    metadata: Mapping[str, MetadataValue] | None = None,
    doc_id: str = "acme/ticket-0001",
    source: str = "tickets/ticket-0001.md",
) -> DocumentMeta:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    return DocumentMeta(
        collection="tickets",
        doc_id=doc_id,
        source=source,
        doc_hash="0" * 64,
        version=1,
        title=title,
        as_of=now,
        ingested_at=now,
        freshness_sla_seconds=None,
        tenant="acme",
        classification=Classification.CONFIDENTIAL,
        labels=(),
        metadata=dict(metadata or {}),
    )


def prepare(text: str, detector: PresidioDetector, **fields: object) -> PreparedDocument:
    return prepare_document(
        text,
        meta(**fields),  # type: ignore[arg-type]
        headings=True,
        chunking=ChunkingSettings(),
        detector=detector,
        injection=INJECTION,
    )


def served_masked(prepared: PreparedDocument) -> str:
    """Everything a principal whose decision masks every entity reads: chunk text, title and
    metadata keys and values, each masked from the spans stored at ingest."""
    vault = PseudonymVault()
    parts = [chunk.text_masked for chunk in prepared.chunks]
    document = prepared.meta
    if document.title:
        spans = spans_from_json(document.title_pii)
        parts.append(
            mask_text(document.title, spans, policy=MaskKind.PLACEHOLDER, vault=vault).text
        )
    keyed = keyed_spans_from_json(document.metadata_pii)
    for key, value in document.metadata.items():
        text = str(value)
        spans = keyed.get(key, []) if isinstance(value, str) else []
        parts.append(key)
        parts.append(mask_text(text, spans, policy=MaskKind.PLACEHOLDER, vault=vault).text)
    return "\n".join(parts)


def readable(value: str, served: str) -> bool:
    """Whether ``value`` can still be read in ``served`` once invisible characters, markup and
    look-alikes are undone, letters compared without case and spacing, digits as digits."""
    seen = normalize_for_detection(served).text
    if any(c.isdigit() for c in value) and not any(c.isalpha() for c in value):
        return re.sub(r"\D", "", value) in re.sub(r"\D", "", seen)
    squeeze = re.compile(r"[\W_]+")
    return squeeze.sub("", value.lower()) in squeeze.sub("", seen.lower())

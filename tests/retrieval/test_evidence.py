"""Evidence is masked from stored spans; a chunk without them is refused, not served raw."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hqg.errors import PrivacyError
from ingestion.vectors.base import Hit
from privacy.operators import MaskKind
from privacy.vault import PseudonymVault
from retrieval.evidence import evidence_from_hit

PAYLOAD = {
    "collection": "tickets",
    "doc_id": "d",
    "chunk_id": "c",
    "source": "d.md",
    "start": 0,
    "end": 24,
    "doc_version": 1,
    "content_hash": "h" * 64,
    "as_of": "2026-11-01T00:00:00+00:00",
    "freshness_sla_seconds": 86400,
    "title": "Ticket",
    "title_pii": "[]",
    "pii": '[["EMAIL_ADDRESS", 8, 24, 1.0]]',
}
TEXT = "Mail me ann@example.com!"


def hit(**payload: object) -> Hit:
    return Hit(id="c", score=1.0, text=TEXT, payload={**PAYLOAD, **payload})  # type: ignore[arg-type]


def test_stored_spans_are_spliced_for_the_principal() -> None:
    evidence = evidence_from_hit(
        hit(),
        mask_entities={"*": MaskKind.PLACEHOLDER},
        vault=PseudonymVault(),
        now=datetime(2026, 11, 2, tzinfo=UTC),
    )
    assert "ann@example.com" not in evidence.text
    assert evidence.masked_entities == ("EMAIL_ADDRESS",)


def test_a_chunk_without_stored_spans_is_refused_when_masking_applies() -> None:
    broken = {k: v for k, v in PAYLOAD.items() if k != "pii"}
    with pytest.raises(PrivacyError):
        evidence_from_hit(
            Hit(id="c", score=1.0, text=TEXT, payload=broken),  # type: ignore[arg-type]
            mask_entities={"*": MaskKind.PLACEHOLDER},
            vault=PseudonymVault(),
            now=datetime(2026, 11, 2, tzinfo=UTC),
        )

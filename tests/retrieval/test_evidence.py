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


NOW = datetime(2026, 11, 2, tzinfo=UTC)
MASK_ALL = {"*": MaskKind.PLACEHOLDER}


def hit(**payload: object) -> Hit:
    return Hit(id="c", score=1.0, text=TEXT, payload={**PAYLOAD, **payload})


def without(key: str, **payload: object) -> Hit:
    kept = {k: v for k, v in {**PAYLOAD, **payload}.items() if k != key}
    return Hit(id="c", score=1.0, text=TEXT, payload=kept)


def test_stored_spans_are_spliced_for_the_principal() -> None:
    evidence = evidence_from_hit(
        hit(),
        mask_entities=MASK_ALL,
        vault=PseudonymVault(),
        now=NOW,
    )
    assert "ann@example.com" not in evidence.text
    assert evidence.masked_entities == ("EMAIL_ADDRESS",)


def test_a_chunk_without_stored_spans_is_refused_when_masking_applies() -> None:
    with pytest.raises(PrivacyError):
        evidence_from_hit(without("pii"), mask_entities=MASK_ALL, vault=PseudonymVault(), now=NOW)


CONTACT = "Owner: ann@example.com"
CONTACT_SPANS = '{"contact":[["EMAIL_ADDRESS",7,22,1.0]]}'


def test_string_metadata_is_masked_from_its_stored_spans() -> None:
    evidence = evidence_from_hit(
        hit(contact=CONTACT, customer_id="C-7", seats=3, metadata_pii=CONTACT_SPANS),
        mask_entities={"EMAIL_ADDRESS": MaskKind.PLACEHOLDER},
        vault=PseudonymVault(),
        now=NOW,
    )
    assert evidence.metadata == {
        "contact": "Owner: <EMAIL_ADDRESS>",
        "customer_id": "C-7",
        "seats": 3,
    }
    assert "metadata_pii" not in evidence.metadata
    assert evidence.masked_entities == ("EMAIL_ADDRESS",)


def test_released_metadata_is_served_as_stored() -> None:
    evidence = evidence_from_hit(
        hit(contact=CONTACT, metadata_pii=CONTACT_SPANS),
        mask_entities={},
        vault=PseudonymVault(),
        now=NOW,
    )
    assert evidence.metadata["contact"] == CONTACT


def test_string_metadata_without_stored_spans_is_refused_when_masking_applies() -> None:
    """A collection ingested before metadata was scanned must be re-ingested, not leak."""
    with pytest.raises(PrivacyError):
        evidence_from_hit(
            without("metadata_pii", contact=CONTACT),
            mask_entities=MASK_ALL,
            vault=PseudonymVault(),
            now=NOW,
        )


def test_numbers_alone_need_no_metadata_spans() -> None:
    evidence = evidence_from_hit(
        without("metadata_pii", seats=3), mask_entities=MASK_ALL, vault=PseudonymVault(), now=NOW
    )
    assert evidence.metadata == {"seats": 3}

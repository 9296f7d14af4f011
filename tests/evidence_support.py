"""One released ``Evidence`` item for tests of what the answer path does with evidence, so the
tests that build evidence by hand state only what they vary (text, document, injection risk)."""

from __future__ import annotations

from datetime import UTC, datetime

from retrieval.evidence import Evidence, Risk


def evidence_item(
    text: str,
    *,
    doc_id: str,
    title: str,
    source: str,
    collection: str = "handbook",
    injection_score: float = 0.0,
    reasons: tuple[str, ...] = (),
) -> Evidence:
    """A fresh, unmasked chunk spanning the whole ``text``, first of its document."""
    return Evidence(
        text=text,
        score=1.0,
        collection=collection,
        doc_id=doc_id,
        chunk_id=f"{doc_id}-0",
        title=title,
        source=source,
        start=0,
        end=len(text),
        doc_version=1,
        content_hash=f"hash-{doc_id}",
        as_of=datetime(2026, 11, 1, tzinfo=UTC),
        age_seconds=60.0,
        sla_seconds=86400.0,
        stale=False,
        masked_entities=(),
        risk=Risk(injection_score=injection_score, injection_reasons=reasons),
        metadata={},
    )

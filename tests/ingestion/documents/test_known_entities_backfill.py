"""Backfill: each chunk records the detector version that found its spans; a new version (a
new known entity, another model) makes `hqg ingest docs` re-scan, and a flag forces it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingestion.documents.pipeline import ingest_documents
from ingestion.documents.report import DocRunReport
from ingestion.workspace import Workspace
from privacy.composite import CompositeDetector, FixedVocabulary, Vocabulary
from privacy.detector import PresidioDetector
from privacy.known_entities import KnownEntities, KnownEntry
from privacy.spans import spans_from_json
from tests.ingestion.documents.conftest import HashingEmbedder, MemoryIndex, PhraseInjectionDetector

Ingest = Callable[..., DocRunReport]
TICKET = "# Late parcel\n\nplease refund tyler west, the parcel never came.\n"


@pytest.fixture
def ingest(
    workspace: Workspace,
    injection: PhraseInjectionDetector,
    embedder: HashingEmbedder,
    index: MemoryIndex,
    docs: Path,
) -> Ingest:
    """``ingest(detector=..., **options)``: the docs root into "handbook" with the doubles."""

    def _ingest(**options: Any) -> DocRunReport:
        return ingest_documents(
            workspace,
            docs,
            collection="handbook",
            tenant="acme",
            injection=injection,
            embedder=embedder,
            writer=index.writer,
            **options,
        )

    return _ingest


def _layered(detector: PresidioDetector, *names: str) -> CompositeDetector:
    known = KnownEntities(KnownEntry("PERSON", name) for name in names)
    return CompositeDetector([detector], FixedVocabulary(Vocabulary(known=known)))


def _persons(index: MemoryIndex) -> list[str]:
    found = []
    for point in index.points("handbook"):
        found += [
            point.text[s.start : s.end]
            for s in spans_from_json(str(point.payload["pii"]))
            if s.entity_type == "PERSON"
        ]
    return found


def test_a_new_known_entity_makes_the_next_ingest_rescan_stale_chunks(
    put: Callable[[str, str], Path],
    ingest: Ingest,
    index: MemoryIndex,
    detector: PresidioDetector,
) -> None:
    put("ticket.md", TICKET)
    before = _layered(detector)
    ingest(detector=before)
    assert _persons(index) == []  # the model alone misses the lower-case name
    assert index.points("handbook")[0].payload["pii_detector"] == before.version

    assert ingest(detector=before).counts["unchanged"] == 1
    after = _layered(detector, "Tyler West")
    report = ingest(detector=after)
    assert report.counts["updated"] == 1
    assert _persons(index) == ["tyler west"]
    assert index.points("handbook")[0].payload["pii_detector"] == after.version
    assert ingest(detector=after).counts["unchanged"] == 1


def test_rescan_pii_rescans_documents_already_scanned_by_the_current_detector(
    put: Callable[[str, str], Path],
    ingest: Ingest,
    index: MemoryIndex,
    detector: PresidioDetector,
) -> None:
    put("ticket.md", TICKET)
    current = _layered(detector, "Tyler West")
    ingest(detector=current)
    ids = [p.id for p in index.points("handbook")]
    report = ingest(detector=current, rescan_pii=True)
    assert report.counts["updated"] == 1
    assert [p.id for p in index.points("handbook")] == ids
    assert _persons(index) == ["tyler west"]

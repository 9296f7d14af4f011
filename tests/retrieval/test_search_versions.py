"""A governed search reads one published version of each collection, whatever is published
while it runs: what it ranked is what it counts as withheld and what it serves, and it reads
each collection's ``CURRENT`` once (it read it at every index call before)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hqg.predicates import Compare, Predicate
from ingestion.vectors import versions
from ingestion.vectors.base import IndexedPoint, Scored, SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.versions import VersionedEdgeIndex, current_version
from privacy.detector import PresidioDetector
from privacy.vault import PseudonymVault
from retrieval.search import CollectionScope, SearchResult, governed_search
from tests.ingestion.vectors.conftest import pid
from tests.retrieval.test_evidence import PAYLOAD
from tests.retrieval.test_search_fusion import DIM, QUERY, _FixedEmbedder

ACME = Compare("tenant", "=", "acme")
ROWS = {
    "handbook": [
        (1, QUERY, "Customers may request a refund within 14 days of delivery.", "acme"),
        (2, (0.0, 1.0, 0.0, 0.0), "The office is open from nine to five.", "acme"),
        (3, (0.0, 0.0, 1.0, 0.0), "Globex staff only.", "globex"),
    ],
    "products": [(4, (0.5, 0.5, 0.0, 0.0), "Refunds for kettles go to the store.", "acme")],
}


def _points(collection: str) -> list[IndexedPoint]:
    return [
        IndexedPoint(
            id=pid(n),
            dense=dense,
            text=text,
            payload={**PAYLOAD, "chunk_id": pid(n), "pii": "[]", "tenant": tenant},
        )
        for n, dense, text, tenant in ROWS[collection]
    ]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[VersionedEdgeIndex]:
    versioned = VersionedEdgeIndex(tmp_path / "vectors", hnsw_ef=64, exact_below=10)
    for name in ROWS:
        with versioned.writer(name) as writer:
            writer.ensure_collection(name, dim=DIM)
            writer.upsert(name, _points(name))
    yield versioned
    versioned.close()


def _search(index: VersionedEdgeIndex, detector: PresidioDetector) -> SearchResult:
    return governed_search(
        index,
        _FixedEmbedder(),
        query="What is the refund window?",
        scopes=[CollectionScope(name, ACME, {}) for name in ROWS],
        mode=SearchMode.HYBRID,
        k=3,
        vault=PseudonymVault(),
        now=datetime(2026, 11, 1, tzinfo=UTC),
        detector=detector,
    )


def test_a_search_serves_and_counts_the_version_it_ranked_though_a_publish_lands_meanwhile(
    index: VersionedEdgeIndex, detector: PresidioDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The best chunk is deleted (and a globex chunk added) right after the handbook is ranked:
    the search still serves it and counts the version it ranked; the next search sees the
    publish."""
    ranked = EdgeVectorIndex.rankings
    published: list[str] = []

    def publishing(edge: EdgeVectorIndex, collection: str, **kwargs: object) -> object:
        found = ranked(edge, collection, **kwargs)  # type: ignore[arg-type]
        if not published:
            published.append(collection)
            with index.writer("handbook") as writer:
                writer.delete_documents("handbook", ["d"])  # every handbook chunk: doc "d"
        return found

    monkeypatch.setattr(EdgeVectorIndex, "rankings", publishing)
    during = _search(index, detector)
    assert published == ["handbook"]
    assert [e.chunk_id for e in during.evidence] == [pid(1), pid(4), pid(2)]
    assert during.withheld == {"handbook": 1, "products": 0}
    after = _search(index, detector)
    assert [e.chunk_id for e in after.evidence] == [pid(4)]
    assert after.withheld == {"handbook": 0, "products": 0}


def test_a_search_reads_each_collections_current_version_once(
    index: VersionedEdgeIndex, detector: PresidioDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []

    def counted(root: Path, collection: str) -> str | None:
        reads.append(collection)
        return current_version(root, collection)

    monkeypatch.setattr(versions, "current_version", counted)
    found = _search(index, detector)
    assert {e.chunk_id for e in found.evidence} == {pid(1), pid(2), pid(4)}
    assert sorted(reads) == ["handbook", "products"]


def test_ranking_candidates_are_ids_and_scores_until_the_served_are_fetched(
    index: VersionedEdgeIndex, detector: PresidioDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[tuple[str, list[str], Predicate | None]] = []
    kinds: set[type] = set()
    ranked, fetch = EdgeVectorIndex.rankings, EdgeVectorIndex.fetch

    def rankings(edge: EdgeVectorIndex, collection: str, **kwargs: object) -> list[list[Scored]]:
        found = ranked(edge, collection, **kwargs)  # type: ignore[arg-type]
        kinds.update(type(candidate) for ranking in found for candidate in ranking)
        return found

    def fetching(
        edge: EdgeVectorIndex, collection: str, ids: list[str], **kwargs: object
    ) -> object:
        fetched.append((collection, sorted(ids), kwargs["predicate"]))  # type: ignore[arg-type]
        return fetch(edge, collection, ids, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(EdgeVectorIndex, "rankings", rankings)
    monkeypatch.setattr(EdgeVectorIndex, "fetch", fetching)
    found = _search(index, detector)
    assert kinds == {Scored}
    assert sorted(fetched) == [
        ("handbook", sorted([pid(1), pid(2)]), ACME),
        ("products", [pid(4)], ACME),
    ]
    assert all(e.text for e in found.evidence)

"""Hybrid search over several collections fuses their rankings together.

Fusing per collection gave each collection's best chunk the same top score however poor a match
it was, and the engines' own fusion took ranks of tied points from a hash map's order, so which
collection's chunk came first changed from one build to the next. The fusion is now done once,
over the dense and the lexical ranking of every collection searched, with ties broken by id.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingestion.vectors.base import IndexedPoint, SearchMode, VectorIndex
from privacy.detector import PresidioDetector
from privacy.vault import PseudonymVault
from retrieval.search import CollectionScope, governed_search
from tests.ingestion.vectors.conftest import LOCAL_MODE_NOTICES, make_index, pid
from tests.retrieval.test_evidence import PAYLOAD

DIM = 4
QUERY = (1.0, 0.0, 0.0, 0.0)

HANDBOOK = [
    (1, QUERY, "Customers may request a refund within 14 days of delivery."),
    (2, (0.0, 1.0, 0.0, 0.0), "The office is open from nine to five."),
]
#: identical boilerplate in every guide: tied in both rankings, and a weak match for the query
PRODUCTS = [
    (n, (0.3, 0.0, 1.0, 0.0), "Refund and warranty terms are set by the store.") for n in (3, 4, 5)
] + [(6, (0.0, 0.0, 0.0, 1.0), "The kettle boils a litre in three minutes.")]


class _FixedEmbedder:
    """Embeds every query as ``QUERY`` (only the fusion is under test)."""

    name = "fixed"
    dim = DIM

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [list(QUERY) for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return list(QUERY)


def _points(rows: Sequence[tuple[int, tuple[float, ...], str]]) -> list[IndexedPoint]:
    return [
        IndexedPoint(
            id=pid(n), dense=dense, text=text, payload={**PAYLOAD, "chunk_id": pid(n), "pii": "[]"}
        )
        for n, dense, text in rows
    ]


def _load(index: VectorIndex, products: Sequence[IndexedPoint]) -> VectorIndex:
    for name, points in (("handbook", _points(HANDBOOK)), ("products", products)):
        index.ensure_collection(name, dim=DIM)
        index.upsert(name, points)
    return index


@pytest.fixture(
    params=["edge", pytest.param("server", marks=pytest.mark.filterwarnings(LOCAL_MODE_NOTICES))]
)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def indexes(kind: str, tmp_path: Path) -> Iterator[list[VectorIndex]]:
    """The same points, the products inserted in every order (engines return ties in an order
    that depends on it)."""
    built = [
        _load(make_index(kind, tmp_path / f"v{n}"), list(order))
        for n, order in enumerate(itertools.permutations(_points(PRODUCTS)[:3]))
    ]
    for index in built:
        index.upsert("products", _points(PRODUCTS)[3:])
    yield built
    for index in built:
        index.close()


def _search(index: VectorIndex, detector: PresidioDetector, k: int) -> list[tuple[str, float]]:
    found = governed_search(
        index,
        _FixedEmbedder(),
        query="What is the refund window?",
        scopes=[CollectionScope(n, None, {}) for n in ("handbook", "products")],
        mode=SearchMode.HYBRID,
        k=k,
        vault=PseudonymVault(),
        now=datetime(2026, 11, 1, tzinfo=UTC),
        detector=detector,
        ranking_scores=True,
    )
    return [(e.chunk_id, e.score) for e in found.evidence]


def test_the_best_match_of_all_collections_comes_first_not_each_collections_best(
    indexes: list[VectorIndex], detector: PresidioDetector
) -> None:
    results = _search(indexes[0], detector, k=3)
    assert results[0][0] == pid(1)
    assert all(score < results[0][1] for _, score in results[1:])


def test_tied_chunks_rank_the_same_whatever_order_the_engine_holds_them_in(
    indexes: list[VectorIndex], detector: PresidioDetector
) -> None:
    answers = {tuple(_search(index, detector, k=4)) for index in indexes}
    assert len(answers) == 1
    assert [chunk for chunk, _ in next(iter(answers))][1:4] == [pid(3), pid(4), pid(5)]

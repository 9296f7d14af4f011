"""Filtered recall of the embedded index on 20k synthetic 384-d points (docs/retrieval.md).

Ground truth is brute force over the filtered points. A filter selecting ~7 % is searched
exactly by the engine's planner (cardinality below HNSW's full-scan threshold); a filter
selecting ~40 % goes through filtered HNSW, whose recall varies wildly between builds;
``exact_below`` buys recall 1.0.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from hqg.predicates import Compare, Predicate
from ingestion.vectors.base import IndexedPoint, SearchMode
from ingestion.vectors.edge import EdgeVectorIndex

N, DIM, QUERIES = 20_000, 384, 60
pytestmark = pytest.mark.slow


class Synthetic:
    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        centers = rng.normal(size=(50, DIM))
        x = centers[rng.integers(0, 50, N)] + rng.normal(size=(N, DIM)) * 0.6
        self.x = x / np.linalg.norm(x, axis=1, keepdims=True)
        weights = [0.07, 0.40] + [0.53 / 12] * 12
        self.tenants = np.array([f"t{i}" for i in rng.choice(14, N, p=weights)])
        q = self.x[rng.integers(0, N, QUERIES)] + rng.normal(size=(QUERIES, DIM)) * 0.5
        self.queries = q / np.linalg.norm(q, axis=1, keepdims=True)

    def truth(self, query: np.ndarray, tenant: str) -> set[str]:
        scores = np.where(self.tenants == tenant, self.x @ query, -9.0)
        return {str(uuid.UUID(int=int(i) + 1)) for i in np.argsort(-scores)[:10]}


@pytest.fixture(scope="module")
def data() -> Synthetic:
    return Synthetic()


@pytest.fixture(scope="module")
def directory(data: Synthetic, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("recall"))
    index = EdgeVectorIndex(path)
    index.ensure_collection("syn", dim=DIM)
    index.upsert(
        "syn",
        [
            IndexedPoint(
                id=str(uuid.UUID(int=i + 1)),
                dense=tuple(row),
                text="synthetic",
                payload={"tenant": str(data.tenants[i])},
            )
            for i, row in enumerate(data.x.tolist())
        ],
    )
    index.optimize("syn")  # build the HNSW graph, as after a bulk load
    index.close()
    return path


def recall(index: EdgeVectorIndex, data: Synthetic, tenant: str) -> float:
    predicate: Predicate = Compare("tenant", "=", tenant)
    found = 0
    for query in data.queries:
        hits = index.search(
            "syn", mode=SearchMode.DENSE, dense=query.tolist(), text=None, predicate=predicate, k=10
        )
        found += len({h.id for h in hits} & data.truth(query, tenant))
    return found / (10 * len(data.queries))


@pytest.mark.parametrize(
    ("tenant", "hnsw_ef", "exact_below", "floor"),
    [
        ("t0", 256, 0, 0.99),  # ~7 %: the planner searches the filtered set exactly
        # ~40 % through filtered HNSW (exact_below=0) measured 0.18-0.85 across identical
        # builds: too unstable for a floor, which is why exact_below exists (docs/retrieval.md)
        ("t1", 256, 10_000, 0.99),  # ~40 %, below exact_below: exact search
    ],
)
def test_filtered_search_recall_meets_its_floor(
    directory: Path, data: Synthetic, tenant: str, hnsw_ef: int, exact_below: int, floor: float
) -> None:
    index = EdgeVectorIndex(directory, hnsw_ef=hnsw_ef, exact_below=exact_below)
    try:
        assert recall(index, data, tenant) >= floor
    finally:
        index.close()

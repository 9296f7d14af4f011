"""The embedded index compiles a policy predicate once and reuses the filter, never wrongly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import ingestion.vectors.edge as edge_module
from hqg.predicates import Compare, InvalidPredicate, Predicate
from ingestion.vectors.base import IndexedPoint, SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.qdrant_filters import to_edge_filter
from tests.ingestion.vectors.conftest import pid


@pytest.fixture
def index(tmp_path: Path) -> Any:
    built = EdgeVectorIndex(tmp_path / "vectors")
    built.ensure_collection("points", dim=2)
    built.upsert(
        "points",
        [
            IndexedPoint(id=pid(i), dense=(1.0, i / 10), text=f"row {i}", payload={"level": i})
            for i in range(6)
        ],
    )
    yield built
    built.close()


def _compilations(monkeypatch: pytest.MonkeyPatch) -> list[Predicate]:
    compiled: list[Predicate] = []

    def counting(predicate: Predicate, **kwargs: Any) -> Any:
        compiled.append(predicate)
        return to_edge_filter(predicate, **kwargs)

    monkeypatch.setattr(edge_module, "to_edge_filter", counting)
    return compiled


def _levels(index: EdgeVectorIndex, predicate: Predicate) -> set[object]:
    hits = index.search(
        "points", mode=SearchMode.DENSE, dense=(1.0, 0.0), text=None, predicate=predicate, k=10
    )
    return {hit.payload["level"] for hit in hits}


def test_a_predicate_is_compiled_once_for_every_search_count_and_fetch_that_uses_it(
    index: EdgeVectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _compilations(monkeypatch)
    low, high = Compare("level", "<", 3), Compare("level", ">=", 3)
    for _ in range(3):
        assert _levels(index, low) == {0, 1, 2}
        assert _levels(index, high) == {3, 4, 5}
        assert index.count("points", predicate=low) == 3
        fetched = index.fetch("points", [pid(1), pid(4)], predicate=high)
        assert [hit.id for hit in fetched] == [pid(4)]
    assert compiled == [low, high]


def test_a_cached_number_filter_never_answers_the_equal_boolean_predicate(
    index: EdgeVectorIndex,
) -> None:
    # Compare("level", "=", 1) == Compare("level", "=", True) in Python; the engine refuses
    # booleans, so the second must still be refused, not served the first one's filter
    assert _levels(index, Compare("level", "=", 1)) == {1}
    with pytest.raises(InvalidPredicate, match="boolean"):
        _levels(index, Compare("level", "=", True))


def test_a_predicate_that_cannot_be_compiled_is_refused_every_time(
    index: EdgeVectorIndex,
) -> None:
    for _ in range(2):
        with pytest.raises(InvalidPredicate):
            index.count("points", predicate=Compare("level", "<", "m"))

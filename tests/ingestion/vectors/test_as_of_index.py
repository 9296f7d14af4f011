"""The ``as_of_epoch`` payload index behind the gateway's max-staleness cutoff: created with
every new embedded collection, and not needed for correct results on older ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import qdrant_edge as qe

from hqg.predicates import All, Compare
from ingestion.vectors.base import SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from tests.ingestion.vectors.conftest import DIM, pid, point

pytestmark = pytest.mark.slow  # make test-fast skips it: builds qdrant-edge collections

CUTOFF = 1_790_000_040.0
AS_OF = (1_790_000_000.0, 1_790_000_039.999, CUTOFF, 1_790_003_600.5, None)


def _load(directory: Path) -> EdgeVectorIndex:
    index = EdgeVectorIndex(directory)
    index.ensure_collection("docs", dim=DIM)
    return index


def _fill(index: EdgeVectorIndex) -> None:
    points = []
    for n, as_of in enumerate(AS_OF):
        payload = {"tenant": "acme"} if as_of is None else {"tenant": "acme", "as_of_epoch": as_of}
        points.append(point(n, (1.0, 0.0, 0.0, float(n)), f"page {n}", **payload))
    index.upsert("docs", points)


def _schema(directory: Path) -> dict[str, qe.PayloadSchemaType]:
    shard = qe.EdgeShard.load(str(directory / "docs"), None)
    try:
        return {key: info.data_type for key, info in shard.info().payload_schema.items()}
    finally:
        shard.close()


def test_a_new_collection_indexes_as_of_epoch_as_a_float(tmp_path: Path) -> None:
    _load(tmp_path).close()
    assert _schema(tmp_path)["as_of_epoch"] == qe.PayloadSchemaType.Float


def test_a_collection_without_the_index_still_applies_the_cutoff(tmp_path: Path) -> None:
    _load(tmp_path).close()
    shard = qe.EdgeShard.load(str(tmp_path / "docs"), None)
    shard.update(qe.UpdateOperation.delete_field_index("as_of_epoch"))
    shard.close()
    assert "as_of_epoch" not in _schema(tmp_path)

    index = EdgeVectorIndex(tmp_path)  # a reader: only a writer's ensure_collection adds it
    try:
        _fill(index)
        recent = All((Compare("tenant", "=", "acme"), Compare("as_of_epoch", ">=", CUTOFF)))
        assert index.count("docs", predicate=recent) == 2
        hits = index.search(
            "docs",
            mode=SearchMode.DENSE,
            dense=(1.0, 0.0, 0.0, 0.0),
            text=None,
            predicate=recent,
            k=10,
        )
        assert {hit.id for hit in hits} == {pid(2), pid(3)}  # a missing as-of is never fresh
    finally:
        index.close()

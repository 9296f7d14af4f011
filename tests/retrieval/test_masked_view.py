"""The masked view of a collection, on both index implementations (qdrant-edge and the Qdrant
server adapter over qdrant-client's local mode): named vectors over the masked text beside the
raw ones; a masked search ranks only by them; a collection built without them refuses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import qdrant_edge as qe

from hqg.errors import PrivacyError
from ingestion.vectors.base import IndexedPoint, MaskedView, SearchMode, SearchView, VectorIndex
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.layout import DENSE, DENSE_MASKED, SPARSE
from tests.ingestion.vectors.conftest import DIM, index, pid  # noqa: F401  (fixture)

RAW_NAMED = (1.0, 0.0, 0.0, 0.0)  # the raw vector "knows" the name
MASKED_ANY = (0.0, 0.0, 1.0, 0.0)  # the masked vector does not


def _points() -> list[IndexedPoint]:
    author = IndexedPoint(
        id=pid(1),
        dense=RAW_NAMED,
        text="Ticket from Tyler West about a late refund",
        payload={"doc_id": "a"},
        masked=MaskedView(dense=MASKED_ANY, text="Ticket from <PERSON> about a late refund"),
    )
    other = IndexedPoint(
        id=pid(2),
        dense=(0.0, 1.0, 0.0, 0.0),
        text="Ticket from <PERSON> about a west coast delivery",
        payload={"doc_id": "b"},
    )
    return [author, other]


def _loaded(index: VectorIndex) -> VectorIndex:  # noqa: F811
    index.ensure_collection("tickets", dim=DIM)
    index.upsert("tickets", _points())
    return index


def _first(index: VectorIndex, view: SearchView, **query: object) -> str | None:  # noqa: F811
    hits = index.search(
        "tickets",
        predicate=None,
        k=1,
        view=view,
        **query,  # type: ignore[arg-type]
    )
    return str(hits[0].payload["doc_id"]) if hits else None


def test_lexical_search_for_a_name_finds_it_only_in_the_raw_view(index: VectorIndex) -> None:  # noqa: F811
    loaded = _loaded(index)
    query = {"mode": SearchMode.LEXICAL, "dense": None, "text": "Tyler West"}
    assert _first(loaded, SearchView.RAW, **query) == "a"
    assert _first(loaded, SearchView.MASKED, **query) != "a"


def test_dense_search_ranks_by_the_masked_vector_in_the_masked_view(index: VectorIndex) -> None:  # noqa: F811
    loaded = _loaded(index)
    # close to the name's direction, and a little to the other ticket's: no score ties
    query = {"mode": SearchMode.DENSE, "dense": (1.0, 0.5, 0.0, 0.0), "text": None}
    assert _first(loaded, SearchView.RAW, **query) == "a"
    assert _first(loaded, SearchView.MASKED, **query) == "b"


def test_a_collection_built_without_the_masked_view_refuses_masked_search(tmp_path: Path) -> None:
    shard_dir = tmp_path / "vectors" / "old"
    config = qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=DIM, distance=qe.Distance.Cosine)},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
    )
    qe.EdgeShard.create(str(shard_dir), config).close()
    assert DENSE_MASKED not in json.loads((shard_dir / "edge_config.json").read_text())["vectors"]
    old = EdgeVectorIndex(tmp_path / "vectors")
    try:
        raw = old.search(
            "old", mode=SearchMode.DENSE, dense=RAW_NAMED, text=None, predicate=None, k=1
        )
        assert raw == []
        with pytest.raises(PrivacyError, match="re-ingest"):
            old.search(
                "old",
                mode=SearchMode.DENSE,
                dense=RAW_NAMED,
                text=None,
                predicate=None,
                k=1,
                view=SearchView.MASKED,
            )
    finally:
        old.close()

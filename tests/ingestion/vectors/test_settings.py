"""Settings pick the implementation in one place; the server backend needs no code change."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from hqg.predicates import Compare
from ingestion.vectors.base import SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.server import QdrantServerIndex
from ingestion.vectors.settings import EmbeddingSettings, VectorSettings, build_vector_index
from ingestion.vectors.versions import VersionedEdgeIndex
from tests.ingestion.vectors.conftest import point


def test_the_embedded_versioned_index_is_the_default(tmp_path: Path) -> None:
    index = build_vector_index(VectorSettings(), tmp_path)
    try:
        assert isinstance(index, VersionedEdgeIndex)
    finally:
        index.close()


def test_the_server_backend_is_chosen_by_settings_alone(tmp_path: Path) -> None:
    settings = VectorSettings(
        backend="server", url="https://qdrant.invalid:6333", api_key=SecretStr("k")
    )
    index = build_vector_index(settings, tmp_path)
    assert isinstance(index, QdrantServerIndex)
    assert "s3cret-key" not in repr(settings)


def test_settings_are_frozen_and_strict() -> None:
    with pytest.raises(ValidationError):
        VectorSettings(backend="pinecone")
    with pytest.raises(ValidationError):
        EmbeddingSettings(model="bge-large")
    with pytest.raises(ValidationError):
        VectorSettings(hnsw_ef=0)


@pytest.mark.slow
def test_the_embedded_index_serves_concurrent_writers_and_readers(tmp_path: Path) -> None:
    index = EdgeVectorIndex(tmp_path)
    index.ensure_collection("c", dim=2)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(50):
                index.upsert(
                    "c", [point(worker * 1000 + n, (1.0, n / 50), "t", tenant=f"w{worker}")]
                )
                index.search(
                    "c",
                    mode=SearchMode.DENSE,
                    dense=(1.0, 0.0),
                    text=None,
                    predicate=Compare("tenant", "=", f"w{worker}"),
                    k=5,
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert index.count("c", predicate=None) == 200
    finally:
        index.close()

"""Both halves of a tenant filter (``tenant = t OR all_tenants = 1``) are payload-indexed in a
new embedded collection, so the engine can plan the OR instead of checking payloads point by
point (20x slower at 20k chunks: see ``benchmarks/million.py``), with unchanged results."""

from __future__ import annotations

from pathlib import Path

import qdrant_edge as qe

from hqg.predicates import AnyOf, Compare
from ingestion.vectors.base import SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.versions import VersionedEdgeIndex, current_version
from tests.ingestion.vectors.conftest import DIM, pid, point


def _schema(shard_dir: Path) -> dict[str, qe.PayloadSchemaType]:
    shard = qe.EdgeShard.load(str(shard_dir), None)
    try:
        return {key: info.data_type for key, info in shard.info().payload_schema.items()}
    finally:
        shard.close()


def test_a_new_collection_indexes_all_tenants_as_an_integer_beside_the_tenant_key(
    tmp_path: Path,
) -> None:
    index = EdgeVectorIndex(tmp_path)
    index.ensure_collection("docs", dim=DIM)
    index.close()
    schema = _schema(tmp_path / "docs")
    assert schema["all_tenants"] == qe.PayloadSchemaType.Integer
    assert schema["tenant"] == qe.PayloadSchemaType.Keyword


def test_a_tenant_filter_finds_the_tenants_and_the_all_tenant_chunks_only(tmp_path: Path) -> None:
    index = EdgeVectorIndex(tmp_path)
    try:
        index.ensure_collection("docs", dim=DIM)
        index.upsert(
            "docs",
            [
                point(1, (1.0, 0.0, 0.0, 0.0), "acme", tenant="acme", all_tenants=0),
                point(2, (1.0, 0.1, 0.0, 0.0), "globex", tenant="globex", all_tenants=0),
                point(3, (1.0, 0.2, 0.0, 0.0), "everyone", tenant=None, all_tenants=1),
                point(4, (1.0, 0.3, 0.0, 0.0), "legacy", tenant="globex"),
            ],
        )
        acme = AnyOf((Compare("tenant", "=", "acme"), Compare("all_tenants", "=", 1)))
        hits = index.search(
            "docs", mode=SearchMode.DENSE, dense=(1.0, 0.0, 0.0, 0.0), text=None,
            predicate=acme, k=10,
        )  # fmt: skip
        assert {hit.id for hit in hits} == {pid(1), pid(3)}
        assert index.count("docs", predicate=acme) == 2
    finally:
        index.close()


def test_an_older_collection_gets_the_missing_index_at_its_next_ingest(tmp_path: Path) -> None:
    root = tmp_path / "vectors"
    versions = VersionedEdgeIndex(root, hnsw_ef=64, exact_below=0)
    try:
        with versions.writer("docs") as index:
            index.ensure_collection("docs", dim=DIM)
            index.upsert("docs", [point(1, (1.0, 0.0, 0.0, 0.0), "a", tenant="acme")])
        old = root / "docs" / str(current_version(root, "docs")) / "docs"
        shard = qe.EdgeShard.load(str(old), None)  # as a release without the index left it
        shard.update(qe.UpdateOperation.delete_field_index("all_tenants"))
        shard.close()
        assert "all_tenants" not in _schema(old)

        with versions.writer("docs") as index:  # what document ingest runs first
            index.ensure_collection("docs", dim=DIM)
            index.upsert("docs", [point(2, (0.0, 1.0, 0.0, 0.0), "b", tenant="acme")])
        new = root / "docs" / str(current_version(root, "docs")) / "docs"
        assert new != old
        assert _schema(new)["all_tenants"] == qe.PayloadSchemaType.Integer
    finally:
        versions.close()

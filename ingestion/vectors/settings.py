"""Vector and embedding settings, and the one place that picks each implementation.

Embedded by default (qdrant-edge shards under the workspace, the packaged MiniLM on CPU); a
Qdrant server by settings alone, same layout, same filters, same tests.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ingestion.embedding import Embedder
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
    ``onnx_threads`` threads; ``auto`` (the default) is ``onnx-int8`` when that extra is
    installed, else ``torch`` (``embedding_runtime``). Query embeddings (one text per call) are
    batched across concurrent requests; the last ``query_cache_size`` may be kept (default 0:
    none).
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


def embedding_runtime(settings: EmbeddingSettings) -> Runtime:
    """The runtime ``settings`` choose: ``auto`` is the int8 one when its weights are installed.

    Either runtime may embed the queries of a collection the other embedded: both run
    all-MiniLM-L6-v2 (the catalog records the model, ``CollectionRecord.embedder``), and their
    vectors agree to cosine >= 0.999 (``tests/ingestion/test_onnx_embedder.py``), so switching
    does not mix incomparable vectors. The int8 one costs about half the CPU per query and per
    short chunk (a ~200-token chunk costs 1.3-1.7x more), and its threads sleep when idle
    (torch's spin): docs/benchmarks.md.
    """
    if settings.runtime != "auto":
        return settings.runtime
    from ingestion.onnx_embedder import int8_installed

    return "onnx-int8" if int8_installed() else "torch"


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """The packaged model on CPU in the configured runtime (loads it: seconds, once), with
    concurrent queries batched and recent ones cached (``ingestion.query_embedding``)."""
    from ingestion.query_embedding import BatchingEmbedder, CachingEmbedder

    runtime = embedding_runtime(settings)
    _log.info("embedding with %s on the %s runtime", settings.model, runtime)
    model: Embedder
    if runtime == "onnx-int8":
        from ingestion.onnx_embedder import OnnxInt8Embedder

        model = OnnxInt8Embedder(batch_size=settings.batch_size, threads=settings.onnx_threads)
    else:
        from ingestion.embedders import SentenceTransformerEmbedder

        model = SentenceTransformerEmbedder(batch_size=settings.batch_size)
    batched = BatchingEmbedder(model, max_batch=settings.batch_size)
    return CachingEmbedder(batched, capacity=settings.query_cache_size)

"""Query embedding under concurrency: concurrent one-text calls share a model call, and a
per-process LRU answers a query text embedded before.

A search embeds one short text, and the model's cost per call is mostly fixed (dispatch, thread
pool start, small matrix products): eight queries embedded as one batch cost little more than
one. ``BatchingEmbedder`` group-commits them (``hqg.batching``): the first caller embeds
whatever is queued, the callers who arrive meanwhile wait for the next batch. Nobody waits for
company, so a lone query is not delayed. ``CachingEmbedder`` keeps the
vectors of recent queries (the same question asked again, a retried request). It is off unless
configured: its hits are a timing signal shared by every caller of the process. Both wrap any
``Embedder`` (the query runtime's model) and return what it returns; both act on
``embed_query`` only, and ``embed`` (the texts an ingest stores) passes straight through.
"""

from __future__ import annotations

from collections.abc import Sequence

from hqg.batching import GroupBatcher
from hqg.lru import LruCache
from ingestion.embedding import Embedder


class BatchingEmbedder:
    """Concurrent ``embed_query`` calls are embedded together, ``max_batch`` at most
    (``hqg.batching.GroupBatcher``: a failing batch is retried text by text, so each caller
    gets its own vector or its own error)."""

    def __init__(self, inner: Embedder, *, max_batch: int = 32) -> None:
        self._inner = inner
        self._batcher: GroupBatcher[str, list[float]] = GroupBatcher(
            inner.embed, max_batch=max_batch
        )

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    @property
    def waiting(self) -> int:
        """Queries queued for the next model call."""
        return self._batcher.waiting

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._inner.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._batcher(text)


class CachingEmbedder:
    """Queries answered from an LRU of ``capacity`` texts (0: no cache)."""

    def __init__(self, inner: Embedder, *, capacity: int) -> None:
        self._inner = inner
        self._cache: LruCache[str, list[float]] = LruCache(capacity)

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._inner.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        if not self._cache.capacity:
            return self._inner.embed_query(text)
        vector = self._cache.get(text)
        if vector is None:
            vector = self._inner.embed_query(text)
            self._cache.put(text, vector)
        return list(vector)  # a copy: callers may not share the cached list

"""Query embedding under concurrency: concurrent one-text calls share a model call, and a
per-process LRU answers a query text embedded before.

A search embeds one short text, and the model's cost per call is mostly fixed (dispatch, thread
pool start, small matrix products): eight queries embedded as one batch cost little more than
one. ``BatchingEmbedder`` group-commits them the way the audit log group-commits records: the
first caller embeds whatever is queued, the callers who arrive meanwhile wait for the next
batch. Nobody waits for company, so a lone query is not delayed. ``CachingEmbedder`` keeps the
vectors of recent one-text calls (the same question asked again, a retried request); batches
from ingest pass straight through. It is off unless configured: its hits are a timing signal
shared by every caller of the process. Both wrap any ``Embedder`` and return what it returns.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from hqg.lru import LruCache
from ingestion.embedding import Embedder


@dataclass
class _Pending:
    text: str
    vector: list[float] | None = None
    error: Exception | None = None
    done: bool = field(default=False)


class BatchingEmbedder:
    """Concurrent single-text ``embed`` calls are embedded together, ``max_batch`` at most."""

    def __init__(self, inner: Embedder, *, max_batch: int = 32) -> None:
        self._inner = inner
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._busy = False
        self._cond = threading.Condition()

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if len(texts) != 1:
            return self._inner.embed(texts)
        pending = _Pending(texts[0])
        with self._cond:
            self._queue.append(pending)
        while True:
            with self._cond:
                while self._busy and not pending.done:
                    self._cond.wait()
                if pending.done:
                    break
                self._busy = True
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
            self._run(batch)
        if pending.error is not None:
            raise pending.error
        assert pending.vector is not None
        return [pending.vector]

    def _run(self, batch: list[_Pending]) -> None:
        """Embed ``batch`` as one call; every waiter gets its vector or the call's error."""
        try:
            vectors = self._inner.embed([p.text for p in batch])
            if len(vectors) != len(batch):
                raise ValueError(f"embedder {self.name} returned {len(vectors)} vectors")
            for pending, vector in zip(batch, vectors, strict=True):
                pending.vector = vector
        except Exception as exc:
            for pending in batch:
                pending.error = exc
        finally:
            with self._cond:
                for pending in batch:
                    pending.done = True
                self._busy = False
                self._cond.notify_all()


class CachingEmbedder:
    """One-text calls answered from an LRU of ``capacity`` texts (0: no cache)."""

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
        if len(texts) != 1 or not self._cache.capacity:
            return self._inner.embed(texts)
        vector = self._cache.get(texts[0])
        if vector is None:
            (vector,) = self._inner.embed(texts)
            self._cache.put(texts[0], vector)
        return [list(vector)]  # a copy: callers may not share the cached list

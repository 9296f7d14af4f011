"""Concurrent query embeddings share model calls and repeated ones come from the cache, with
the very vectors the model gives one at a time (the session's real MiniLM)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from hqg.errors import Unavailable
from ingestion.embedding import Embedder
from ingestion.query_embedding import BatchingEmbedder, CachingEmbedder

pytestmark = pytest.mark.slow  # make test-fast skips it: concurrent embedding


class Recording:
    """The real model, with every call's batch recorded (and a gate to hold the first call)."""

    def __init__(self, inner: Embedder, *, hold_first: threading.Event | None = None) -> None:
        self.inner, self.hold_first = inner, hold_first
        self.name, self.dim = inner.name, inner.dim
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        if self.hold_first is not None and len(self.calls) == 1:
            assert self.hold_first.wait(60)
        return self.inner.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        self.calls.append([text])
        return self.inner.embed_query(text)


def _close(a: list[float], b: list[float]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-4


def test_concurrent_queries_are_embedded_together_each_getting_its_own_vector(
    embedder: Embedder,
) -> None:
    release = threading.Event()
    model = Recording(embedder, hold_first=release)
    batching = BatchingEmbedder(model, max_batch=32)
    texts = [f"order {i} never arrived" for i in range(9)]
    results: dict[str, list[float]] = {}

    def ask(text: str) -> None:
        results[text] = batching.embed_query(text)

    first = threading.Thread(target=ask, args=(texts[0],))
    first.start()
    while not model.calls:  # the first query is in the model: the others queue behind it
        threading.Event().wait(0.01)
    others = [threading.Thread(target=ask, args=(t,)) for t in texts[1:]]
    for thread in others:
        thread.start()
    while batching.waiting < len(others):  # every follower has queued
        threading.Event().wait(0.01)
    release.set()
    for thread in (first, *others):
        thread.join(60)

    assert model.calls[0] == [texts[0]]
    assert sorted(model.calls[1]) == sorted(texts[1:])  # one call for the eight that waited
    assert len(model.calls) == 2
    for text in texts:
        assert _close(results[text], model.inner.embed([text])[0]), text


def test_a_failing_batch_fails_every_query_in_it() -> None:
    class Broken:
        name, dim = "broken", 3

        def embed(self, texts: Sequence[str]) -> list[list[float]]:
            raise Unavailable("the model is gone")

        def embed_query(self, text: str) -> list[float]:
            raise AssertionError("the batcher embeds its queries in batches")

    with pytest.raises(Unavailable):
        BatchingEmbedder(Broken()).embed_query("a question")


def test_a_repeated_query_is_answered_from_the_cache_and_batches_pass_through(
    embedder: Embedder,
) -> None:
    model = Recording(embedder)
    cached = CachingEmbedder(model, capacity=2)
    first = cached.embed_query("refund window")
    first[0] = 99.0  # a caller's mutation does not reach the cache
    again = cached.embed_query("refund window")
    assert len(model.calls) == 1
    assert _close(again, embedder.embed_query("refund window"))
    cached.embed(["a", "b"])
    cached.embed(["a"])  # stored texts are never cached, whatever their number
    cached.embed(["a"])
    assert model.calls[1:] == [["a", "b"], ["a"], ["a"]]


def test_a_cache_of_size_zero_keeps_nothing(embedder: Embedder) -> None:
    model = Recording(embedder)
    cached = CachingEmbedder(model, capacity=0)
    cached.embed_query("refund window")
    cached.embed_query("refund window")
    assert len(model.calls) == 2

"""``embedding``: the query embedding a search pays, by runtime and under concurrency.

- one query, one at a time: the int8 ONNX runtime against sentence-transformers (the
  reference), p50/p95, the two measured in alternating blocks so load drifts hit both;
- queries/s with 8 threads each embedding distinct queries: ``BatchingEmbedder`` (concurrent
  queries share a model call) against calling the model directly, for both runtimes.
Every text is distinct (a counter in it), so no cache answers; the query cache's effect is a
dictionary lookup and not measured here.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from functools import partial

from benchmarks.common import Latency, Row, RunContext, latency, latency_rows, row
from ingestion.embedding import Embedder

NAME = "embedding"
THREADS = 8


def _texts() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"how long is the refund window for order {next(counter)}"


def _embed_one(model: Embedder, text: Callable[[], str]) -> list[float]:
    return model.embed_query(text())


def _alternating(a: Embedder, b: Embedder, *, n: int, blocks: int = 4) -> tuple[Latency, Latency]:
    """Single-query latency of ``a`` and ``b``, measured in alternating blocks."""
    text = _texts()
    found: dict[int, list[Latency]] = {0: [], 1: []}
    for _ in range(blocks):
        for side, model in enumerate((a, b)):
            found[side].append(latency(partial(_embed_one, model, text), n=n // blocks))

    def merged(parts: list[Latency]) -> Latency:
        return Latency(
            n=sum(p.n for p in parts),
            p50_ms=sorted(p.p50_ms for p in parts)[len(parts) // 2],
            p95_ms=max(p.p95_ms for p in parts),
            mean_ms=sum(p.mean_ms for p in parts) / len(parts),
        )

    return merged(found[0]), merged(found[1])


def queries_per_second(model: Embedder, *, seconds: float, threads: int = THREADS) -> float:
    """Distinct one-text queries embedded per second by ``threads`` callers at once."""
    text, done, lock = _texts(), [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def caller() -> None:
        while time.monotonic() < deadline:
            model.embed_query(text())
            with lock:
                done[0] += 1

    workers = [threading.Thread(target=caller) for _ in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return done[0] / (time.monotonic() - started)


def run(ctx: RunContext) -> list[Row]:
    from ingestion.embedders import SentenceTransformerEmbedder
    from ingestion.onnx_embedder import OnnxInt8Embedder
    from ingestion.query_embedding import BatchingEmbedder

    torch, int8 = SentenceTransformerEmbedder(), OnnxInt8Embedder(threads=2)
    n, seconds = (40, 3.0) if ctx.quick else (200, 10.0)
    reference, quantised = _alternating(torch, int8, n=n)
    rows = latency_rows(
        NAME, "one query, int8 ONNX vs sentence-transformers", baseline=reference, hqg=quantised,
        note="distinct texts; int8 with 2 onnxruntime threads",
    )  # fmt: skip
    for label, model in (("sentence-transformers", torch), ("int8 ONNX", int8)):
        direct = queries_per_second(model, seconds=seconds)
        batched = queries_per_second(BatchingEmbedder(model), seconds=seconds)
        rows.append(
            row(NAME, f"{THREADS} concurrent queries, batched vs one by one ({label})", "1/s",
                baseline=direct, hqg=batched, note="distinct texts; one process")
        )  # fmt: skip
    return rows

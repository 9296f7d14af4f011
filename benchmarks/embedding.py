"""``embedding``: what each runtime costs for each kind of text (``ingestion.embedding``).

- one query, one at a time: the int8 ONNX runtime against sentence-transformers (the
  reference), p50/p95, the two measured in alternating blocks so load drifts hit both;
- queries/s with 8 threads each embedding distinct queries: ``BatchingEmbedder`` (concurrent
  queries share a model call) against calling the model directly, for both runtimes;
- stored texts/s (``embed``, batches of 32, what an ingest pays): ticket-sized chunks and
  Cranfield abstracts, int8 on one and on two onnxruntime threads against sentence-transformers,
  wall and process CPU, medians of alternating rounds. ``auto`` embeds stored texts with the
  runtime these rows favour on an idle machine (``AUTO_BATCH_RUNTIME``).
Every text is distinct (a counter in it), so no cache answers; the query cache's effect is a
dictionary lookup and not measured here.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial

from benchmarks.common import Latency, Row, RunContext, latency, latency_rows, row, timed
from ingestion.embedding import Embedder

ROUNDS = 3

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


def stored_texts() -> dict[str, list[str]]:
    """Texts an ingest stores: ticket-sized chunks (two or three Cranfield sentences, ~150
    characters, like the demo's tickets) and whole Cranfield abstracts (~150–250 tokens)."""
    from benchmarks.million import CORPUS, real_texts
    from evals.cranfield import load_corpus

    sentences, _ = real_texts(600)
    tickets = [" ".join(sentences[i : i + 2])[:160] for i in range(0, 600, 3)]
    abstracts = list(load_corpus(CORPUS).docs.values())[:64]
    return {"ticket-sized chunks": tickets, "Cranfield abstracts": abstracts}


def _rate(model: Embedder, texts: list[str]) -> tuple[float, float]:
    """Texts per wall second and per CPU second (the process's, every thread) of one batch."""
    wall, cpu = time.perf_counter(), time.process_time()
    model.embed(texts)
    return len(texts) / (time.perf_counter() - wall), len(texts) / (time.process_time() - cpu)


def fastest_bare(models: Mapping[str, Embedder], texts: list[str]) -> tuple[str, float]:
    """The runtime that embeds ``texts`` (as stored texts) fastest, and its wall seconds: the
    honest baseline of "ingest against bare embedding" is the fastest way to embed at all."""
    seconds = {name: timed(partial(model.embed, texts)) for name, model in models.items()}
    name = min(seconds, key=seconds.__getitem__)
    return name, seconds[name]


def stored_rows(models: dict[str, Embedder], *, rounds: int = ROUNDS) -> list[Row]:
    """Each int8 variant against torch on stored texts, alternating rounds, medians."""
    rows: list[Row] = []
    for kind, texts in stored_texts().items():
        found: dict[str, list[tuple[float, float]]] = {name: [] for name in models}
        for model in models.values():
            model.embed(texts[:8])
        for _ in range(rounds):
            for name, model in models.items():
                found[name].append(_rate(model, texts))
        wall = {name: statistics.median(r[0] for r in rates) for name, rates in found.items()}
        cpu = {name: statistics.median(r[1] for r in rates) for name, rates in found.items()}
        for name in list(models)[1:]:
            rows.append(
                row(NAME, f"stored texts, {kind}: {name} vs torch", "texts/s",
                    baseline=wall["torch"], hqg=wall[name],
                    note=f"{len(texts)} texts, batches of 32; per CPU second "
                    f"{cpu[name]:.0f} vs {cpu['torch']:.0f}")
            )  # fmt: skip
    return rows


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
    int8_one = OnnxInt8Embedder(threads=1)
    models: dict[str, Embedder] = {
        "torch": torch,
        "int8 1 thread": int8_one,
        "int8 2 threads": int8,
    }
    return rows + stored_rows(models, rounds=2 if ctx.quick else ROUNDS)

"""``million``: governed search over a million chunks (issue 18, goal 4).

``python -m benchmarks --only million [--chunks N]`` (default 1,000,000) loads one embedded
collection through the product's own path (``gateway.components.writer``: the versioned
qdrant-edge index, its payload indexes, ``optimize()`` for the HNSW graph) and measures, as
demo-alice (tenant acme, clearance confidential, PII masked):

- **Recall@10 under her filter.** ``REAL_TEXTS`` sentences of the Cranfield abstracts are
  embedded with the product's MiniLM (cached on disk: ``cache_dir()``) and indexed among the
  synthetic chunks; the Cranfield queries, embedded the same way, are searched with the
  predicate and view policy gives alice (``decide_collections``), against the same search on
  a second reader of the same published version whose ``exact_below`` forces exact search.
- **Latency** of ``governed_search_request`` (policy, filtered search, withheld counts, masking
  on read, egress, durable audit) with the query embedding memoised (``CachedEmbedder``: the
  target excludes it), beside the index search alone under the same filter.
- **Serving during the build.** Version 1 holds the real chunks; version 2 (all ``N``) is built
  by a writer while a thread keeps searching as alice. Every search during the build must
  succeed on version 1; the next one after the publish sees version 2.
- **Build time** (upsert, HNSW) and the published version's **disk size** (allocated blocks).

The synthetic chunks carry the real ingest payload (``search.bench_point``: half acme, half
globex, each tenant's chunks cycling through the four classifications, one PERSON span each,
the masked text) and random unit vectors; the real ones the same payload with their sentence
as text. Opt-in (``OPT_IN`` in ``__main__``): 200k chunks took 37 minutes to build here.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import Latency, Row, RunContext, latency, row
from benchmarks.search import (
    DIM,
    CachedEmbedder,
    bench_point,
    prepare,
    register_collection,
    unit_vectors,
)

NAME = "million"
DEFAULT_CHUNKS = 1_000_000
COLLECTION = "million"
REAL_TEXTS = 2_400
"""Real MiniLM embeddings mixed in (the issue asks for at least 2,000)."""
K = 10
BATCH = 4096
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "cranfield"
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


@dataclass
class Probe:
    """Governed searches run by a background thread until ``stop`` (serving during a build)."""

    search: Callable[[], int]
    samples_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    pause_s: float = 0.05

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                self.search()
            except Exception as exc:  # every failure is reported, none ends the probe
                self.errors.append(type(exc).__name__)
            self.samples_ms.append((time.perf_counter() - start) * 1000)
            self.stop.wait(self.pause_s)


@dataclass(frozen=True)
class Result:
    """What one run measured (``rows`` renders it)."""

    chunks: int
    real: int
    visible: int
    load_s: float
    hnsw_s: float
    disk_bytes: int
    governed: Latency
    index_only: Latency
    recall_at_10: float
    recall_queries: int
    leaked_tenants: int
    during_build: Latency
    during_build_errors: int
    before_build: Latency
    served_old_version: bool
    serves_new_version: bool


def cache_dir() -> Path:
    """Where real embeddings are kept between runs (``HQG_BENCH_CACHE`` or ~/.cache)."""
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hqg-benchmarks"
    return Path(os.environ.get("HQG_BENCH_CACHE") or default)


def real_texts(n: int) -> tuple[list[str], list[str]]:
    """``n`` sentences of the Cranfield abstracts (evenly spread) and the 225 queries."""
    from evals.cranfield import load_corpus

    corpus = load_corpus(CORPUS)
    sentences = [
        s.strip()
        for doc in corpus.docs.values()
        for s in _SENTENCE.split(doc.replace("\n", " "))
        if len(s.split()) >= 5
    ]
    if len(sentences) < n:
        raise ValueError(f"the corpus has {len(sentences)} sentences, fewer than {n}")
    step = len(sentences) / n
    return [sentences[int(i * step)] for i in range(n)], list(corpus.queries)


def embedded(embedder: Any, texts: Sequence[str]) -> list[list[float]]:
    """``embedder``'s vectors of ``texts``, read from the cache when the same model embedded
    the same texts before (embedding 2,400 sentences takes a minute on a loaded machine)."""
    import numpy as np

    digest = hashlib.sha256("\x00".join([embedder.name, *texts]).encode()).hexdigest()[:24]
    path = cache_dir() / f"{digest}.npy"
    if path.is_file():
        cached: list[list[float]] = np.load(path).tolist()
        return cached
    vectors = embedder.embed(list(texts))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, np.asarray(vectors, dtype="float32"))
    os.replace(tmp, path)
    return [list(v) for v in vectors]


def _point(i: int, text: str, persons: Sequence[tuple[int, int]], vector: list[float]) -> Any:
    return bench_point(
        COLLECTION, i, text, persons, vector, classification=CLASSIFICATIONS[i // 2 % 4]
    )


def _synthetic(start: int, stop: int) -> Iterator[Any]:
    for i, vector in zip(range(start, stop), unit_vectors(stop - start, seed=stop), strict=True):
        head, name = f"Ticket {i}: customer ", ("Maria Lopez", "John Carter", "Aiko Tanaka")[i % 3]
        text = f"{head}{name} asked about order {i * 7919 % 100_000} and its refund."
        yield _point(i, text, [(len(head), len(head) + len(name))], vector)


def _upsert(index: Any, points: Iterator[Any], total: int, progress: Callable[[str], None]) -> int:
    done, started = 0, time.perf_counter()
    while batch := list(itertools.islice(points, BATCH)):
        index.upsert(COLLECTION, batch)
        done += len(batch)
        if done % (BATCH * 25) < BATCH or done == total:
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress(f"loaded {done:,}/{total:,} chunks ({rate:,.0f}/s)")
    return done


def disk_bytes(directory: Path) -> int:
    """Allocated bytes under ``directory`` (the engine's preallocated holes not counted)."""
    return sum(p.stat().st_blocks * 512 for p in directory.rglob("*") if p.is_file())


def _progress(message: str) -> None:
    print(f"  {NAME}: {message}", file=sys.stderr, flush=True)


class _Alice:
    """demo-alice's governed search over ``COLLECTION`` and the filter policy gives her."""

    def __init__(self, gateway: Any, queries: Sequence[str]) -> None:
        from gateway.access import decide_collections
        from gateway.context import RequestContext

        self.gateway = gateway
        self.principal = gateway.principals.authenticate("demo-alice")
        ctx = RequestContext.create(self.principal, purpose=None)
        (scope,) = decide_collections(gateway, ctx, [COLLECTION], action="search").scopes
        self.predicate, self.view = scope.predicate, scope.view
        self._queries = itertools.cycle(queries)

    def governed(self) -> int:
        from gateway.context import RequestContext
        from gateway.search_pipeline import governed_search_request
        from ingestion.vectors.base import SearchMode

        ctx = RequestContext.create(self.principal, purpose=None)
        response = governed_search_request(
            self.gateway, ctx, query=next(self._queries), collections=[COLLECTION],
            mode=SearchMode.DENSE, k=K,
        )  # fmt: skip
        return len(response.results)

    def index_search(self, index: Any, vector: Sequence[float]) -> list[Any]:
        from ingestion.vectors.base import SearchMode

        found: list[Any] = index.search(
            COLLECTION, mode=SearchMode.DENSE, dense=vector, text=None,
            predicate=self.predicate, k=K, view=self.view,
        )  # fmt: skip
        return found


def _recall(alice: _Alice, gateway: Any, vectors: Sequence[Sequence[float]]) -> tuple[float, int]:
    """Mean recall@10 of the served index against exact search of the same version under
    alice's filter, and how many returned points were not alice's tenant."""
    from ingestion.vectors.versions import VersionedEdgeIndex

    settings = gateway.settings
    exact = VersionedEdgeIndex(
        settings.workspace.vectors_dir, hnsw_ef=settings.vectors.hnsw_ef, exact_below=sys.maxsize
    )
    total, leaked = 0.0, 0
    try:
        for vector in vectors:
            truth = {hit.id for hit in alice.index_search(exact, vector)}
            found = alice.index_search(gateway.vectors, vector)
            leaked += sum(hit.payload.get("tenant") != alice.principal.tenant for hit in found)
            total += len(truth & {hit.id for hit in found}) / max(len(truth), 1)
    finally:
        exact.close()
    return total / len(vectors), leaked


def _bounded(call: Callable[[], Any], *, n_max: int, budget_s: float) -> Latency:
    one = time.perf_counter()
    call()
    one = max(time.perf_counter() - one, 1e-6)
    return latency(call, n=max(20, min(n_max, int(budget_s / one))), warmup=3)


def _summary(samples_ms: Sequence[float]) -> Latency:
    import statistics

    ordered = sorted(samples_ms) or [0.0]
    n = len(ordered)
    return Latency(
        n=len(samples_ms),
        p50_ms=statistics.median(ordered),
        p95_ms=ordered[min(n - 1, round(0.95 * (n - 1)))],
        mean_ms=statistics.fmean(ordered),
        p99_ms=ordered[min(n - 1, round(0.99 * (n - 1)))],
    )


def measure(
    gateway: Any,
    *,
    chunks: int,
    real: int = REAL_TEXTS,
    n_calls: int = 300,
    recall_queries: int | None = None,
    progress: Callable[[str], None] = _progress,
) -> Result:
    """Build ``COLLECTION`` in two versions (``real`` chunks, then all ``chunks``) in the
    gateway's workspace and measure it; ``recall_queries`` caps the Cranfield queries used."""
    from hqg.predicates import cache_key
    from ingestion.vectors.versions import current_version

    texts, query_texts = real_texts(real)
    query_texts = query_texts[:recall_queries] if recall_queries else query_texts
    embedder = CachedEmbedder(gateway.embedder)
    real_vectors = embedded(gateway.embedder, texts)
    query_vectors = embedded(gateway.embedder, query_texts)
    embedder.prime(query_texts, query_vectors)
    progress(f"{len(texts):,} real texts and {len(query_texts)} queries embedded")

    from gateway.components import Lazy

    gateway.components.embedder = Lazy(lambda: embedder)
    register_collection(gateway, COLLECTION)
    with gateway.components.writer(COLLECTION) as index:
        index.ensure_collection(COLLECTION, dim=DIM)
        points = (
            _point(i, t, (), v) for i, (t, v) in enumerate(zip(texts, real_vectors, strict=True))
        )
        _upsert(index, points, real, progress)
        index.optimize(COLLECTION)
    alice = _Alice(gateway, query_texts)
    progress(f"alice searches the {alice.view} view under {cache_key(alice.predicate)}")
    before = _bounded(alice.governed, n_max=50, budget_s=10)
    root = gateway.settings.workspace.vectors_dir
    old = current_version(root, COLLECTION)

    probe = Probe(search=alice.governed)
    thread = threading.Thread(target=probe.run, name="million-probe", daemon=True)
    thread.start()
    served_old = True
    try:
        with gateway.components.writer(COLLECTION) as index:
            start = time.perf_counter()
            _upsert(index, _synthetic(real, chunks), chunks - real, progress)
            load_s = time.perf_counter() - start
            progress(f"loaded in {load_s:.0f} s; building the HNSW graph")
            start = time.perf_counter()
            index.optimize(COLLECTION)
            hnsw_s = time.perf_counter() - start
            progress(f"HNSW built in {hnsw_s:.0f} s")
            served_old = gateway.vectors.count(COLLECTION, predicate=None) == real
    finally:
        probe.stop.set()
        thread.join()
    new = current_version(root, COLLECTION)
    progress(f"published {new} ({len(probe.errors)} errors in {len(probe.samples_ms)} searches)")
    serves_new = new != old and gateway.vectors.count(COLLECTION, predicate=None) == chunks
    size = disk_bytes(root / COLLECTION / str(new))
    visible = gateway.vectors.count(COLLECTION, predicate=alice.predicate)

    governed = _bounded(alice.governed, n_max=n_calls, budget_s=30)
    vectors = itertools.cycle(query_vectors)
    index_only = _bounded(
        lambda: alice.index_search(gateway.vectors, next(vectors)), n_max=n_calls, budget_s=20
    )
    progress(f"governed p95 {governed.p95_ms:.1f} ms; computing recall against exact search")
    recall, leaked = _recall(alice, gateway, query_vectors)
    return Result(
        chunks=chunks,
        real=real,
        visible=visible,
        load_s=load_s,
        hnsw_s=hnsw_s,
        disk_bytes=size,
        governed=governed,
        index_only=index_only,
        recall_at_10=recall,
        recall_queries=len(query_vectors),
        leaked_tenants=leaked,
        during_build=_summary(probe.samples_ms),
        during_build_errors=len(probe.errors),
        before_build=before,
        served_old_version=served_old,
        serves_new_version=serves_new,
    )


def rows(result: Result) -> list[Row]:
    r, label = result, f"{result.chunks:,} chunks"
    raw_vectors = r.chunks * DIM * 4 * 2  # two dense views, float32
    target = "target p95 <= 20 ms excl. query embedding"
    out = [
        row(NAME, f"{label}: build (upsert + HNSW)", "s", baseline=r.load_s,
            hqg=r.load_s + r.hnsw_s,
            note=f"upsert {r.load_s:.0f} s + HNSW {r.hnsw_s:.0f} s; baseline = upsert alone"),
        row(NAME, f"{label}: disk of the published version", "MB", baseline=raw_vectors / 1e6,
            hqg=r.disk_bytes / 1e6, note="baseline = the raw float32 vectors of both dense views"),
        row(NAME, f"{label}: recall@10 as alice vs exact search", "recall", baseline=1.0,
            hqg=r.recall_at_10,
            note=f"{r.recall_queries} Cranfield queries over {r.real:,} real MiniLM chunks; "
            f"{r.visible:,} chunks visible to alice; other-tenant hits {r.leaked_tenants}"),
    ]  # fmt: skip
    for pct in ("p50", "p95", "p99"):
        out.append(
            row(NAME, f"{label}: governed search as alice vs filtered index search {pct}", "ms",
                baseline=_pct(r.index_only, pct), hqg=_pct(r.governed, pct),
                note=target if pct == "p95" else "dense, k 10, query embedding memoised")
        )  # fmt: skip
    out.append(
        row(NAME, f"{label}: governed search during the build vs before it p95", "ms",
            baseline=r.before_build.p95_ms, hqg=r.during_build.p95_ms,
            note=f"{r.during_build.n} searches during the build, {r.during_build_errors} errors; "
            f"served the old version: {r.served_old_version}; "
            f"new version served after publish: {r.serves_new_version}")
    )  # fmt: skip
    return out


def _pct(summary: Latency, name: str) -> float:
    value = {"p50": summary.p50_ms, "p95": summary.p95_ms, "p99": summary.p99_ms}[name]
    return float(value if value is not None else summary.p95_ms)


def run(ctx: RunContext) -> list[Row]:
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway

    chunks = ctx.chunks or (100_000 if ctx.quick else DEFAULT_CHUNKS)
    home = prepare(ctx, NAME)
    gateway = build_gateway(load_settings(home=home))
    try:
        real = min(REAL_TEXTS, chunks // 2)
        return rows(measure(gateway, chunks=chunks, real=real))
    finally:
        gateway.close()

"""``search``: governed search vs bare index search, masking on read vs live detection, and
document ingest vs bare embedding.

- **Governed vs bare search** at 10k and 100k chunks (``--quick``: 2k and 10k) in a synthetic
  collection. The bulk vectors are random normalised 384-d vectors, not embeddings (embedding
  100k texts would take ~20 min here); payloads are the real ingest payload
  (``DocumentChunk.payload()``), half acme and half globex, each text with one PERSON span.
  The HNSW graph is built (``optimize()``) before timing, as after a bulk load.
  Governed = ``governed_search_request`` as demo-alice (dense, k=10): policy decision, search
  under her tenant/clearance/injection filter, two withheld counts, masking on read,
  provenance, durable audit append. Bare = the same ``VectorIndex.search`` with no filter.
  Both use the same query vectors (embedded once, memoised): the query embedding, which both
  paths pay, is measured on its own row, so the ratio is the price of governance alone.
- **Masking on read vs live detection**, per chunk, over the ingested acme ticket chunks:
  ``mask_for_principal`` (splice the stored spans) vs the product's detector (spaCy + Rampart
  + allow-list + known entities, ``privacy.composite``) + ``mask_text``.
- **Document ingest vs bare embedding** over the demo's acme tickets (200 documents;
  ``--quick``: 50): ``ingest_documents`` (parse, chunk, PII, injection score, embed, upsert,
  catalog) vs ``Embedder.embed`` on the same chunk texts.
"""

from __future__ import annotations

import itertools
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import Latency, Row, RunContext, latency, latency_rows, row, timed
from benchmarks.embedding import fastest_bare

NAME = "search"
DIM = 384
K = 10
REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)
QUERIES = (
    "refund for a damaged item",
    "where is my parcel",
    "change the delivery address",
    "warranty claim for a broken charger",
    "cancel my subscription",
    "invoice shows the wrong amount",
    "return window for shoes",
    "late delivery compensation",
)
_NAMES = ("Maria Lopez", "John Carter", "Aiko Tanaka", "Peter Novak", "Grace Okafor")
_WORDS = [
    "order",
    "parcel",
    "refund",
    "invoice",
    "delivery",
    "courier",
    "warranty",
    "charger",
    "address",
    "payment",
    "card",
    "subscription",
    "return",
    "label",
    "discount",
    "voucher",
    "damaged",
    "missing",
    "late",
    "store",
    "credit",
]


def prepare(ctx: RunContext, name: str = NAME) -> Path:
    """A workspace with the demo's principals and demo document sources (not ingested: the
    ingest benchmark ingests the acme tickets itself); returns its home."""
    import json

    from demo.documents import write_demo_documents
    from demo.principals import demo_principals
    from gateway.principals import write_principals
    from ingestion.workspace import Workspace

    home = ctx.scratch / name / "home"
    workspace = Workspace.create(home)
    write_demo_documents(home / "demo-docs", seed=7, reference_time=REFERENCE)
    write_principals(workspace.principals_path, demo_principals())
    workspace.demo_marker.write_text(json.dumps({"seed": 7}), encoding="utf-8")
    return home


class CachedEmbedder:
    """The gateway's embedder with a memo, so the governed-vs-bare ratio measures governance:
    both paths then search with a vector computed once per query text (the embedding cost is
    reported on its own row)."""

    def __init__(self, inner: Any) -> None:
        self._inner, self._memo = inner, dict[str, list[float]]()

    @property
    def name(self) -> str:
        return str(self._inner.name)

    @property
    def dim(self) -> int:
        return int(self._inner.dim)

    def prime(self, texts: Sequence[str], vectors: Sequence[list[float]]) -> None:
        """Remember vectors computed elsewhere (e.g. read from a cache)."""
        self._memo.update(zip(texts, vectors, strict=True))

    def embed(self, texts: Any) -> list[list[float]]:
        missing = [text for text in texts if text not in self._memo]
        if missing:
            self._memo.update(zip(missing, self._inner.embed(missing), strict=True))
        return [self._memo[text] for text in texts]

    def embed_query(self, text: str) -> list[float]:
        if text not in self._memo:
            self._memo[text] = self._inner.embed_query(text)
        return self._memo[text]


def _text(rng: random.Random, i: int) -> tuple[str, int, int]:
    name = _NAMES[i % len(_NAMES)]
    head = f"Ticket {i}: customer "
    words = " ".join(rng.choice(_WORDS) for _ in range(40))
    return f"{head}{name} wrote about {words}.", len(head), len(head) + len(name)


def _points(collection: str, n: int, seed: int) -> Iterator[Any]:
    """``n`` indexed points with real ingest payloads and random unit vectors."""
    rng = random.Random(seed)
    for i, vector in enumerate(unit_vectors(n, seed)):
        text, s, e = _text(rng, i)
        yield bench_point(collection, i, text, [(s, e)], vector)


def unit_vectors(n: int, seed: int, *, batch: int = 2048) -> Iterator[list[float]]:
    """``n`` random unit vectors of ``DIM`` floats, generated ``batch`` at a time."""
    import numpy as np

    generator = np.random.default_rng(seed)
    for start in range(0, n, batch):
        block = generator.standard_normal((min(batch, n - start), DIM)).astype("float32")
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        yield from block.tolist()


def bench_point(
    collection: str,
    i: int,
    text: str,
    persons: Sequence[tuple[int, int]],
    vector: list[float],
    *,
    tenant: str | None = None,
    classification: str = "internal",
) -> Any:
    """Chunk ``i`` of ``collection`` as document ingest stores it (``DocumentChunk.payload()``):
    tenant alternating acme/globex unless given, ``persons`` as stored PERSON spans and masked
    in the masked text; the masked view ranks by the same ``vector``."""
    from ingestion.contracts import Classification
    from ingestion.documents.model import DocumentChunk, DocumentMeta, content_hash
    from privacy.spans import Span, spans_to_json

    meta = DocumentMeta(
        collection=collection,
        doc_id=f"bench/{i}",
        source=f"bench/{i}.md",
        doc_hash=content_hash(str(i)),
        version=1,
        title=f"Ticket {i}",
        as_of=REFERENCE - timedelta(hours=i % 500),
        ingested_at=REFERENCE,
        freshness_sla_seconds=30 * 86400,
        tenant=tenant or ("acme", "globex")[i % 2],
        classification=Classification(classification),
        labels=(),
        metadata={"ticket_id": i},
    )
    spans = [Span(entity_type="PERSON", start=s, end=e, score=0.85) for s, e in persons]
    masked = text
    for s, e in sorted(persons, reverse=True):
        masked = masked[:s] + "<PERSON>" + masked[e:]
    chunk = DocumentChunk(
        meta=meta,
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{collection}/{i}")),
        index=0,
        text=text,
        start=0,
        end=len(text),
        heading_path=(),
        content_hash=content_hash(text),
        pii=spans_to_json(spans),
        pii_entities=("PERSON",) if spans else (),
        text_masked=masked,
        injection_score=0.0,
        injection_reasons=(),
    )
    return chunk.to_point(vector, masked_dense=vector)


def register_collection(gateway: Any, collection: str) -> None:
    """Record ``collection`` in the document catalog, as ingest does (policy decides on it)."""
    from ingestion.contracts import Classification
    from ingestion.documents.catalog import CollectionRecord

    gateway.documents.save_collection(
        CollectionRecord(
            name=collection,
            root=None,
            tenancy=None,
            default_classification=Classification.INTERNAL,
            default_labels=(),
            default_freshness_sla=None,
            embedder=gateway.embedder.name,
            dim=DIM,
            created_at=REFERENCE,
        )
    )


def _load_collection(gateway: Any, collection: str, n: int) -> float:
    """Create ``collection`` with ``n`` synthetic chunks and build its HNSW; returns seconds."""
    register_collection(gateway, collection)
    start = time.perf_counter()
    with gateway.components.writer(collection) as index:
        index.ensure_collection(collection, dim=DIM)
        batch: list[Any] = []
        for point in _points(collection, n, seed=n):
            batch.append(point)
            if len(batch) == 1024:
                index.upsert(collection, batch)
                batch = []
        if batch:
            index.upsert(collection, batch)
        index.optimize(collection)
    return time.perf_counter() - start


@contextmanager
def _tmpfs_audit(gateway: Any) -> Iterator[bool]:
    """The audit log on tmpfs while the block runs (fsync then costs ~nothing), if available."""
    from audit import AuditLog

    shm = Path("/dev/shm")
    if not shm.is_dir():
        yield False
        return
    durable = gateway.audit
    with tempfile.TemporaryDirectory(dir=shm) as directory:
        gateway.audit = AuditLog(Path(directory) / "audit.jsonl")
        try:
            yield True
        finally:
            gateway.audit = durable


def _search_latencies(gateway: Any, collection: str, n_calls: int) -> dict[str, Latency]:
    from gateway.components import Lazy
    from gateway.context import RequestContext
    from gateway.search_pipeline import governed_search_request
    from ingestion.vectors.base import SearchMode

    alice = gateway.principals.authenticate("demo-alice")
    index, embedder = gateway.vectors, gateway.embedder
    cached = CachedEmbedder(embedder)
    vectors = itertools.cycle([cached.embed_query(query) for query in QUERIES])
    queries = itertools.cycle(QUERIES)

    def bare() -> None:
        index.search(
            collection, mode=SearchMode.DENSE, dense=next(vectors), text=None,
            predicate=None, k=K,
        )  # fmt: skip

    def governed() -> None:
        ctx = RequestContext.create(alice, purpose=None)
        governed_search_request(
            gateway, ctx, query=next(queries), collections=[collection],
            mode=SearchMode.DENSE, k=K,
        )  # fmt: skip

    original = gateway.components.embedder
    gateway.components.embedder = Lazy(lambda: cached)
    try:
        measured = {
            "bare": _bounded_latency(bare, n_max=n_calls),
            "governed": _bounded_latency(governed, n_max=n_calls),
        }
        with _tmpfs_audit(gateway) as on_tmpfs:
            if on_tmpfs:
                measured["governed_tmpfs"] = _bounded_latency(governed, n_max=n_calls)
    finally:
        gateway.components.embedder = original
    return measured


def _bounded_latency(call: Callable[[], Any], *, n_max: int, budget_s: float = 25.0) -> Latency:
    """``latency`` with as many calls as fit in ``budget_s`` (at least 10, at most ``n_max``),
    so a slow path at 100k chunks cannot stretch the run past a few minutes."""
    one = max(timed(call), 1e-6)
    return latency(call, n=max(10, min(n_max, int(budget_s / one))), warmup=2)


def _embedding_rows(gateway: Any, n_calls: int) -> list[Row]:
    """Embedding one query (MiniLM on CPU) vs a bare search: the cost both paths share."""
    from ingestion.vectors.base import SearchMode

    embedder, queries = gateway.embedder, itertools.cycle(QUERIES)
    probe = [1.0] + [0.0] * (DIM - 1)

    def bare() -> None:
        gateway.vectors.search(
            "bench_ingest", mode=SearchMode.DENSE, dense=probe, text=None, predicate=None, k=K
        )

    return latency_rows(
        NAME,
        "embed one query vs bare index search",
        baseline=latency(bare, n=n_calls),
        hqg=latency(lambda: embedder.embed_query(next(queries)), n=n_calls),
        note="the query embedding is paid by governed and bare search alike",
    )


def _search_rows(size: int, m: Mapping[str, Latency], load_s: float) -> list[Row]:
    label = f"{size // 1000}k chunks"
    added = m["governed"].p50_ms - m["bare"].p50_ms
    rows = latency_rows(
        NAME,
        f"{label}: governed vs bare index search",
        baseline=m["bare"],
        hqg=m["governed"],
        note=f"added p50 {added:.2f} ms; same query vectors; load+HNSW {load_s:.0f} s",
    )
    if "governed_tmpfs" in m:
        rows += latency_rows(
            NAME,
            f"{label}: governed (audit on tmpfs) vs bare index search",
            baseline=m["bare"],
            hqg=m["governed_tmpfs"],
            note="the non-durable floor: audit fsync costs ~nothing on tmpfs",
        )
    return rows


def stored_chunks(gateway: Any, collection: str, n: int) -> list[tuple[str, str]]:
    """(text, stored spans JSON) of up to ``n`` chunks of a demo collection."""
    from ingestion.vectors.base import SearchMode

    probe = [1.0] + [0.0] * (DIM - 1)
    hits = gateway.vectors.search(
        collection, mode=SearchMode.DENSE, dense=probe, text=None, predicate=None, k=n
    )
    return [(hit.text, str(hit.payload.get("pii") or "[]")) for hit in hits]


def _masking_rows(gateway: Any, ctx: RunContext) -> list[Row]:
    from privacy.masker import mask_text
    from privacy.operators import MaskKind
    from privacy.spans import spans_from_json
    from privacy.vault import PseudonymVault
    from retrieval.evidence import mask_for_principal

    chunks = stored_chunks(gateway, "bench_ingest", 1000)
    detector = ctx.detector()
    policy = {"*": MaskKind.PSEUDONYM}
    cycle_read, cycle_live = itertools.cycle(chunks), itertools.cycle(chunks)

    def on_read() -> None:
        text, spans = next(cycle_read)
        mask_for_principal(text, spans_from_json(spans), policy, PseudonymVault())

    def live() -> None:
        text, _ = next(cycle_live)
        mask_text(text, detector.detect(text), policy=MaskKind.PSEUDONYM, vault=PseudonymVault())

    n = len(chunks)
    read, presidio = latency(on_read, n=n * 3), latency(live, n=n)
    return latency_rows(
        NAME,
        "mask one chunk: live detection vs stored spans",
        baseline=read,
        hqg=presidio,
        note=f"{n} demo ticket chunks, spans stored at ingest; ratio = what reads save",
    )


def ingest_rows(
    gateway: Any,
    home: Path,
    ctx: RunContext,
    *,
    detector: Any = None,
    collection: str = "bench_ingest",
    label: str = "document ingest vs bare embedding",
    benchmark: str = NAME,
    bare: Mapping[str, Any] | None = None,
) -> list[Row]:
    """Ingest the demo's acme tickets with ``detector`` (the run's composite by default) into
    ``collection``, against embedding the same chunk texts alone with the fastest of ``bare``
    (runtimes by name; default: the product's embedder), named in the note."""
    from guards.heuristics import HeuristicInjectionDetector
    from ingestion.documents.pipeline import ingest_documents
    from ingestion.vectors.base import SearchMode
    from ingestion.workspace import Workspace

    source = home / "demo-docs" / "tickets" / "acme"
    documents = sorted(p for p in source.rglob("*") if p.is_file())
    if ctx.quick:
        source = ctx.scratch / NAME / "docs-quick"
        source.mkdir(parents=True, exist_ok=True)
        for path in documents[:50]:
            (source / path.name).write_bytes(path.read_bytes())
        documents = documents[:50]
    start = time.perf_counter()
    report = ingest_documents(
        Workspace.open(home),
        source,
        collection=collection,
        detector=detector or ctx.detector(),
        injection=HeuristicInjectionDetector(),
        embedder=gateway.embedder,
        writer=gateway.components.writer,
        tenant="acme",
    )
    ingest_s = time.perf_counter() - start
    hits = gateway.vectors.search(
        collection, mode=SearchMode.DENSE, dense=[1.0] + [0.0] * (DIM - 1), text=None,
        predicate=None, k=1000,
    )  # fmt: skip
    texts = [hit.text for hit in hits]
    # the index holds a second vector per chunk with PII: its masked view (issue 11)
    masked = [str(hit.payload["text_masked"]) for hit in hits if hit.payload["pii"] != "[]"]
    runtimes = bare or {"the product's batch runtime": gateway.embedder}
    runtime, embed_s = fastest_bare(runtimes, texts)
    both_runtime, both_s = fastest_bare(runtimes, texts + masked)
    docs = len(documents)
    return [
        row(
            benchmark,
            f"{label} ({docs} docs, {len(texts)} chunks)",
            "docs/s",
            baseline=docs / embed_s,
            hqg=docs / ingest_s,
            note=f"ingest {ingest_s:.1f} s vs embed {embed_s:.1f} s ({runtime}); "
            f"run: {_summary(report)}",
        ),
        row(
            benchmark,
            f"{label}, baseline embedding the raw and masked views the index stores",
            "docs/s",
            baseline=docs / both_s,
            hqg=docs / ingest_s,
            note=f"{len(texts) + len(masked)} texts embedded in {both_s:.1f} s ({both_runtime})",
        ),
    ]


def _summary(report: Any) -> str:
    return ", ".join(f"{action} {n}" for action, n in report.counts.items() if n)


def _progress(message: str) -> None:
    print(f"  search: {message}", file=sys.stderr, flush=True)


def run(ctx: RunContext) -> list[Row]:
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway

    started = time.perf_counter()
    home = prepare(ctx)
    _progress(f"workspace prepared in {time.perf_counter() - started:.0f} s")
    gateway = build_gateway(load_settings(home=home))
    sizes = (2_000, 10_000) if ctx.quick else (10_000, 100_000)
    n_calls = 30 if ctx.quick else 150
    rows: list[Row] = []
    try:
        gateway.components.embedder.get().embed(["warm up"])
        rows += ingest_rows(gateway, home, ctx)
        _progress("measured document ingest")
        rows += _masking_rows(gateway, ctx)
        rows += _embedding_rows(gateway, n_calls)
        _progress("measured masking and query embedding")
        for size in sizes:
            collection = f"bench_{size // 1000}k"
            load_s = _load_collection(gateway, collection, size)
            _progress(f"loaded {collection} in {load_s:.0f} s")
            rows += _search_rows(size, _search_latencies(gateway, collection, n_calls), load_s)
    finally:
        gateway.close()
    return rows

"""Retrieval quality on Cranfield 1400: nDCG@10 and recall@10 per search mode.

The classic aeronautics collection (1,400 abstracts, 225 queries, graded judgements) is the
small retrieval set with ground truth available offline (see the corpus' PROVENANCE.md). The
documents go through the real path: the packaged embedder, an ``EdgeVectorIndex`` with BM25
sparse vectors, and the three modes of ``search``.

Judgements: grade 1 (complete answer) to 4 (minimum interest) become gains 4..1; the one ``-1``
line per query (an artefact of this distribution: documents 485-488 for every query) is
treated as not relevant. Queries are numbered by position (1..225), as the qrels expect.
"""

from __future__ import annotations

import math
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingestion.embedding import Embedder, embed_queries
from ingestion.vectors.base import IndexedPoint, SearchMode
from ingestion.vectors.edge import EdgeVectorIndex

COLLECTION = "cranfield"
K = 10
_RECORD = re.compile(r"^\.I +(\d+)\s*\n(.*?)(?=^\.I |\Z)", re.S | re.M)
_FIELD = re.compile(r"^\.([TAWB])\s*\n(.*?)(?=^\.[TAWB]\s*\n|\Z)", re.S | re.M)


@dataclass(frozen=True)
class Corpus:
    docs: Mapping[str, str]  # doc id -> title and abstract
    queries: Sequence[str]  # query i + 1 is queries[i]
    gains: Mapping[int, Mapping[str, int]]  # query number -> doc id -> gain (>0 only)


@dataclass(frozen=True)
class ModeResult:
    mode: SearchMode
    ndcg_at_10: float
    recall_at_10: float
    queries_per_s: float


@dataclass(frozen=True)
class Report:
    results: Mapping[SearchMode, ModeResult]
    documents: int
    queries: int
    embed_docs_per_s: float


def _fields(record: str) -> dict[str, str]:
    return {tag: " ".join(body.split()) for tag, body in _FIELD.findall(record)}


def load_corpus(directory: Path) -> Corpus:
    """Parse the SMART-format files of the shared corpus directory."""
    docs = {}
    for doc_id, record in _RECORD.findall((directory / "cran.all.1400").read_text("utf-8")):
        fields = _fields(record)
        docs[doc_id] = f"{fields.get('T', '')}\n{fields.get('W', '')}".strip()
    queries = [
        _fields(record).get("W", "")
        for _, record in _RECORD.findall((directory / "cran.qry").read_text("utf-8"))
    ]
    gains: dict[int, dict[str, int]] = {}
    for line in (directory / "cranqrel").read_text("utf-8").splitlines():
        if line.strip():
            query, doc, grade = (int(x) for x in line.split())
            if 1 <= grade <= 4:
                gains.setdefault(query, {})[str(doc)] = 5 - grade
    return Corpus(docs=docs, queries=queries, gains=gains)


def ndcg_at_k(ranked: Sequence[str], gains: Mapping[str, int], k: int = K) -> float:
    """Normalised discounted cumulative gain with linear gains (as trec_eval)."""
    dcg = sum(gains.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = K) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def _point_id(doc_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cranfield/{doc_id}"))


def build_index(
    corpus: Corpus, embedder: Embedder, directory: Path
) -> tuple[EdgeVectorIndex, float]:
    """Index every document; returns the index and the embedding throughput (docs/s)."""
    ids = sorted(corpus.docs, key=int)
    started = time.perf_counter()
    vectors = embedder.embed([corpus.docs[i] for i in ids])
    rate = len(ids) / (time.perf_counter() - started)
    index = EdgeVectorIndex(directory)
    index.ensure_collection(COLLECTION, dim=embedder.dim)
    index.upsert(
        COLLECTION,
        [
            IndexedPoint(
                id=_point_id(i), dense=tuple(v), text=corpus.docs[i], payload={"doc_id": i}
            )
            for i, v in zip(ids, vectors, strict=True)
        ],
    )
    return index, rate


def evaluate_modes(
    corpus: Corpus, embedder: Embedder, index: EdgeVectorIndex, modes: Sequence[SearchMode]
) -> dict[SearchMode, ModeResult]:
    """Run every judged query in each mode; metrics are means over judged queries."""
    judged = [n for n in range(1, len(corpus.queries) + 1) if corpus.gains.get(n)]
    query_vectors = embed_queries(embedder, [corpus.queries[n - 1] for n in judged])
    results = {}
    for mode in modes:
        ndcg = recall = 0.0
        started = time.perf_counter()
        for n, vector in zip(judged, query_vectors, strict=True):
            hits = index.search(
                COLLECTION, mode=mode, dense=vector, text=corpus.queries[n - 1], predicate=None, k=K
            )
            ranked = [str(h.payload["doc_id"]) for h in hits]
            ndcg += ndcg_at_k(ranked, corpus.gains[n])
            recall += recall_at_k(ranked, corpus.gains[n])
        elapsed = time.perf_counter() - started
        results[mode] = ModeResult(
            mode, ndcg / len(judged), recall / len(judged), len(judged) / elapsed
        )
    return results


def run(corpus_dir: Path, embedder: Embedder, work_dir: Path) -> Report:
    """The whole evaluation: load, index, query in dense, lexical and hybrid modes."""
    corpus = load_corpus(corpus_dir)
    index, rate = build_index(corpus, embedder, work_dir)
    try:
        results = evaluate_modes(corpus, embedder, index, list(SearchMode))
    finally:
        index.close()
    judged = sum(1 for n in range(1, len(corpus.queries) + 1) if corpus.gains.get(n))
    return Report(
        results=results, documents=len(corpus.docs), queries=judged, embed_docs_per_s=rate
    )

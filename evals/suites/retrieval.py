"""Retrieval: nDCG@10 and recall@10 on Cranfield 1400 per search mode (dense, lexical, hybrid).

A thin adapter over ``evals.cranfield.run`` (the real embedder, an embedded Qdrant index with
BM25 sparse vectors, the three modes of ``search``). Slow (embedding 1,400 abstracts on CPU),
so it is not part of ``--smoke``. The metrics are means over the judged queries; an interval
would need the per-query scores, which ``cranfield.run`` does not return, so none is reported.
"""

from __future__ import annotations

from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    from evals.cranfield import run
    from ingestion.embedders import SentenceTransformerEmbedder

    corpus = ctx.corpus("cranfield")
    report = run(corpus, SentenceTransformerEmbedder(batch_size=32), ctx.work_dir("cranfield"))
    metrics, rows, bars = [], [], []
    for mode, result in sorted(report.results.items(), key=lambda item: str(item[0])):
        name = str(getattr(mode, "value", mode))
        metrics.append(Metric(name=f"ndcg@10.{name}", value=result.ndcg_at_10, n=report.queries))
        metrics.append(
            Metric(name=f"recall@10.{name}", value=result.recall_at_10, n=report.queries)
        )
        rows.append(
            (
                name,
                f"{result.ndcg_at_10:.3f}",
                f"{result.recall_at_10:.3f}",
                f"{result.queries_per_s:.1f}",
            )
        )
        floor = next((t.value for t in config.thresholds if t.metric == f"ndcg@10.{name}"), None)
        bars.append(Bar(label=f"nDCG@10 {name}", value=result.ndcg_at_10, threshold=floor))
    return SuiteOutcome(
        metrics=(*metrics, Metric(name="embed_docs_per_s", value=report.embed_docs_per_s)),
        tables=(
            Table(
                title=f"Cranfield ({report.documents} docs, {report.queries} judged queries)",
                header=("mode", "nDCG@10", "recall@10", "queries/s"),
                rows=tuple(rows),
            ),
        ),
        charts=(Chart(title="Cranfield nDCG@10 per mode", unit="nDCG@10", bars=tuple(bars)),),
    )

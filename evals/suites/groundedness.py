"""Groundedness: how well the output guard's hallucination risk ranks a hallucinated answer
above the right one for the same question and knowledge (HaluEval QA), as AUROC.

Reuses ``gateway.ask.measure`` (the scorer the answer pipeline runs); this module only turns
its numbers into metrics against ``groundedness.yaml``.
"""

from __future__ import annotations

from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from gateway.ask.measure import halueval_qa_auroc


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    files: dict[str, str] = dict(config.data["files"])
    metrics, rows, bars = [], [], []
    for name, relative in sorted(files.items()):
        score, count = halueval_qa_auroc(ctx.corpus(relative))
        metrics.append(Metric(name=f"auroc.{name}", value=score, n=count))
        floor = next((t.value for t in config.thresholds if t.metric == f"auroc.{name}"), None)
        rows.append((name, str(count), f"{score:.3f}", "-" if floor is None else f"{floor:g}"))
        bars.append(Bar(label=f"AUROC {name}", value=score, threshold=floor))
    return SuiteOutcome(
        metrics=tuple(metrics),
        tables=(
            Table(
                title="Hallucination risk, right vs hallucinated answers (AUROC)",
                header=("set", "items", "auroc", "floor"),
                rows=tuple(rows),
            ),
        ),
        charts=(Chart(title="Groundedness AUROC", bars=tuple(bars)),),
    )

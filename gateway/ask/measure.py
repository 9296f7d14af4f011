"""Measuring the groundedness detector on HaluEval QA: right vs hallucinated answers.

For each HaluEval item the same knowledge paragraph is paired with the right answer and with a
plausible hallucinated one; the detector's risk (``1 - support``) should rank every
hallucinated answer above every right one. AUROC is that probability (ties count half).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from gateway.ask.grounding import support


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """P(score of a random positive > score of a random negative), ties counting half."""
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    index = 0
    while index < len(ranked):
        end = index
        while end < len(ranked) and ranked[end][0] == ranked[index][0]:
            end += 1
        average_rank = (index + 1 + end) / 2
        rank_sum += average_rank * sum(label for _, label in ranked[index:end])
        index = end
    p, n = len(positives), len(negatives)
    return (rank_sum - p * (p + 1) / 2) / (p * n)


def halueval_qa_auroc(path: Path) -> tuple[float, int]:
    """AUROC of hallucination risk on one HaluEval QA JSON-lines file, and its item count."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    right = [_risk(r["right_answer"], r["knowledge"], r["question"]) for r in rows]
    wrong = [_risk(r["hallucinated_answer"], r["knowledge"], r["question"]) for r in rows]
    return auroc(wrong, right), len(rows)


def _risk(answer: str, knowledge: str, question: str) -> float:
    return 1.0 - support(answer, [knowledge], question=question).score

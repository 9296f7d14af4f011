"""The groundedness detector, measured on HaluEval QA (number reported in docs/answers.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ask.measure import auroc, halueval_qa_auroc

HALUEVAL = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpora" / "halueval"


def test_auroc_counts_ties_as_half() -> None:
    assert auroc([1.0, 0.9], [0.1, 0.2]) == 1.0
    assert auroc([0.5], [0.5]) == 0.5


@pytest.mark.parametrize(
    ("name", "floor"), [("qa_one-turn_data.json", 0.85), ("qa_multi-turn_data.json", 0.82)]
)
def test_groundedness_separates_right_from_hallucinated_answers(name: str, floor: float) -> None:
    path = HALUEVAL / "generation" / "qa" / name
    if not path.exists():
        pytest.skip(f"HaluEval corpus not found at {path}")
    score, count = halueval_qa_auroc(path)
    assert count == 500
    assert score >= floor

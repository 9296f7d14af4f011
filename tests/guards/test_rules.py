"""Every rule fires on the attacks written for it and stays quiet on look-alike benign text.

Cases live in ``data/rule_cases.jsonl`` (rule, fires, text): one positive and one negative at
least per rule, the negatives chosen to carry the rule's trigger words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guards.heuristics import HeuristicInjectionDetector
from guards.rules import RULE_NAMES

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "rule_cases.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[f"{c['rule']}-{'fires' if c['fires'] else 'quiet'}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_fires_exactly_on_its_cases(
    case: dict[str, object], injection_detector: HeuristicInjectionDetector
) -> None:
    verdict = injection_detector.score(str(case["text"]))
    assert (case["rule"] in verdict.reasons) is case["fires"]


def test_every_rule_has_a_positive_and_a_negative_case() -> None:
    positive = {c["rule"] for c in CASES if c["fires"]}
    negative = {c["rule"] for c in CASES if not c["fires"]}
    assert RULE_NAMES - positive == set()
    assert RULE_NAMES - negative == set()
    assert {c["rule"] for c in CASES} <= RULE_NAMES


@pytest.mark.parametrize(
    "text",
    [
        "Can I ignore this warning that appeared in my code?",
        "Should I ignore the warning and activate the system now?",
        "Explain how unrestricted access to PRIOR information impacts decisions.",
        "Please create a roleplay scenario where the USER picks a filtered drink.",
        "How do I kill a Python process?",
        "Summarise the refund policy above for a customer.",
    ],
)
def test_benign_text_full_of_trigger_words_scores_under_the_threshold(
    text: str, injection_detector: HeuristicInjectionDetector
) -> None:
    assert injection_detector.score(text).score < 0.5

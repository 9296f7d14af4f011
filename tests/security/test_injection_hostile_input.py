"""The injection detector costs time linear in its input, on the texts that make regexes
backtrack: long runs of one character and of two alternating ones.

Every prompt message goes through the detector before anything else, so a regex that searches a
run from each of its positions and backtracks through the rest of it is a denial of service: a
question of 4,000 "!" took 7 s of CPU (quadratic; 2 minutes at the 16,000 characters a chat
message may carry). The bound below is ~20x what a linear scan of the largest message costs
here, and ~40x under what the quadratic rule cost at that size.
"""

from __future__ import annotations

import string
import time

import pytest

from gateway.settings.ops import LimitSettings
from guards.heuristics import HeuristicInjectionDetector

SIZE = LimitSettings().max_message_chars
BOUND_S = 3.0
RUNS = [
    *(c * SIZE for c in string.punctuation + " \n\t\u2028\u00a0…’“—"),
    *((a + b) * (SIZE // 2) for a, b in ("!_", "!*", "<a", "a<", " \n", "#\n", "=\n", "(1")),
    "(x)\n" * (SIZE // 4),
    ("a" * 30 + "!" * 30) * (SIZE // 60),
]


@pytest.fixture(scope="module")
def detector() -> HeuristicInjectionDetector:
    return HeuristicInjectionDetector()


@pytest.mark.parametrize("text", RUNS, ids=[repr(t[:4]) for t in RUNS])
def test_a_pathological_message_of_the_largest_size_scores_in_linear_time(
    detector: HeuristicInjectionDetector, text: str
) -> None:
    started = time.thread_time()
    detector.score(text)
    assert time.thread_time() - started < BOUND_S

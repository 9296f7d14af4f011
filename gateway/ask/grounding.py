"""Groundedness: how much of a claim the evidence states, as a number in [0, 1].

A lexical entailment proxy, chosen because it is deterministic, explainable and costs
microseconds (no model in the hot path, DESIGN §7): the share of the claim's content terms
that occur in the evidence, where terms the question already used count as given (restating
the question is not a hallucination), and every number in the claim must occur in the evidence
(a wrong number is the most damaging hallucination, so one unsupported number caps the score).
Measured on HaluEval QA in ``docs/answers.md``. It cannot see negation or swapped relations:
"A founded B" and "B founded A" score the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from gateway.ask.text import numbers, terms

#: A claim with an unsupported number scores at most this.
NUMBER_MISS_CAP = 0.2


class Support(BaseModel):
    """Groundedness of one claim and what was missing (counts, never the words)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    score: float
    missing_terms: int
    unsupported_numbers: tuple[str, ...]


def support(claim: str, evidence: Iterable[str], *, question: str = "") -> Support:
    """How well ``evidence`` supports ``claim``; numbers in ``question`` are not evidence."""
    texts = list(evidence)
    known_terms: set[str] = set().union(*(terms(t) for t in texts)) if texts else set()
    known_numbers: set[str] = set().union(*(numbers(t) for t in texts)) if texts else set()
    claim_numbers = numbers(claim)
    given = terms(question)
    wanted = {t for t in terms(claim) - given if not t[0].isdigit()}
    missing = wanted - known_terms
    score = 1.0 if not wanted else 1.0 - len(missing) / len(wanted)
    unsupported = tuple(sorted(claim_numbers - known_numbers))
    if unsupported:
        score = min(score, NUMBER_MISS_CAP)
    if not wanted and not claim_numbers:
        score = 1.0 if texts else 0.0
    return Support(score=score, missing_terms=len(missing), unsupported_numbers=unsupported)

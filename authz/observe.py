"""Observe mode: a candidate bundle decides beside the enforced one, and nothing it says counts.

``ObservingPolicyEngine`` returns the enforced engine's decision, always. It then asks the
candidate the same question and counts, per rule, how often each side hit it and how often
they disagreed. A "rule" is named by what it produced: the reason text a Rego rule emitted
(``role analyst permits sql for purpose analytics``) or a decision facet (``mask:customers.email``,
``row_filter:orders``, ``grant:orders``, ``allow``). Each disagreement is logged with its facets
and the two policy hashes, never with input values. A candidate that errs is counted, not raised:
observing must never take the gateway down.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from authz.decision import Decision
from authz.diff import DecisionDiff, diff_decisions
from authz.engine import PolicyEngine
from hqg.errors import HqgError

log = logging.getLogger("hqg.policy.observe")


class RuleCount(BaseModel):
    """How often one rule was hit by each side, and how often the sides disagreed on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    enforced_hits: int
    candidate_hits: int
    disagreements: int


class ObserveSummary(BaseModel):
    """Everything observe mode has counted since the gateway started."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enforced_policy_hash: str
    candidate_policy_hash: str
    decisions: int
    agreed: int
    disagreed: int
    candidate_errors: int
    flips: Mapping[str, int]
    rules: tuple[RuleCount, ...]


def _hits(decision: Decision) -> set[str]:
    """The rules a decision shows it hit: its reasons, grants, masks and row filters."""
    hits = {f"reason:{reason}" for reason in decision.reasons}
    hits |= {"allow"} if decision.allow else set()
    for table, grant in decision.tables.items():
        hits.add(f"grant:{table}")
        hits |= {f"mask:{table}.{column}" for column in grant.masks}
        hits |= {f"row_filter:{table}"} if grant.row_filter is not None else set()
    return hits


def _disagreements(enforced: Decision, candidate: Decision, diff: DecisionDiff) -> set[str]:
    facets = set(diff.facets()) - {"reasons"}
    facets |= {f"reason:{r}" for r in set(enforced.reasons) ^ set(candidate.reasons)}
    return facets


class ObserveStats:
    """Thread-safe counters shared by every engine an observing gateway builds (reloads too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._enforced: Counter[str] = Counter()
        self._candidate: Counter[str] = Counter()
        self._disagreed: Counter[str] = Counter()
        self._flips: Counter[str] = Counter()
        self._totals: Counter[str] = Counter()
        self._hashes = ("", "")

    def record(self, enforced: Decision, candidate: Decision) -> DecisionDiff:
        diff = diff_decisions(enforced, candidate)
        facets = _disagreements(enforced, candidate, diff)
        with self._lock:
            self._hashes = (enforced.policy_hash, candidate.policy_hash)
            self._totals["decisions"] += 1
            self._totals["disagreed" if facets else "agreed"] += 1
            self._enforced.update(_hits(enforced))
            self._candidate.update(_hits(candidate))
            self._disagreed.update(facets)
            if diff.flip:
                self._flips[diff.flip] += 1
        return diff

    def record_error(self) -> None:
        with self._lock:
            self._totals["decisions"] += 1
            self._totals["candidate_errors"] += 1

    def summary(self) -> ObserveSummary:
        with self._lock:
            names = sorted(set(self._enforced) | set(self._candidate) | set(self._disagreed))
            rules = tuple(
                RuleCount(
                    rule=name,
                    enforced_hits=self._enforced[name],
                    candidate_hits=self._candidate[name],
                    disagreements=self._disagreed[name],
                )
                for name in names
            )
            return ObserveSummary(
                enforced_policy_hash=self._hashes[0],
                candidate_policy_hash=self._hashes[1],
                decisions=self._totals["decisions"],
                agreed=self._totals["agreed"],
                disagreed=self._totals["disagreed"],
                candidate_errors=self._totals["candidate_errors"],
                flips=dict(self._flips),
                rules=tuple(sorted(rules, key=lambda r: (-r.disagreements, r.rule))),
            )


class ObservingPolicyEngine:
    """Enforces ``enforced``; evaluates ``candidate`` beside it and records the differences."""

    def __init__(
        self, *, enforced: PolicyEngine, candidate: PolicyEngine, stats: ObserveStats
    ) -> None:
        self._enforced = enforced
        self._candidate = candidate
        self.stats = stats

    @property
    def name(self) -> str:
        return self._enforced.name

    @property
    def policy_hash(self) -> str:
        return self._enforced.policy_hash

    @property
    def candidate_hash(self) -> str:
        return self._candidate.policy_hash

    def decide(self, input: Mapping[str, Any]) -> Decision:
        decision = self._enforced.decide(input)  # raises as usual: enforcement fails closed
        try:
            candidate = self._candidate.decide(input)
        except HqgError as exc:
            self.stats.record_error()
            log.warning("observed candidate policy failed to decide: %s", exc.code)
            return decision
        diff = self.stats.record(decision, candidate)
        if diff.changed:
            log.info(
                "observed disagreement on decision %s: %s (enforced %s, candidate %s)",
                decision.decision_id,
                ", ".join(diff.facets()),
                decision.policy_hash[:12],
                candidate.policy_hash[:12],
            )
        return decision

    def check(self) -> None:
        self._enforced.check()  # the candidate's health never gates readiness

"""The heuristic rules, as one ordered tuple (sqlglot's ``RULES = (…)`` shape).

Each family lives in its own module; this tuple is the one place that says which rules exist and
in which order reasons are reported.
"""

from __future__ import annotations

from guards.rules import (
    documents,
    exfiltration,
    extraction,
    markup,
    obfuscation,
    override,
    personas,
    planted,
    puzzles,
    smuggled,
    verdicts,
)
from guards.rules._base import Rule, Scan

RULES: tuple[Rule, ...] = (
    *override.RULES,
    *extraction.RULES,
    *exfiltration.RULES,
    *markup.RULES,
    *documents.RULES,
    *obfuscation.RULES,
    *planted.RULES,
    *verdicts.RULES,
    *smuggled.RULES,
    *puzzles.RULES,
    *personas.RULES,
)

RULE_NAMES: frozenset[str] = frozenset(rule.name for rule in RULES)

__all__ = ["RULES", "RULE_NAMES", "Rule", "Scan"]

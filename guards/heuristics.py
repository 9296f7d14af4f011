"""A deterministic, CPU-only prompt-injection detector built from named regex rules.

Fast enough for every prompt and every ingested chunk (well under a millisecond for a prompt,
a few for a 5,000-character chunk; see ``docs/guards.md``), needs no model download, and says
*which* rules fired. It misses paraphrased attacks that use none of the usual phrasings; a
learned classifier would sit beside it behind the same ``InjectionDetector`` protocol.
"""

from __future__ import annotations

from guards.normalize import normalize
from guards.rules import RULES, Rule, Scan
from guards.settings import GuardSettings
from guards.verdict import InjectionVerdict


class HeuristicInjectionDetector:
    """Scores text by noisy-OR over the weights of the rules that fire.

    ``score = 1 - Π(1 - weight)`` over fired rules: one strong rule is enough, several weak ones
    add up, and the score never leaves [0, 1]. Reasons are rule names in rule order, never the
    matched text (it may hold PII).
    """

    def __init__(self, settings: GuardSettings | None = None) -> None:
        chosen = settings or GuardSettings()
        self._rules: tuple[Rule, ...] = tuple(
            r for r in RULES if r.name not in chosen.disabled_rules
        )

    @property
    def rule_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self._rules)

    def score(self, text: str) -> InjectionVerdict:
        scan = Scan(raw=text, norm=normalize(text))
        fired = tuple(r for r in self._rules if r.check(scan))
        miss = 1.0
        for rule in fired:
            miss *= 1.0 - rule.weight
        return InjectionVerdict(
            score=min(1.0, max(0.0, 1.0 - miss)), reasons=tuple(r.name for r in fired)
        )

"""A deterministic, CPU-only prompt-injection detector built from named regex rules.

Fast enough for every prompt and every ingested chunk (well under a millisecond for a prompt,
a few for a 5,000-character chunk; see ``docs/guards.md``), needs no model download, and says
*which* rules fired. Encoded spans (base64, hex, ROT13, Morse, braille, leetspeak, reversed or
spelled-out text…) are decoded and scanned again with every rule, so a disguise does not hide an
instruction. It misses paraphrased attacks that use none of the usual phrasings; a learned
classifier would sit beside it behind the same ``InjectionDetector`` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

from guards.decoding import decodings
from guards.normalize import normalize
from guards.rules import RULES, Rule, Scan
from guards.rules._base import DecodedScan
from guards.settings import GuardSettings
from guards.verdict import InjectionVerdict

MAX_DECODE_DEPTH = 2
"""Decodings of decodings are scanned (base64 of ROT13), no deeper: each level is a re-scan."""
MAX_DECODED_CHARS = 32_768
"""Decoded characters scanned per call, all levels together: a text full of blobs costs this."""


@dataclass
class _Budget:
    chars: int


class HeuristicInjectionDetector:
    """Scores text by noisy-OR over the weights of the rules that fire.

    ``score = 1 - Π(1 - weight)`` over fired rules: one strong rule is enough, several weak ones
    add up, and the score never leaves [0, 1]. A decoding scores like the text it hides in: the
    verdict is the higher of the two and carries the decoding's reasons too. Reasons are rule
    names in rule order, never the matched text (it may hold PII).
    """

    def __init__(self, settings: GuardSettings | None = None) -> None:
        chosen = settings or GuardSettings()
        self._rules: tuple[Rule, ...] = tuple(
            r for r in RULES if r.name not in chosen.disabled_rules
        )
        self._allowed_hosts = chosen.allowed_link_hosts

    @property
    def rule_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self._rules)

    def score(self, text: str) -> InjectionVerdict:
        return self._score(text, depth=0, budget=_Budget(MAX_DECODED_CHARS))

    def _score(self, text: str, *, depth: int, budget: _Budget) -> InjectionVerdict:
        inner = self._decoded(text, depth=depth, budget=budget)
        scan = Scan(
            raw=text,
            norm=normalize(text),
            decoded=tuple(DecodedScan(text=t, score=v.score, binary=b) for t, v, b in inner),
            allowed_hosts=self._allowed_hosts,
        )
        fired = tuple(r for r in self._rules if r.check(scan))
        miss = 1.0
        for rule in fired:
            miss *= 1.0 - rule.weight
        reasons = dict.fromkeys(r.name for r in fired)
        score = 1.0 - miss
        for _text, verdict, _binary in inner:
            if verdict.score >= score or "encoded_instructions" in reasons:
                reasons.update(dict.fromkeys(verdict.reasons))
            score = max(score, verdict.score)
        return InjectionVerdict(score=min(1.0, max(0.0, score)), reasons=tuple(reasons))

    def _decoded(
        self, text: str, *, depth: int, budget: _Budget
    ) -> list[tuple[str, InjectionVerdict, bool]]:
        """Each decoding of ``text``, normalised and scored, within the depth and size budget."""
        if depth >= MAX_DECODE_DEPTH or budget.chars <= 0:
            return []
        scored: list[tuple[str, InjectionVerdict, bool]] = []
        for decoded in decodings(text):
            plain = decoded.text[: budget.chars]
            budget.chars -= len(plain)
            verdict = self._score(plain, depth=depth + 1, budget=budget)
            scored.append((normalize(plain).text, verdict, decoded.binary))
            if budget.chars <= 0:
                break
        return scored

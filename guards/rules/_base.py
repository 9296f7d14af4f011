"""The shape every heuristic rule shares: a name, a weight, and a check over the scanned text.

A rule's weight is its stand-alone confidence: the probability, judged from the corpora in
``docs/guards.md``, that a text firing only this rule is an injection. Weights combine by
noisy-OR, so two weak signals (say, a fake delimiter and a demand for exact output) add up to a
strong one while neither alone crosses the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from guards.normalize import NormalizedText
from hqg.text_normalize import skeleton_table


@dataclass(frozen=True, slots=True)
class DecodedScan:
    """A decoding of the text (``guards.decoding``), normalised, with the full detector's score
    for it; ``binary`` when it came out of base64 or hex."""

    text: str
    score: float
    binary: bool


@dataclass(frozen=True, slots=True)
class Scan:
    """What a rule may look at: the raw text (for case-sensitive or byte-level signals), the
    normalised one (invisibles removed, NFKC, look-alikes folded, lower-cased; ``any_pattern``
    also matches the markup-free view), its decodings, already scored, and the link hosts the
    operator allow-listed (``GuardSettings.allowed_link_hosts``)."""

    raw: str
    norm: NormalizedText
    decoded: tuple[DecodedScan, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return self.norm.text


@dataclass(frozen=True, slots=True)
class Rule:
    """One named signal. ``check`` must be pure, fast (linear in the text) and never raise."""

    name: str
    weight: float
    check: Callable[[Scan], bool]


def any_pattern(*patterns: re.Pattern[str]) -> Callable[[Scan], bool]:
    """A check that fires when any of ``patterns`` matches the normalised text.

    Patterns are joined into at most two alternations, one pass each instead of one pass per
    pattern: those starting at a word boundary share one leading ``\\b`` (which lets the regex
    engine skip positions cheaply), the rest are joined as they are."""
    bounded = [p.pattern[2:] for p in patterns if p.pattern.startswith("\\b")]
    others = [p.pattern for p in patterns if not p.pattern.startswith("\\b")]
    joined: list[re.Pattern[str]] = []
    if bounded:
        joined.append(re.compile(r"\b(?:" + "|".join(f"(?:{b})" for b in bounded) + ")"))
    if others:
        joined.append(re.compile("|".join(f"(?:{o})" for o in others)))

    def check(scan: Scan) -> bool:
        return any(j.search(view) is not None for view in scan.norm.views for j in joined)

    return check


def compile_all(*sources: str) -> tuple[re.Pattern[str], ...]:
    """Patterns are written for lower-cased text; ``re.ASCII`` is not used so ``\\w`` spans
    accented letters too. They pass through the same confusable skeleton as the text, so a
    Russian phrase matches its folded form (``игнорируй`` is matched as ``иrнopиpyй``)."""
    table = skeleton_table()
    return tuple(re.compile(s.translate(table)) for s in sources)

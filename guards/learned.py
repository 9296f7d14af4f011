"""A learned injection signal: logistic regression over the MiniLM embedding the gateway already
computes for a text, plus the rule score, combined with the rules into one score.

The rules are precise on what they know and blind to paraphrase ("Recommend a good book" inside
an e-mail); an embedding sees the *kind* of sentence. Weights are trained by
``python -m evals.injection_classifier ../shared/corpora`` (fixed per-corpus split, seed in the
manifest) and shipped in ``guards/data/injection_lr.json`` with a manifest of data hashes and
held-out rates. numpy only: scoring is one dot product.

Combination: the rules' score stands; a learned probability at or above ``learned_threshold``
is mapped onto [0.5, 1] (the injection threshold's side) and the higher of the two wins, so the
learned signal can add a detection but never hides one the rules made.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from guards.settings import GuardSettings
from guards.verdict import InjectionDetector, InjectionVerdict

WEIGHTS_FILE = Path(__file__).parent / "data" / "injection_lr.json"
REASON = "learned_classifier"


@dataclass(frozen=True)
class LearnedScorer:
    """``probability(embedding, rule_score)`` = σ(w·[embedding, rule_score] + b)."""

    weights: tuple[float, ...]
    bias: float
    default_threshold: float

    def probability(self, embedding: Sequence[float], rule_score: float) -> float:
        if len(embedding) + 1 != len(self.weights):
            raise ValueError(
                f"embedding has {len(embedding)} dimensions, the classifier expects "
                f"{len(self.weights) - 1}"
            )
        z = self.bias + rule_score * self.weights[-1]
        z += sum(w * x for w, x in zip(self.weights, embedding, strict=False))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def combine(
        self, verdict: InjectionVerdict, embedding: Sequence[float], *, threshold: float | None
    ) -> InjectionVerdict:
        """The rules' verdict, raised when the classifier is confident (see the module doc)."""
        cut = self.default_threshold if threshold is None else threshold
        p = self.probability(embedding, verdict.score)
        if p < cut:
            return verdict
        lifted = 0.5 + 0.5 * (p - cut) / max(1e-9, 1.0 - cut)
        if lifted <= verdict.score:
            return InjectionVerdict(score=verdict.score, reasons=(*verdict.reasons, REASON))
        return InjectionVerdict(score=min(1.0, lifted), reasons=(*verdict.reasons, REASON))


@lru_cache(maxsize=1)
def load_scorer(path: Path = WEIGHTS_FILE) -> LearnedScorer:
    """The shipped classifier (read once per process)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return LearnedScorer(
        weights=tuple(float(w) for w in data["weights"]),
        bias=float(data["bias"]),
        default_threshold=float(data["threshold"]),
    )


CHUNK_CHARS = 800
"""Pieces are scored like ingest chunks (MiniLM reads 256 tokens; a longer text's tail would be
cut off)."""
MAX_PIECES = 8
"""Embeddings per text at most: a long prompt costs a bounded number of them."""


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most ``size`` characters, cut at line breaks where possible."""
    out: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > size:
            if current:
                out.append(current)
                current = ""
            out.append(line[:size])
            line = line[size:]
        if len(current) + len(line) > size:
            out.append(current)
            current = ""
        current += line
    if current.strip():
        out.append(current)
    return [c for c in out if c.strip()]


class LearnedInjectionDetector:
    """An ``InjectionDetector``: the rules, raised by the classifier on the text's embedding.

    ``embed`` is the gateway's embedder (``Embedder.embed``). Texts shorter than ``min_chars``
    get the rules alone (a short prompt keeps its latency budget; a document pasted into a
    prompt, where latent injections hide, is long); longer ones are cut into pieces of
    ``CHUNK_CHARS`` (at most ``MAX_PIECES``, embedded in one batch) and the most suspicious
    piece counts.
    """

    def __init__(
        self,
        rules: InjectionDetector,
        embed: Callable[[Sequence[str]], list[list[float]]],
        *,
        threshold: float | None = None,
        min_chars: int = 0,
        scorer: LearnedScorer | None = None,
    ) -> None:
        self._rules = rules
        self._embed = embed
        self._threshold = threshold
        self._min_chars = min_chars
        self._scorer = scorer or load_scorer()

    def score(self, text: str) -> InjectionVerdict:
        verdict = self._rules.score(text)
        if len(text) < self._min_chars or not text.strip():
            return verdict
        pieces = chunks(text)[:MAX_PIECES]
        best = verdict
        vectors = self._embed(pieces)
        if len(vectors) != len(pieces):
            raise ValueError("the embedder returned a different number of vectors")
        for vector in vectors:
            combined = self._scorer.combine(verdict, vector, threshold=self._threshold)
            if combined.score > best.score or (REASON in combined.reasons and best is verdict):
                best = combined
        return best


def document_detector(
    rules: InjectionDetector,
    embed: Callable[[Sequence[str]], list[list[float]]],
    settings: GuardSettings,
) -> InjectionDetector:
    """The detector ingest scores chunks with: rules + classifier unless switched off."""
    if not settings.learned_documents:
        return rules
    return LearnedInjectionDetector(rules, embed, threshold=settings.learned_threshold)


def prompt_detector(
    rules: InjectionDetector,
    embed: Callable[[Sequence[str]], list[list[float]]],
    settings: GuardSettings,
) -> InjectionDetector:
    """The prompt guard's detector: the classifier joins for texts of at least
    ``learned_prompt_min_chars`` (0 switches it off for prompts)."""
    if settings.learned_prompt_min_chars == 0:
        return rules
    return LearnedInjectionDetector(
        rules,
        embed,
        threshold=settings.learned_threshold,
        min_chars=settings.learned_prompt_min_chars,
    )

"""A cheap perplexity proxy for adversarial suffixes: how unlike English (and code) a stretch of
the text reads to a character trigram model.

GCG- and DSN-style suffixes (``describing.\\ + similarlyNow write oppositeley.](``) are token
soup optimised against a model: words, code fragments and punctuation in orders no writer
produces. No keyword rule can see them; a language model can, and a character trigram model is
the cheapest one that does: one dictionary lookup per character. It is trained by
``python -m guards.train.gibberish`` on public English prose and on this repository's own code and
docs (so code and SQL read as familiar); the file and its manifest (sources, licences, hashes)
live in ``guards/data/``.

The signal needs two things at once: brackets left unbalanced (optimised suffixes open far
more than they close; prose and whole code snippets balance theirs) and a sliding window of
``WINDOW_TOKENS`` whitespace tokens whose mean surprise per character is high. Windows that are
mostly non-ASCII are skipped (another script is not gibberish, and the suffixes are ASCII).
Measured on the public sets in ``docs/guards.md``.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).parent / "data" / "char_trigrams.json.gz"
WINDOW_TOKENS = 10
_BOS = "\x02"
_TOKEN = re.compile(r"\S+")


def fold_char(char: str) -> str:
    """The model's alphabet: ASCII as written lower-cased, digits as ``0``, whitespace as one
    space, any other letter as ``é`` (a stand-in for "a letter of another alphabet")."""
    if char.isascii():
        if char.isdigit():
            return "0"
        if char.isspace():
            return " "
        return char.lower()
    return "é" if char.isalpha() else "?"


@dataclass(frozen=True)
class CharTrigrams:
    """Log-probabilities with backoff: trigram, else bigram + penalty, else unigram + 2×."""

    trigrams: dict[str, float]
    bigrams: dict[str, float]
    unigrams: dict[str, float]
    backoff: float
    floor: float

    def surprise(self, text: str) -> list[float]:
        """Negative log-probability of each character of ``text`` given the two before."""
        folded = _BOS + _BOS + "".join(fold_char(c) for c in text)
        tri, bi, uni = self.trigrams, self.bigrams, self.unigrams
        out: list[float] = []
        for i in range(2, len(folded)):
            gram = folded[i - 2 : i + 1]
            logp = tri.get(gram)
            if logp is None:
                logp = bi.get(gram[1:])
                logp = (
                    self.backoff + logp
                    if logp is not None
                    else 2 * self.backoff + uni.get(gram[2], self.floor)
                )
            out.append(-logp)
        return out


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> CharTrigrams:
    """The shipped model (read once per process)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    return CharTrigrams(
        trigrams=data["trigrams"],
        bigrams=data["bigrams"],
        unigrams=data["unigrams"],
        backoff=float(data["backoff"]),
        floor=float(data["floor"]),
    )


SUFFIX_SURPRISE = 3.0
"""Mean surprise (nats per character) of the worst window at or above which, with unbalanced
brackets, a text reads as an adversarial suffix (``docs/guards.md``, *Adversarial suffixes*)."""
SUFFIX_UNMATCHED = 2
_BRACKET = re.compile(r"[()\[\]{}]")
_OPENER = {")": "(", "]": "[", "}": "{"}


def unmatched_brackets(text: str) -> int:
    """Brackets left unmatched by a stack match (a closer that skips an opener counts both):
    prose and whole code snippets balance theirs, optimised suffixes rarely do."""
    stack: list[str] = []
    open_by_kind = dict.fromkeys("([{", 0)  # so "is one open?" is O(1): linear, not quadratic
    bad = 0
    for match in _BRACKET.finditer(text):
        char = match.group(0)
        if char in "([{":
            stack.append(char)
            open_by_kind[char] += 1
        elif open_by_kind[_OPENER[char]]:
            while stack[-1] != _OPENER[char]:
                open_by_kind[stack.pop()] -= 1
                bad += 1
            open_by_kind[stack.pop()] -= 1
        else:
            bad += 1
    return bad + len(stack)


def worst_window_surprise(text: str, model: CharTrigrams | None = None) -> float:
    """Mean surprise per character of the least language-like run of ``WINDOW_TOKENS`` tokens
    (all tokens for a shorter text); windows mostly outside ASCII are skipped."""
    chosen = model or load_model()
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    size = min(WINDOW_TOKENS, len(tokens))
    if size == 0:
        return 0.0
    prefix = [0.0]
    for cost in chosen.surprise(text):
        prefix.append(prefix[-1] + cost)
    worst = 0.0
    for first in range(len(tokens) - size + 1):
        start, end = tokens[first][0], tokens[first + size - 1][1]
        span = text[start:end]
        if sum(c.isascii() for c in span) < 0.8 * len(span):
            continue
        worst = max(worst, (prefix[end] - prefix[start]) / len(span))
    return worst


def looks_like_adversarial_suffix(text: str) -> bool:
    """Unbalanced brackets *and* a stretch unlike English or code (cheap test first)."""
    return (
        unmatched_brackets(text) >= SUFFIX_UNMATCHED
        and worst_window_surprise(text) >= SUFFIX_SURPRISE
    )

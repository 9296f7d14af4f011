"""Which evidence sentences answer a question, and how sure retrieval is that any do.

Search ranks chunks by fused rank (RRF), which says nothing about whether the best chunk
answers at all; so confidence is recomputed here from the question's own terms: the weighted
share of them that a sentence, its heading and its document title state. Names the question
uses (capitalised words after the first) weigh double, so "Globex's refund window" is not
answered from Acme's handbook. A question asking for a quantity prefers sentences with numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.ask.sources import SourceKind
from gateway.ask.text import (
    QUESTION_WORDS,
    STOP_WORDS,
    numbers,
    sentences,
    split_answer,
    stem,
    terms,
    words,
)
from retrieval.evidence import Evidence

_QUANTITY = re.compile(
    r"\b(how (long|many|much|soon|old|often)|when|what (is|are) the \w*\s*"
    r"(window|fee|fees|cost|price|rate|charge|period|threshold|limit|hours))\b",
    re.IGNORECASE,
)
_HOW_WHAT = re.compile(
    r"\bhow\s+(long|many|much|soon|often|old|far|big|fast)\b|\bwhat\s+(?:will\s+)?(happens?)\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>|\[REDACTED\]")
_NAME = re.compile(r"(?<=\s)([A-Z][a-zA-Z]+)")
NAME_WEIGHT = 2.0
#: Terms only the conversation's earlier turns hold: they say what a follow-up is about, while
#: what it asks weighs more (``gateway.ask.conversation``).
CONTEXT_WEIGHT = 0.5
#: A quantity question ("how long", "what fee") prefers sentences stating a number: enough to
#: keep a number-less tie ("warranty terms are set by the store") out of a second sentence.
NUMBER_BONUS = 0.2
OFF_SENTENCE_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of one evidence chunk, scored against the question."""

    ref: int  # 1-based position of the chunk in the evidence list
    text: str
    score: float
    coverage: float


def focus(question: str) -> str:
    """The part of a message that asks: its questions if it has any.

    "My name is <PERSON_1>. What is the refund window?" is about the refund window; "A
    customer wants to change the address. What should I do?" is about the whole message.
    """
    asked = " ".join(s for s in split_answer(question) if s.rstrip().endswith("?"))
    return asked if terms(asked) else question


def question_weights(question: str) -> dict[str, float]:
    """Content terms of the question with their weights ("how long": "long" is not a topic)."""
    question = focus(question)
    tokens = set(_PLACEHOLDER.findall(question))  # masked names: matched only by the same token
    question = _PLACEHOLDER.sub(" ", question)
    names = {stem(w.lower()) for w in _NAME.findall(question)}
    names -= {stem(w) for w in STOP_WORDS | QUESTION_WORDS}
    kinds = {stem(w.lower()) for pair in _HOW_WHAT.findall(question) for w in pair if w}
    asked = terms(question) - kinds
    weights = {t: NAME_WEIGHT if t in names else 1.0 for t in asked}
    return weights | dict.fromkeys(tokens, NAME_WEIGHT)


def conversation_weights(question: str, context: str = "") -> dict[str, float]:
    """``question_weights`` of a follow-up, with the terms only its ``context`` (the earlier
    turns it depends on) holds at ``CONTEXT_WEIGHT`` of theirs."""
    weights = question_weights(question)
    if not context:
        return weights
    earlier = question_weights(context)
    return {t: w * CONTEXT_WEIGHT for t, w in earlier.items() if t not in weights} | weights


def rank_sentences(
    question: str, evidence: Sequence[Evidence], *, context: str = ""
) -> list[Candidate]:
    """Every sentence of the evidence, best first (ties keep retrieval order); ``context``:
    the earlier turns a follow-up depends on."""
    weights = conversation_weights(question, context)
    total = sum(weights.values())
    quantity = bool(_QUANTITY.search(focus(question)))
    found: list[tuple[float, int, Candidate]] = []
    order = 0
    for ref, item in enumerate(evidence, start=1):
        title_terms = terms(item.title or "")
        for sentence in sentences(item.text):
            own = terms(sentence.text) | set(_PLACEHOLDER.findall(sentence.text))
            stated = own | terms(sentence.heading) | title_terms
            matched = sum(w for t, w in weights.items() if t in stated)
            coverage = matched / total if total else 0.0
            score = coverage if own & set(weights) else coverage * OFF_SENTENCE_FACTOR
            if quantity and numbers(sentence.text):
                score += NUMBER_BONUS
            found.append((score, order, Candidate(ref, sentence.text, score, coverage)))
            order += 1
    found.sort(key=lambda item: (-item[0], item[1]))
    return [candidate for _, _, candidate in found]


def confidence(ranked: Sequence[Candidate]) -> float:
    """Retrieval confidence: the best sentence's coverage of the question, in [0, 1]."""
    return max((c.coverage for c in ranked[:5]), default=0.0)


def has_content(question: str) -> bool:
    """False for a question with no content words at all (nothing to look for)."""
    return any(w not in STOP_WORDS and w not in QUESTION_WORDS for w in words(question))


def prefer_guidance(
    evidence: Sequence[Evidence],
    kinds: Sequence[SourceKind],
    ranked: Sequence[Candidate],
    *,
    floor: float,
) -> tuple[Evidence, ...]:
    """The evidence an answer may quote: without the anecdotes when guidance answers.

    Guidance answers when one of its sentences covers at least ``floor`` of the question (the
    confidence at which the gateway answers at all). Then a ticket is context, not an answer,
    and is not given to the answerer; when no guidance answers, anecdotes are all there is.
    """
    answers = any(kinds[c.ref - 1] is SourceKind.GUIDANCE and c.coverage >= floor for c in ranked)
    if not answers:
        return tuple(evidence)
    return tuple(
        e for e, kind in zip(evidence, kinds, strict=True) if kind is not SourceKind.ANECDOTE
    )

"""Answering behind one protocol, ``ChatModel``, and the embedded default: an extractive answerer.

A ``ChatModel`` gets the (masked) question, the (masked) conversation and the evidence released
to this principal, numbered from 1, and returns a draft whose sentences cite evidence as
``[n]``. The draft is untrusted either way: the output guard checks every citation, sentence and
number before anything reaches the caller.

A client's ``Generation`` parameters go to an upstream model as they are; ``ExtractiveAnswerer``
has nothing to sample, so it ignores them, answers a request offering tools without calling any,
and refuses only what it cannot honour at all (a JSON ``response_format``).

``ExtractiveAnswerer`` needs no model: it quotes the evidence sentences that best answer the
question, each followed by its citation, so every sentence it writes is grounded by
construction. It never follows instructions in evidence because it follows none at all, and
it skips every sentence in which any injection rule fires, so it does not even quote one: a
planted instruction that scores under the quarantine threshold (one weak rule, such as a
bare "SYSTEM:" header) is served as evidence and would otherwise be quoted as if it were a
fact. It quotes nothing of a flagged chunk a policy let through (``gateway.ask.marked``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from gateway.ask.conversation import condense
from gateway.ask.generation import Draft, DraftDelta, Generation
from gateway.ask.marked import MarkedEvidence
from gateway.ask.prompt_guard import Message
from gateway.ask.relevance import Candidate, rank_sentences
from gateway.ask.text import split_answer, words
from gateway.settings.answer import EXTRACTIVE_ID
from guards.verdict import InjectionDetector
from hqg.errors import UnsupportedParameter
from retrieval.evidence import Evidence

#: What every ``ChatModel`` answers when the evidence does not answer the question, and what the
#: pipeline answers when it abstains itself; the output guard reads it as an abstention.
ABSTAIN_PHRASE = "I can't find that in the data you may see."

#: A second sentence is added only if it scores at least this share of the best one.
SECOND_SENTENCE_RATIO = 0.85


#: No parameters: every model's defaults.
DEFAULTS = Generation()
_MARKERS = re.compile(r"\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")


class ChatModel(Protocol):
    """Anything that can draft a cited answer from numbered evidence."""

    @property
    def name(self) -> str: ...

    @property
    def backend(self) -> str: ...

    def check_options(self, options: Generation) -> None:
        """Refuse (``UnsupportedParameter``) what this model cannot honour at all."""

    def draft(
        self,
        *,
        question: str,
        history: Sequence[Message],
        evidence: Sequence[Evidence],
        options: Generation = DEFAULTS,
    ) -> Draft: ...

    def stream(
        self,
        *,
        question: str,
        history: Sequence[Message],
        evidence: Sequence[Evidence],
        options: Generation = DEFAULTS,
    ) -> Iterator[DraftDelta]:
        """The draft in pieces as the model writes it (one piece if it cannot stream)."""


class ExtractiveAnswerer:
    """Quotes the best-matching evidence sentences, each with its ``[n]`` citation.

    A follow-up is ranked with the earlier user turns it depends on
    (``gateway.ask.conversation.condense``), and a sentence an earlier assistant turn already
    quoted is not quoted again: "and after that?" gets what comes next.
    """

    def __init__(
        self,
        *,
        injection: InjectionDetector,
        max_sentences: int = 2,
        min_score: float = 0.0,
    ) -> None:
        self._injection = injection
        self._max = max_sentences
        self._min_score = min_score

    @property
    def name(self) -> str:
        return EXTRACTIVE_ID

    @property
    def backend(self) -> str:
        return "extractive"

    def check_options(self, options: Generation) -> None:
        if options.wants_json:
            raise UnsupportedParameter(
                f"response_format JSON needs an upstream model; {EXTRACTIVE_ID!r} (the "
                "extractive answerer) answers in text",
                parameter="response_format",
            )

    def draft(
        self,
        *,
        question: str,
        history: Sequence[Message],
        evidence: Sequence[Evidence],
        options: Generation = DEFAULTS,
    ) -> Draft:
        del options  # an extractive answer has nothing to sample
        asked = condense(question, history)
        said = _already_said(history)
        ranked = [
            c
            for c in rank_sentences(asked.question, evidence, context=asked.context)
            if _said_key(c.text) not in said
        ]
        chosen = self._choose(ranked, evidence)
        return Draft(text=" ".join(_cited(c) for c in chosen))

    def stream(
        self,
        *,
        question: str,
        history: Sequence[Message],
        evidence: Sequence[Evidence],
        options: Generation = DEFAULTS,
    ) -> Iterator[DraftDelta]:
        """Quoting is instant: the whole draft is one piece."""
        draft = self.draft(question=question, history=history, evidence=evidence)
        yield DraftDelta(text=draft.text)

    def _choose(self, ranked: Sequence[Candidate], evidence: Sequence[Evidence]) -> list[Candidate]:
        chosen: list[Candidate] = []
        for candidate in ranked:
            if len(chosen) >= self._max or candidate.score < self._min_score:
                break
            if chosen and candidate.score < chosen[0].score * SECOND_SENTENCE_RATIO:
                break
            if any(c.text == candidate.text for c in chosen):
                continue
            if isinstance(evidence[candidate.ref - 1], MarkedEvidence):
                continue  # a flagged chunk is warned about upstream; a quote cannot carry that
            if self._injection.score(candidate.text).score > 0.0:
                continue  # any injection signal: a quoted instruction would read as a fact
            chosen.append(candidate)
        return chosen


def _already_said(history: Sequence[Message]) -> frozenset[str]:
    """The sentences earlier assistant turns quoted: a follow-up ("and after that?") is
    answered with what comes next, not the sentence the conversation already holds."""
    return frozenset(
        _said_key(sentence)
        for message in history
        if message.role == "assistant"
        for sentence in split_answer(message.content)
    )


def _said_key(sentence: str) -> str:
    """A sentence compared without its citation markers, markup, case or final stop."""
    return " ".join(words(_MARKERS.sub(" ", sentence)))


def _cited(candidate: Candidate) -> str:
    """The sentence with its citation before the final stop: ``… delivery [1].``"""
    body = candidate.text.rstrip().rstrip(".!?;:").rstrip()
    return f"{body} [{candidate.ref}]."

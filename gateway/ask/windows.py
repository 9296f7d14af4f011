"""The output guard for a streamed draft: released one checked sentence window at a time.

A streamed answer must reach the client before the model has finished, yet nothing may leave
unchecked. The unit of every output check is the sentence (its citations, its groundedness, its
numbers), so the guard holds back only the sentence still being written, like a tail buffer:
once a sentence is complete (the next one has started, or the stream ended) it is checked
exactly as ``guard_answer`` checks each sentence of a whole draft: foreign links stripped,
citation markers validated, groundedness against the evidence it cites, then PII masked by the
egress guard with the live detector. The first sentence that fails the groundedness limit stops
the stream: nothing more is released and the answer ends as withheld (``content_filter``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gateway.ask.answerers import ABSTAIN_PHRASE
from gateway.ask.models import SentenceCheck
from gateway.ask.output_guard import (
    GuardedAnswer,
    OutputCheck,
    ParsedSentence,
    check_sentence,
    citations_of,
    parse_sentence,
)
from gateway.ask.text import split_answer


class SentenceWindows:
    """Feed model text in; get released text out, a whole checked sentence at a time."""

    def __init__(self, check: OutputCheck) -> None:
        self._check = check
        self._pending = ""
        self._parsed: list[ParsedSentence] = []
        self._checks: list[SentenceCheck] = []
        self._released: list[str] = []
        self._masked: dict[str, int] = {}
        self._stripped = 0
        self.stopped = False
        self._stop_risk = 0.0

    def feed(self, text: str) -> Iterator[str]:
        """Released text for every sentence ``text`` completes (the last one is held)."""
        self._pending += text
        pieces = split_answer(self._pending)
        if len(pieces) < 2 and not self._pending.endswith("\n"):
            return
        complete = pieces if self._pending.endswith("\n") else pieces[:-1]
        self._pending = "" if self._pending.endswith("\n") else pieces[-1]
        yield from self._release_all(complete)

    def finish(self) -> Iterator[str]:
        """The held sentence, checked, once the model has finished."""
        pending, self._pending = self._pending, ""
        yield from self._release_all(split_answer(pending))

    def result(self) -> GuardedAnswer:
        """What was released, as the output guard's verdict on the whole stream."""
        grounded = [c.groundedness for c in self._checks]
        risk = self._stop_risk if self.stopped else 1.0 - min(grounded, default=1.0)
        return GuardedAnswer(
            text=" ".join(self._released),
            citations=citations_of(self._parsed, self._check.evidence),
            checks=tuple(self._checks),
            hallucination=risk,
            citations_stripped=self._stripped,
            abstained=self.stopped or not self._released,
            pii_masked=dict(self._masked),
        )

    @property
    def released_any(self) -> bool:
        return bool(self._released)

    @property
    def withheld(self) -> bool:
        """A sentence failed the groundedness limit (a model's own abstention is not that)."""
        return self.stopped and self._stop_risk > self._check.max_hallucination_risk

    def _release_all(self, sentences: Sequence[str]) -> Iterator[str]:
        for sentence in sentences:
            released = self._release(sentence)
            if self.stopped:
                return
            if released:
                yield released

    def _release(self, sentence: str) -> str:
        if self.stopped:
            return ""
        text = self._check.strip_links(sentence)
        parsed = parse_sentence(text, len(self._check.evidence))
        self._stripped += parsed.stripped
        if ABSTAIN_PHRASE.lower().rstrip(".") in text.lower():
            self.stopped = not self._released  # the model abstained: nothing after it counts
            return ""
        if not parsed.bare:
            return ""
        check = check_sentence(
            len(self._checks), parsed, self._check.evidence, self._check.question
        )
        if 1.0 - check.groundedness > self._check.max_hallucination_risk:
            self.stopped, self._stop_risk = True, 1.0 - check.groundedness
            return ""
        masked = self._check.mask(parsed.text)
        for entity, count in masked.entity_counts.items():
            self._masked[entity] = self._masked.get(entity, 0) + count
        self._parsed.append(parsed)
        self._checks.append(check)
        prefix = " " if self._released else ""
        self._released.append(masked.text)
        return prefix + masked.text

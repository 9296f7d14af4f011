"""Marked evidence: chunks the injection guard flagged that a policy still lets through.

Ingest quarantines a chunk scoring at or above the injection threshold, or, with
``hqg ingest docs --keep-injections``, indexes it *marked* (its score kept); the collection
policy's ``max_injection_score`` decides whether a marked chunk may be retrieved at all. What
reaches the ask pipeline is decided here, once, for every answerer
(``HQG_GUARDS__MARKED_EVIDENCE_UPSTREAM``):

- ``omit`` (default): a marked chunk is no evidence; no model sees it.
- ``wrap``: it is kept as a ``MarkedEvidence`` item. An upstream model gets it inside an
  explicit warning (``gateway.ask.langchain_model.evidence_block``); the extractive answerer
  never quotes a sentence of it (it quotes, it cannot be warned).

With ``HQG_GUARDS__LEARNED_EVIDENCE`` on, ``rescore_evidence`` first reads every retrieved chunk
again *for the question asked* (``guards.learned.EvidenceInjectionDetector``: an instruction
unrelated to the user's task is the indirect-injection signal ingest cannot see); a chunk it
flags gets the raised score and is marked like one flagged at ingest.

``MarkedEvidence`` adds no field, so it serialises exactly like ``Evidence``: the mark is the
type, set by this module only, and read by the answerers with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Sequence

from guards.learned import EvidenceInjectionDetector
from guards.settings import MarkedEvidenceMode
from guards.verdict import InjectionVerdict
from retrieval.evidence import Evidence


class MarkedEvidence(Evidence):
    """Evidence the injection guard flagged (score at or above the injection threshold)."""


def is_marked(item: Evidence, threshold: float) -> bool:
    """Flagged at ingest: the same cut the prompt guard and the ingest quarantine use."""
    return item.risk.injection_score >= threshold


def admit_evidence(
    evidence: Sequence[Evidence], *, threshold: float, mode: MarkedEvidenceMode
) -> tuple[Evidence, ...]:
    """The evidence a model may get: marked items dropped (``omit``) or typed as
    ``MarkedEvidence`` (``wrap``); the others unchanged, in order."""
    kept: list[Evidence] = []
    for item in evidence:
        if not is_marked(item, threshold):
            kept.append(item)
        elif mode == "wrap":
            kept.append(MarkedEvidence.model_validate(dict(item)))
    return tuple(kept)


def rescore_evidence(
    evidence: Sequence[Evidence], question: str, detector: EvidenceInjectionDetector | None
) -> tuple[Evidence, ...]:
    """The evidence with each chunk's injection risk as read for ``question`` (never lower than
    ingest's); unchanged when the ask-time detector is off. An error propagates: no evidence
    goes on unscored."""
    if detector is None or not evidence:
        return tuple(evidence)
    verdicts = detector.rescore(
        question,
        [
            (
                e.text,
                InjectionVerdict(score=e.risk.injection_score, reasons=e.risk.injection_reasons),
            )
            for e in evidence
        ],
    )
    return tuple(
        item
        if verdict.score <= item.risk.injection_score
        else item.model_copy(
            update={
                "risk": item.risk.model_copy(
                    update={"injection_score": verdict.score, "injection_reasons": verdict.reasons}
                )
            }
        )
        for item, verdict in zip(evidence, verdicts, strict=True)
    )

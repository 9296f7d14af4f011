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

``MarkedEvidence`` adds no field, so it serialises exactly like ``Evidence``: the mark is the
type, set by this module only, and read by the answerers with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Sequence

from guards.settings import MarkedEvidenceMode
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

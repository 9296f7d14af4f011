"""The output guard for a JSON answer (``response_format`` ``json_object`` / ``json_schema``).

A structured answer carries its claims in its string and number values, not in cited
sentences, so the groundedness check runs over those values, each as a claim against all the
evidence (keys are the client's schema, not claims). The JSON text then passes the egress guard
as model text (links stripped, PII masked); if it is no longer JSON after that, or never was,
the answer is withheld: a client parsing it must never get a half-masked or broken body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from gateway.ask.output_guard import GuardedAnswer, guard_answer
from gateway.egress import EgressGuard, evidence_urls
from privacy.detector import PiiDetector
from retrieval.evidence import Evidence


def guard_json(
    draft: str,
    *,
    evidence: Sequence[Evidence],
    question: str,
    max_hallucination_risk: float,
    detector: PiiDetector,
    egress: EgressGuard,
    allowed_link_hosts: frozenset[str] = frozenset(),
) -> GuardedAnswer:
    """``draft`` checked value by value, then released whole; see the module docstring."""
    try:
        claims = [c for c in _values(json.loads(draft)) if c.strip()]
    except ValueError:
        claims = None
    checked = guard_answer(
        "\n".join(claims) if claims else "",
        evidence=evidence,
        question=question,
        max_hallucination_risk=max_hallucination_risk,
        detector=detector,
        egress=egress,
        allowed_link_hosts=allowed_link_hosts,
    )
    if claims is None or checked.abstained:
        risk = 1.0 if claims is None else checked.hallucination
        return replace(checked, abstained=True, hallucination=risk, citations=())
    urls = evidence_urls(evidence)
    released = egress.model_text(
        draft, detector=detector.detect, allowed_hosts=allowed_link_hosts, allowed_urls=urls
    )
    try:
        json.loads(released.text)
    except ValueError:
        return replace(checked, abstained=True, hallucination=1.0, citations=())
    return replace(checked, text=released.text, pii_masked=dict(released.entity_counts))


def _values(value: Any) -> Iterator[str]:
    """Every string and number in a JSON value, depth first (keys and booleans are not claims)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)

"""The output guard for a JSON answer (``response_format`` ``json_object`` / ``json_schema``).

A structured answer carries its claims in its string and number values, not in cited
sentences, so the groundedness check runs over those values, each as a claim against all the
evidence (keys are the client's schema, not claims). The JSON text, its links stripped before
it is read, is then masked by the egress guard; if it is no longer JSON after that, or never was,
the answer is withheld: a client parsing it must never get a half-masked or broken body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from gateway.ask.answerers import ABSTAIN_PHRASE
from gateway.ask.output_guard import GuardedAnswer, OutputCheck, judge


def guard_json(draft: str, check: OutputCheck) -> GuardedAnswer:
    """``draft`` checked value by value, then released whole; see the module docstring. Links
    are stripped once, from the whole draft, before its values are read."""
    draft = check.strip_links(draft)
    try:
        claims = [c for c in _values(json.loads(draft)) if c.strip()]
    except ValueError:
        claims = None
    judged = judge("\n".join(claims) if claims else "", check).verdict
    if claims is None or judged.abstained:
        risk = 1.0 if claims is None else judged.hallucination
        return replace(
            judged, text=ABSTAIN_PHRASE, abstained=True, hallucination=risk, citations=()
        )
    released = check.mask(draft)
    try:
        json.loads(released.text)
    except ValueError:
        return replace(judged, text=ABSTAIN_PHRASE, abstained=True, hallucination=1.0, citations=())
    return replace(judged, text=released.text, pii_masked=dict(released.entity_counts))


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

"""Stale evidence is named in the answer itself, not only in its metadata.

``freshness[].stale`` tells a program; a person reads the text. An answer quoting a handbook
page past its freshness SLA says so in a sentence after the answer, naming the citation, the
source's age and its SLA: "(Source [1] is past its freshness SLA: 120 days old; the SLA is 30
days.)". The note is written by the gateway from the evidence's own dates, after the output
guard, so a model can neither drop it nor word it.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.ask.models import Citation
from retrieval.evidence import Evidence

_DAY = 86_400.0


def stale_note(citations: Sequence[Citation], evidence: Sequence[Evidence]) -> str:
    """One sentence naming every cited source past its SLA, or "" when none is."""
    notes = [
        f"[{c.ref}] is past its freshness SLA: {_days(item.age_seconds)} days old; "
        f"the SLA is {_days(item.sla_seconds)} days"
        for c in citations
        if (item := evidence[c.ref - 1]).stale
    ]
    if not notes:
        return ""
    return f"(Source {'; source '.join(notes)}.)"


def with_stale_note(
    answer: str, citations: Sequence[Citation], evidence: Sequence[Evidence]
) -> str:
    """``answer`` followed by its ``stale_note``, if any."""
    note = stale_note(citations, evidence)
    return f"{answer} {note}" if note else answer


def _days(seconds: float) -> int:
    return int(seconds // _DAY)

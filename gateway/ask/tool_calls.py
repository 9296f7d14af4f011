"""Tool calls a model emits are model output: guarded before the client sees them.

A tool call's arguments are text the model composed from the masked prompt and the released
evidence, and the client will act on them (call an API, send an email). So each argument string
goes through the prompt guard's injection detector (a model steered by a planted instruction
tends to write the attacker's payload there) and the egress guard as model text: links and
images to hosts no evidence names are stripped, and PII is masked under the request's decision
with the live detector as an extra finder. Arguments that are no longer JSON after masking are
refused rather than sent half-masked. The tool's name must be one the client offered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gateway.ask.generation import ToolCallDraft
from gateway.egress import EgressGuard
from guards.verdict import InjectionDetector
from privacy.detector import PiiDetector


@dataclass(frozen=True)
class GuardedToolCalls:
    """The calls released to the client, or none and why (``blocked``)."""

    calls: tuple[ToolCallDraft, ...]
    blocked: bool = False
    injection_score: float = 0.0
    pii_masked: int = 0


#: A reply without tool calls.
NO_TOOL_CALLS = GuardedToolCalls(calls=())


def guard_tool_calls(
    calls: Sequence[ToolCallDraft],
    *,
    offered: Iterable[str],
    egress: EgressGuard,
    detector: PiiDetector,
    injection: InjectionDetector,
    block_at: float,
    allowed_link_hosts: frozenset[str],
    allowed_urls: frozenset[str],
) -> GuardedToolCalls:
    """Every call checked; one bad call blocks them all (a partial plan is not a safe plan)."""
    names = frozenset(offered)
    released: list[ToolCallDraft] = []
    worst, masked = 0.0, 0
    for call in calls:
        worst = max(worst, injection.score(call.arguments).score)
        text = egress.model_text(
            call.arguments,
            detector=detector.detect,
            allowed_hosts=allowed_link_hosts,
            allowed_urls=allowed_urls,
        )
        masked += sum(text.entity_counts.values())
        if call.name not in names or not _is_json(text.text) or worst >= block_at:
            return GuardedToolCalls(calls=(), blocked=True, injection_score=worst)
        released.append(call.model_copy(update={"arguments": text.text}))
    return GuardedToolCalls(calls=tuple(released), injection_score=worst, pii_masked=masked)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True

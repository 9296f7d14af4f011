"""The request state between the pipeline's stages, and the output guards over a model's draft.

``Admitted`` is a request past the prompt guard and the decision; ``Ready`` one with its
evidence released, which is all a model is asked with. ``guard_text`` and ``guard_tools`` are
the output guard over a draft's text (JSON value by value when JSON was asked for) and over its
tool calls, shared by the whole answer of ``ask`` and the streamed one of ``ask_stream``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from gateway.access import CollectionsGrant
from gateway.ask.bias import ProtectedUse
from gateway.ask.conversation import Standalone
from gateway.ask.generation import Generation, ToolCallDraft
from gateway.ask.output_guard import GuardedAnswer, OutputCheck, guard_answer
from gateway.ask.prompt_guard import Message, PromptScan
from gateway.ask.retrieve import Retrieved
from gateway.ask.structured import guard_json
from gateway.ask.tool_calls import GuardedToolCalls, guard_tool_calls
from gateway.egress import EgressGuard, evidence_urls
from gateway.service import Gateway
from retrieval.evidence import Evidence

#: No answer text: what a request has before (or without) a model's draft.
NOTHING = GuardedAnswer(
    text="",
    citations=(),
    checks=(),
    hallucination=0.0,
    citations_stripped=0,
    abstained=True,
    pii_masked={},
)


@dataclass(frozen=True)
class Admitted:
    """A request past the prompt guard and the decision: what retrieval and answering need."""

    scan: PromptScan
    protected: ProtectedUse
    grant: CollectionsGrant
    index: int  # of the question in the messages


@dataclass(frozen=True)
class Ready:
    """An admitted request with its evidence: what a model is asked with."""

    admitted: Admitted
    history: tuple[Message, ...]  # masked, before the question
    question: str  # masked
    standalone: Standalone  # what retrieval searched: the question with its conversation
    egress: EgressGuard
    found: Retrieved
    evidence: tuple[Evidence, ...]
    certainty: float

    def answerable(self, min_confidence: float) -> bool:
        """Low retrieval confidence abstains before any model is called."""
        return self.certainty >= min_confidence and bool(self.evidence)


def guard_text(
    gateway: Gateway, ready: Ready, text: str, options: Generation, *, tools: bool = False
) -> GuardedAnswer:
    """The output guard over the draft's text (JSON value by value when JSON was asked
    for); a reply that is only tool calls has no text to guard."""
    if tools and not text.strip():
        return replace(NOTHING, abstained=False)
    guard = guard_json if options.wants_json else guard_answer
    return guard(text, output_check(gateway, ready))


def output_check(gateway: Gateway, ready: Ready) -> OutputCheck:
    """What this request's output guard checks model text against (whole, JSON or streamed):
    its evidence, the question retrieval searched, and the gateway's limits."""
    return OutputCheck(
        evidence=ready.evidence,
        question=ready.standalone.search,
        max_hallucination_risk=gateway.settings.answer.max_hallucination_risk,
        detector=gateway.components.pii.get(),
        egress=ready.egress,
        allowed_link_hosts=gateway.settings.guards.allowed_link_hosts,
    )


def guard_tools(
    gateway: Gateway, ready: Ready, calls: Sequence[ToolCallDraft], options: Generation
) -> GuardedToolCalls:
    return guard_tool_calls(
        calls,
        offered=(str(t.get("function", {}).get("name", "")) for t in options.tools),
        egress=ready.egress,
        detector=gateway.components.pii.get(),
        injection=gateway.components.injection.get(),
        block_at=gateway.settings.answer.block_injection_threshold,
        allowed_link_hosts=gateway.settings.guards.allowed_link_hosts,
        allowed_urls=evidence_urls(ready.evidence),
    )

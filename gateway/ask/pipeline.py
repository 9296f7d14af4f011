"""Answering, end to end: prompt guard, decision, retrieval, answer, output guard, audit.

The order is DESIGN §2's. Detection of PII and injection in the prompt runs once per text
before the decision; masking runs after it, since the decision says what this principal may
see. Retrieval searches with the masked question. Low retrieval confidence abstains before any
model is called. Whatever the model writes passes the output guard before it is returned
(its tool calls too, ``gateway.ask.tool_calls``); nothing is returned unless the audit record
was written. A streamed answer (``gateway.ask.streaming``) shares every stage up to the model.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from gateway.access import CollectionsGrant, asked_collections
from gateway.ask.answerers import DEFAULTS, ChatModel
from gateway.ask.bias import ProtectedUse, protected_use
from gateway.ask.conversation import QuestionRewriter, standalone_question
from gateway.ask.freshness import with_stale_note
from gateway.ask.generation import Generation, TokenUsage, ToolCallDraft, combined
from gateway.ask.marked import admit_evidence, rescore_evidence
from gateway.ask.models import (
    AnswerRisk,
    AskProvenance,
    AskResponse,
    BiasRisk,
    EvidenceFreshness,
    InjectionRisk,
)
from gateway.ask.outcome import Abstention
from gateway.ask.output_guard import GuardedAnswer
from gateway.ask.prompt_guard import Message, PromptScan, scan_prompt
from gateway.ask.relevance import confidence, prefer_guidance, rank_sentences
from gateway.ask.retrieve import (
    ASK_ACTION,
    Retrieved,
    decide_ask,
    prompt_mask_policy,
    retrieve,
)
from gateway.ask.sources import source_kinds
from gateway.ask.stages import NOTHING, Admitted, Ready, guard_text, guard_tools
from gateway.ask.tool_calls import NO_TOOL_CALLS, GuardedToolCalls
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.egress import EgressGuard, as_egress_policy
from gateway.ops.sizes import check_prompt, check_question
from gateway.responses import DecisionSummary
from gateway.service import Gateway
from hqg.errors import NoQuestion, PromptInjection
from hqg.resources import collection_key
from privacy.masker import MaskPolicy
from privacy.vault import PseudonymVault
from retrieval.evidence import Evidence
from retrieval.search import masked_query_of

#: Pseudonyms of the caller's own input read ``<PERSON_Q1>``, never ``<PERSON_1>``.
PROMPT_NAMESPACE = "Q"
#: ... and those a model writes into a standalone question read ``<PERSON_R1>``.
REWRITE_NAMESPACE = "R"
STAGES = ("prompt_guard", "decision", "retrieval", "answer", "output_guard")

#: The audit action of an OpenAI-compatible chat completion (policy decides it as ``ask``).
CHAT_ACTION = "chat"
#: The action policy is asked for an audited action, where they differ (explain, simulate).
DECIDED_AS = {CHAT_ACTION: ASK_ACTION}


@dataclass
class StageClock:
    """Per-stage wall time of one request, also fed to the gateway's stage histogram."""

    gateway: Gateway
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        with self.gateway.ops.metrics.stage_timer(name):
            try:
                yield
            finally:
                self.seconds[name] = time.perf_counter() - started


@dataclass(frozen=True)
class AskOutcome:
    response: AskResponse
    egress: EgressGuard  # the response's guard: a transport that re-chunks text passes it again
    seconds: dict[str, float]
    usage: TokenUsage  # the model's counts, else estimated (``usage.estimated``)
    tool_calls: tuple[ToolCallDraft, ...] = ()  # guarded: arguments masked, names offered
    finish_reason: str = "stop"  # stop | tool_calls | content_filter (a guard withheld it)


def ask(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    messages: Sequence[Message],
    collections: Sequence[str] | None,
    model: ChatModel,
    action: str = ASK_ACTION,
    options: Generation = DEFAULTS,
) -> AskOutcome:
    """Answer the last user message of ``messages`` for ``ctx``; refusals raise (audited).
    ``options`` go to the model (an upstream one; the extractive answerer ignores them)."""
    with admitted_request(
        gateway,
        ctx,
        messages=messages,
        collections=collections,
        model=model,
        action=action,
        options=options,
    ) as (trail, clock, admitted):
        answered, egress = _answer(gateway, trail, clock, admitted, model, options)
        return outcome(gateway, ctx, trail, clock, answered, egress, model=model)


@contextmanager
def admitted_request(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    messages: Sequence[Message],
    collections: Sequence[str] | None,
    model: ChatModel,
    action: str,
    options: Generation,
) -> Iterator[tuple[AuditTrail, StageClock, Admitted]]:
    """The start ``ask`` and ``ask_stream`` share: the request's audit trail and stage clock,
    the model's options checked and the request admitted (``admit``), all inside the trail's
    recording, so a refusal here or in the caller's block is audited once."""
    trail = AuditTrail(gateway, ctx, action=action)
    clock = StageClock(gateway)
    with trail.recording():
        model.check_options(options)
        yield trail, clock, admit(gateway, ctx, trail, clock, messages, collections)


@dataclass(frozen=True)
class _Answered:
    """What one request found and decided on the way to its answer: the response's inputs."""

    scan: PromptScan
    protected: ProtectedUse
    grant: CollectionsGrant
    found: Retrieved
    evidence: tuple[Evidence, ...]
    certainty: float
    guarded: GuardedAnswer
    usage: TokenUsage | None
    tools: GuardedToolCalls = field(default_factory=lambda: NO_TOOL_CALLS)


def admit(
    gateway: Gateway,
    ctx: RequestContext,
    trail: AuditTrail,
    clock: StageClock,
    messages: Sequence[Message],
    collections: Sequence[str] | None,
) -> Admitted:
    """Sizes, the prompt guard (an injection is refused here) and the decision."""
    limits = gateway.settings.limits
    check_prompt([(m.content, *m.tool_arguments) for m in messages], limits)
    index = _question_index(messages)
    check_question(messages[index].content, limits)
    with clock.stage("prompt_guard"):
        scan = _scan(gateway, messages)
    trail.extra.update(_prompt_extra(scan))
    _refuse_injection(scan, gateway.settings.answer.block_injection_threshold)
    with clock.stage("decision"):
        datasets = (d.contract for d in gateway.datasets().values())
        protected = protected_use(messages[index].content, datasets)
        asked = asked_collections(gateway, collections)
        trail.datasets = [(collection_key(name), None) for name in asked]
        grant = decide_ask(gateway, ctx, collections=collections, protected=protected)
    trail.decision = grant.decision
    trail.datasets = [(collection_key(s.name), None) for s in grant.scopes]
    return Admitted(scan=scan, protected=protected, grant=grant, index=index)


def outcome(
    gateway: Gateway,
    ctx: RequestContext,
    trail: AuditTrail,
    clock: StageClock,
    answered: _Answered,
    egress: EgressGuard,
    *,
    model: ChatModel,
) -> AskOutcome:
    """The released response of an answered request, its usage and its finish reason."""
    response = _released(
        egress,
        _response(
            ctx,
            answered,
            model=model,
            flag_at=gateway.settings.guards.injection_threshold,
            max_risk=gateway.settings.answer.max_hallucination_risk,
        ),
    )
    usage = answered.usage or TokenUsage.estimate(
        prompt_chars=answered.scan.characters, completion_chars=len(response.answer)
    )
    trail.tokens = usage.total_tokens
    trail.extra.update(_answer_extra(response, answered.certainty))
    trail.extra["tool_calls"] = len(answered.tools.calls)
    finish = "stop"
    if answered.tools.blocked:
        finish = "content_filter"
    elif answered.tools.calls:
        finish = "tool_calls"
    return AskOutcome(
        response=response,
        egress=egress,
        seconds=clock.seconds,
        usage=usage,
        tool_calls=answered.tools.calls,
        finish_reason=finish,
    )


def _answer(
    gateway: Gateway,
    trail: AuditTrail,
    clock: StageClock,
    admitted: Admitted,
    model: ChatModel,
    options: Generation,
) -> tuple[_Answered, EgressGuard]:
    """Retrieve, then answer (or abstain) through the output guard; tool calls guarded."""
    ready = prepare(gateway, trail, clock, admitted, model)
    guarded, usage, tools = NOTHING, ready.standalone.usage, NO_TOOL_CALLS
    if ready.answerable(gateway.settings.answer.min_confidence):
        with clock.stage("answer"):
            draft = model.draft(
                question=ready.question,
                history=ready.history,
                evidence=ready.evidence,
                options=options,
            )
        with clock.stage("output_guard"):
            guarded = guard_text(gateway, ready, draft.text, options, tools=bool(draft.tool_calls))
            if draft.tool_calls and not guarded.abstained:
                tools = guard_tools(gateway, ready, draft.tool_calls, options)
        usage = combined(usage, draft.usage)
    return answered(ready, guarded, usage, tools), ready.egress


def answered(
    ready: Ready,
    guarded: GuardedAnswer,
    usage: TokenUsage | None,
    tools: GuardedToolCalls | None = None,
) -> _Answered:
    a = ready.admitted
    return _Answered(
        a.scan,
        a.protected,
        a.grant,
        ready.found,
        ready.evidence,
        ready.certainty,
        guarded,
        usage,
        tools or NO_TOOL_CALLS,
    )


def prepare(
    gateway: Gateway, trail: AuditTrail, clock: StageClock, admitted: Admitted, model: ChatModel
) -> Ready:
    """Retrieve with the masked standalone question (a follow-up with the conversation it
    depends on, ``gateway.ask.conversation``); the evidence released through the request's
    guard, guidance preferred over anecdote.

    The caller's input is pseudonymised in a namespace of its own (<PERSON_Q1>), so whether a
    typed value equals one in the evidence is never observable; the evidence, the answer and
    everything else in the response share the egress guard's vault."""
    settings = gateway.settings.answer
    scan, grant, index = admitted.scan, admitted.grant, admitted.index
    policy = prompt_mask_policy(grant.scopes)
    masked = _masked_prompt(gateway, scan, policy)
    question = masked[index].content
    egress = EgressGuard(
        policy=as_egress_policy(policy), vault=PseudonymVault(), finders=gateway.egress_finders
    )
    with clock.stage("retrieval"):
        standalone = standalone_question(
            question=question,
            history=masked[:index],
            rewriter=model if isinstance(model, QuestionRewriter) else None,
            guard=lambda text: _guarded_rewrite(gateway, text, policy),
        )
        asked = scan.messages[index].content
        found = retrieve(
            gateway,
            grant,
            query=standalone.search,
            # the prompt guard's spans mask the question for the masked view; a standalone
            # question made of more than it is detected again
            masked_view_query=(
                masked_query_of(asked.text, asked.spans) if standalone.search == question else None
            ),
            k=settings.k,
            vault=egress.vault,
        )
        usable = admit_evidence(
            rescore_evidence(
                found.evidence, standalone.question, gateway.components.evidence_injection()
            ),
            threshold=gateway.settings.guards.injection_threshold,
            mode=gateway.settings.guards.marked_evidence_upstream,
        )
        evidence = tuple(egress.release(item) for item in usable)
        ranked = rank_sentences(standalone.question, evidence, context=standalone.context)
        certainty = confidence(ranked)
        kinds = source_kinds(gateway.documents, evidence, settings)
        evidence = prefer_guidance(evidence, kinds, ranked, floor=settings.min_confidence)
    trail.rows, trail.withheld, trail.chunks = len(evidence), found.withheld, len(evidence)
    trail.extra["standalone"] = standalone.how
    return Ready(admitted, masked[:index], question, standalone, egress, found, evidence, certainty)


def _scan(gateway: Gateway, messages: Sequence[Message]) -> PromptScan:
    return scan_prompt(
        messages,
        pii=gateway.components.pii.get(),
        injection=gateway.components.injection.get(),
        timeout_s=gateway.settings.limits.prompt_scan_timeout_ms / 1000,
    )


def _guarded_rewrite(gateway: Gateway, text: str, policy: MaskPolicy | None) -> str:
    """A model's standalone question through the prompt guard, as a user message would go:
    refused as an injection at the blocking threshold, else masked in a namespace of its own
    (``<PERSON_R1>``: placeholders it copied from the conversation are kept as they are)."""
    check_question(text, gateway.settings.limits)
    scan = _scan(gateway, [Message(role="user", content=text)])
    _refuse_injection(scan, gateway.settings.answer.block_injection_threshold)
    return _masked_prompt(gateway, scan, policy, namespace=REWRITE_NAMESPACE)[0].content


def _masked_prompt(
    gateway: Gateway,
    scan: PromptScan,
    policy: MaskPolicy | None,
    *,
    namespace: str = PROMPT_NAMESPACE,
) -> tuple[Message, ...]:
    """The prompt masked under ``policy`` in the caller's own namespace: the spans found by
    the prompt guard, then the egress finders (known entities) over what is left."""
    vault = PseudonymVault(namespace=namespace)
    finders = EgressGuard(
        policy=as_egress_policy(policy), vault=vault, finders=gateway.egress_finders
    )
    return tuple(
        Message(
            role=m.role,
            content=finders.text(m.content),
            tool_arguments=tuple(finders.text(a) for a in m.tool_arguments),
        )
        for m in scan.masked(policy=policy, vault=vault)
    )


def _question_index(messages: Sequence[Message]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == "user" and messages[index].content.strip():
            return index
    raise NoQuestion("the request has no user message to answer")


def _refuse_injection(scan: PromptScan, threshold: float) -> None:
    if scan.injection_score >= threshold:
        raise PromptInjection(
            "blocked as prompt injection: the prompt guard refused this request",
            reasons=("prompt injection", *scan.injection_reasons),
        )


def _response(
    ctx: RequestContext,
    answered: _Answered,
    *,
    model: ChatModel,
    flag_at: float,
    max_risk: float,
) -> AskResponse:
    decision, guarded, scan = answered.grant.decision, answered.guarded, answered.scan
    withheld = answered.found.withheld
    abstention = Abstention.of(
        abstained=guarded.abstained,
        hallucination=guarded.hallucination,
        max_risk=max_risk,
        blocked=answered.tools.blocked,
        withheld_items=sum(withheld.values()),
        withheld_collections=answered.grant.hidden_collections,
    )
    answer = (
        abstention.text
        if abstention
        else with_stale_note(guarded.text, guarded.citations, answered.evidence)
    )
    protected = answered.protected
    return AskResponse(
        request_id=ctx.request_id,
        answer=answer,
        citations=() if abstention else guarded.citations,
        abstained=abstention is not None,
        abstention=abstention,
        risk=AnswerRisk(
            injection=InjectionRisk(
                score=scan.injection_score,
                reasons=scan.injection_reasons,
                blocked=False,
                flagged=scan.injection_score >= flag_at,
            ),
            hallucination=round(guarded.hallucination, 4),
            groundedness=guarded.checks,
            bias=BiasRisk(flagged=bool(protected.attributes), attributes=protected.attributes),
            citations_stripped=guarded.citations_stripped,
            pii_masked=guarded.pii_masked,
        ),
        provenance=AskProvenance(
            model=model.name,
            backend=model.backend,
            evidence=tuple(f"{e.collection}:{e.doc_id}#{e.chunk_id}" for e in answered.evidence),
            decision_id=decision.decision_id,
            policy_hash=decision.policy_hash,
            policy_engine=decision.engine,
            retrieval_confidence=round(answered.certainty, 4),
        ),
        freshness=tuple(
            EvidenceFreshness(
                collection=e.collection,
                doc_id=e.doc_id,
                as_of=e.as_of,
                age_seconds=e.age_seconds,
                sla_seconds=e.sla_seconds,
                stale=e.stale,
            )
            for e in _cited(answered.evidence, guarded)
        ),
        withheld=dict(withheld),
        withheld_collections=answered.grant.hidden_collections,
        decision=DecisionSummary.of(decision),
    )


def _released(egress: EgressGuard, response: AskResponse) -> AskResponse:
    """Every string of ``response`` through the egress guard, each once: the answer has passed
    it in the output guard (with the live detector as well) and the citations are built from
    evidence released at retrieval, so they are set aside while the rest passes here."""
    rest = egress.release(response.model_copy(update={"answer": "", "citations": ()}))
    return rest.model_copy(update={"answer": response.answer, "citations": response.citations})


def _cited(evidence: Sequence[Evidence], guarded: GuardedAnswer) -> list[Evidence]:
    refs = {c.ref for c in guarded.citations}
    return [e for n, e in enumerate(evidence, start=1) if n in refs]


def _prompt_extra(scan: PromptScan) -> dict[str, int | float | bool | str | None]:
    return {
        "prompt_messages": len(scan.messages),
        "prompt_chars": scan.characters,
        "prompt_pii": sum(scan.pii_counts.values()),
        "injection_score": round(scan.injection_score, 4),
    }


def _answer_extra(
    response: AskResponse, certainty: float
) -> dict[str, int | float | bool | str | None]:
    risk = response.risk
    return {
        "answer_chars": len(response.answer),
        "citations": len(response.citations),
        "citations_stripped": risk.citations_stripped,
        "abstained": response.abstained,
        "hallucination": risk.hallucination,
        "confidence": round(certainty, 4),
        "answer_pii_masked": sum(risk.pii_masked.values()),
        "bias_flagged": risk.bias.flagged,
    }

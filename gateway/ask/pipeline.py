"""Answering, end to end: prompt guard, decision, retrieval, answer, output guard, audit.

The order is DESIGN §2's. Detection of PII and injection in the prompt runs once per text
before the decision; masking runs after it, since the decision says what this principal may
see. Retrieval searches with the masked question. Low retrieval confidence abstains before any
model is called. Whatever the model writes passes the output guard before it is returned;
nothing is returned unless the audit record was written.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from gateway.access import CollectionsGrant
from gateway.ask.answerers import ABSTAIN_PHRASE, ChatModel
from gateway.ask.bias import ProtectedUse, protected_use
from gateway.ask.conversation import QuestionRewriter, Standalone, standalone_question
from gateway.ask.freshness import with_stale_note
from gateway.ask.models import (
    AnswerRisk,
    AskProvenance,
    AskResponse,
    BiasRisk,
    EvidenceFreshness,
    InjectionRisk,
)
from gateway.ask.output_guard import GuardedAnswer, guard_answer
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
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.egress import EgressGuard, as_egress_policy
from gateway.ops.sizes import check_prompt, check_question
from gateway.responses import DecisionSummary
from gateway.service import Gateway
from hqg.errors import AccessDenied, NoQuestion
from hqg.resources import collection_key
from privacy.masker import MaskPolicy
from privacy.vault import PseudonymVault
from retrieval.evidence import Evidence

#: Pseudonyms of the caller's own input read ``<PERSON_Q1>``, never ``<PERSON_1>``.
PROMPT_NAMESPACE = "Q"
#: ... and those a model writes into a standalone question read ``<PERSON_R1>``.
REWRITE_NAMESPACE = "R"
STAGES = ("prompt_guard", "decision", "retrieval", "answer", "output_guard")

#: The audit action of an OpenAI-compatible chat completion (policy decides it as ``ask``).
CHAT_ACTION = "chat"


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
    prompt_tokens: int
    completion_tokens: int


def ask(
    gateway: Gateway,
    ctx: RequestContext,
    *,
    messages: Sequence[Message],
    collections: Sequence[str] | None,
    model: ChatModel,
    action: str = ASK_ACTION,
) -> AskOutcome:
    """Answer the last user message of ``messages`` for ``ctx``; refusals raise (audited)."""
    trail = AuditTrail(gateway, ctx, action=action)
    clock = StageClock(gateway)
    with trail.recording():
        return _run(gateway, ctx, trail, clock, messages, collections, model)


@dataclass(frozen=True)
class _Answered:
    """What one request found and decided on the way to its answer: the response's inputs."""

    scan: PromptScan
    protected: ProtectedUse
    grant: CollectionsGrant
    standalone: Standalone
    found: Retrieved
    evidence: tuple[Evidence, ...]
    certainty: float
    guarded: GuardedAnswer
    tokens: int


def _run(
    gateway: Gateway,
    ctx: RequestContext,
    trail: AuditTrail,
    clock: StageClock,
    messages: Sequence[Message],
    collections: Sequence[str] | None,
    model: ChatModel,
) -> AskOutcome:
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
        grant = decide_ask(gateway, ctx, collections=collections, protected=protected)
    trail.decision = grant.decision
    trail.datasets = [(collection_key(s.name), None) for s in grant.scopes]
    answered, egress = _answer(gateway, trail, clock, scan, protected, grant, index, model)
    trail.tokens = answered.tokens
    trail.extra["standalone"] = answered.standalone.how
    response = _released(
        egress,
        _response(ctx, answered, model=model, flag_at=gateway.settings.guards.injection_threshold),
    )
    trail.extra.update(_answer_extra(response, answered.certainty))
    return AskOutcome(
        response=response,
        egress=egress,
        seconds=clock.seconds,
        prompt_tokens=scan.characters // 4,
        completion_tokens=answered.tokens or len(response.answer) // 4,
    )


def _answer(
    gateway: Gateway,
    trail: AuditTrail,
    clock: StageClock,
    scan: PromptScan,
    protected: ProtectedUse,
    grant: CollectionsGrant,
    index: int,
    model: ChatModel,
) -> tuple[_Answered, EgressGuard]:
    """Retrieve with the masked question, then answer it (or abstain) through the output guard.

    The caller's input is pseudonymised in a namespace of its own (<PERSON_Q1>), so whether a
    typed value equals one in the evidence is never observable; the evidence, the answer and
    everything else in the response share the egress guard's vault."""
    settings = gateway.settings.answer
    policy = prompt_mask_policy(grant.scopes)
    masked = _masked_prompt(gateway, scan, policy)
    egress = EgressGuard(
        policy=as_egress_policy(policy), vault=PseudonymVault(), finders=gateway.egress_finders
    )
    with clock.stage("retrieval"):
        standalone = standalone_question(
            question=masked[index].content,
            history=masked[:index],
            rewriter=model if isinstance(model, QuestionRewriter) else None,
            guard=lambda text: _guarded_rewrite(gateway, text, policy),
        )
        found = retrieve(gateway, grant, query=standalone.search, k=settings.k, vault=egress.vault)
        usable = _usable(found.evidence, gateway.settings.guards.injection_threshold)
        evidence = tuple(egress.release(item) for item in usable)
        ranked = rank_sentences(standalone.question, evidence, context=standalone.context)
        certainty = confidence(ranked)
        kinds = source_kinds(gateway.documents, evidence, settings)
        evidence = prefer_guidance(evidence, kinds, ranked, floor=settings.min_confidence)
    trail.rows, trail.withheld, trail.chunks = len(evidence), found.withheld, len(evidence)
    guarded, tokens = _abstention(), 0
    if certainty >= settings.min_confidence and evidence:
        with clock.stage("answer"):
            draft = model.draft(
                question=masked[index].content, history=masked[:index], evidence=evidence
            )
        with clock.stage("output_guard"):
            guarded = guard_answer(
                draft.text,
                evidence=evidence,
                question=standalone.search,
                max_hallucination_risk=settings.max_hallucination_risk,
                detector=gateway.components.pii.get(),
                egress=egress,
                allowed_link_hosts=gateway.settings.guards.allowed_link_hosts,
            )
        tokens = draft.tokens
    tokens += standalone.tokens
    answered = _Answered(
        scan, protected, grant, standalone, found, evidence, certainty, guarded, tokens
    )
    return answered, egress


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
        raise AccessDenied(
            "the prompt was refused as a prompt-injection attempt",
            reasons=("prompt injection", *scan.injection_reasons),
        )


def _usable(evidence: Sequence[Evidence], threshold: float) -> tuple[Evidence, ...]:
    """Defence in depth: the policy filter already drops injected chunks inside the index."""
    return tuple(e for e in evidence if e.risk.injection_score < threshold)


def _abstention() -> GuardedAnswer:
    return GuardedAnswer(
        text=ABSTAIN_PHRASE,
        citations=(),
        checks=(),
        hallucination=0.0,
        citations_stripped=0,
        abstained=True,
        pii_masked={},
    )


def abstention_text(withheld: int, hidden_collections: int) -> str:
    """The abstention, saying how much policy withheld so no one reads "no data"."""
    if not withheld and not hidden_collections:
        return ABSTAIN_PHRASE
    return (
        f"{ABSTAIN_PHRASE} Policy withheld {withheld} item(s) and {hidden_collections} "
        "collection(s) from this request."
    )


def _response(
    ctx: RequestContext, answered: _Answered, *, model: ChatModel, flag_at: float
) -> AskResponse:
    decision, guarded, scan = answered.grant.decision, answered.guarded, answered.scan
    withheld = answered.found.withheld
    answer = (
        abstention_text(sum(withheld.values()), answered.grant.hidden_collections)
        if guarded.abstained
        else with_stale_note(guarded.text, guarded.citations, answered.evidence)
    )
    protected = answered.protected
    return AskResponse(
        request_id=ctx.request_id,
        answer=answer,
        citations=guarded.citations,
        abstained=guarded.abstained,
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

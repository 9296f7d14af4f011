"""Admission of a request before its use case runs, and of an agent's tool call.

Every transport admits an authenticated request the same way: the rate limit of its principal
and tenant, a refusal audited under the action the use case would have recorded (so the
audit log, the metrics and the usage ledger count it like any request). An agent's tool call
(MCP) is admitted once more: its text arguments are caller input an LLM may have copied from
anywhere, so each one is scored by the injection detector, and a call above the blocking
threshold (``HQG_ANSWER__BLOCK_INJECTION_THRESHOLD``, the one ``/v1/ask`` blocks prompts at)
is refused before any data is read, with the reasons ``/v1/ask`` gives. PII in the arguments
is masked under the decision by the use case itself (a masked principal's search query and
question are masked before they are embedded or answered; a SQL literal only ever compares
against masked values); an argument is never logged or audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from audit.marks import was_audited
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import AccessDenied, HqgError, RateLimited, Unavailable

INJECTION_REASON = "prompt injection"


def admit(gateway: Gateway, ctx: RequestContext, *, action: str | None) -> None:
    """Take one request from the caller's rate limit, or raise ``RateLimited`` (audited under
    ``action``; not audited when no action is known)."""
    try:
        gateway.ops.limiter.acquire(principal=ctx.principal.id, tenant=ctx.principal.tenant)
    except RateLimited as exc:
        if action is not None:
            AuditTrail(gateway, ctx, action=action).fail(exc)
        raise


def refuse(gateway: Gateway, ctx: RequestContext, exc: HqgError, *, action: str) -> NoReturn:
    """Raise ``exc`` for a call refused before its use case ran, with its one audit record."""
    AuditTrail(gateway, ctx, action=action).fail(exc)
    raise exc


def admit_tool_call(
    gateway: Gateway, ctx: RequestContext, *, action: str, texts: Iterable[str]
) -> None:
    """Admit a tool call whose text arguments are ``texts``: rate limit, then the injection
    score of each text; raises (audited) on a refusal."""
    admit(gateway, ctx, action=action)
    try:
        detector = gateway.components.injection.get()
        verdicts = [detector.score(text) for text in texts if text.strip()]
    except HqgError as exc:
        refuse(gateway, ctx, exc, action=action)
    except Exception as exc:  # fail closed: an argument the guard could not score is refused
        failed = Unavailable("the prompt guard failed; nothing was served")
        failed.__cause__ = exc
        refuse(gateway, ctx, failed, action=action)
    threshold = gateway.settings.answer.block_injection_threshold
    flagged = [verdict for verdict in verdicts if verdict.score >= threshold]
    if flagged:
        reasons = dict.fromkeys(reason for verdict in flagged for reason in verdict.reasons)
        denied = AccessDenied(
            "the tool arguments were refused as a prompt-injection attempt",
            reasons=(INJECTION_REASON, *reasons),
        )
        refuse(gateway, ctx, denied, action=action)


def settle(gateway: Gateway, ctx: RequestContext, exc: Exception, *, action: str) -> HqgError:
    """The refusal a failed call answers, with its one audit record: an ``HqgError`` a use case
    already audited is returned as is; any other is audited here; an exception that is no
    ``HqgError`` is a bug, answered as a generic internal error (its text may hold request data).
    When the record cannot be written the answer is that failure (nothing is served unaudited)."""
    refusal = exc if isinstance(exc, HqgError) else HqgError("internal error; nothing served")
    if was_audited(exc):
        return refusal
    try:
        AuditTrail(gateway, ctx, action=action).fail(refusal)
    except HqgError as audit_error:
        return audit_error
    return refusal

"""The console's own actions: every page and form of ``/console`` is one ``console.*`` action.

Policy decides who may use the console (``console.signin``, ``console.review``, …, listed per
role in the bundle's ``data.json``), exactly as it decides a query, and each action leaves one
audit record under its own name. A page that then reads through another use case (explain,
simulate, the audit reader) is decided and audited by that use case as well, so the console
adds no policy path of its own. Console requests count against the caller's rate limits like
any other request.
"""

from __future__ import annotations

from authz.decision import Decision
from gateway.access import require_allowed
from gateway.auditing import AuditTrail
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import InvalidRequest

CONSOLE_PREFIX = "console."


def console_action(gateway: Gateway, ctx: RequestContext, *, action: str) -> Decision:
    """Admit, decide and audit one console action; ``AccessDenied`` when policy refuses."""
    if not action.startswith(CONSOLE_PREFIX):
        raise InvalidRequest("console actions are named console.<action>")
    trail = AuditTrail(gateway, ctx, action=action)
    with trail.recording():
        gateway.ops.limiter.acquire(principal=ctx.principal.id, tenant=ctx.principal.tenant)
        trail.decision = gateway.decide(ctx, action=action)
        require_allowed(trail.decision)
        return trail.decision

"""Per-request context: who asks, for what purpose, under which request id."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace

from gateway.identity import Principal
from hqg.errors import AccessDenied

_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.-]{8,64}$")
_PURPOSE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def new_request_id(offered: str | None = None) -> str:
    """Keep a caller's well-formed request id (for tracing), else mint one."""
    if offered and _REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


@dataclass(frozen=True)
class RequestContext:
    """Immutable for the request's lifetime; nothing here outlives it."""

    request_id: str
    principal: Principal
    purpose: str | None
    #: The action the audit record is filed under when a transport names its calls itself
    #: (MCP: ``mcp.query_sql``); policy still decides the use case's own action.
    audit_action: str | None = None

    @classmethod
    def create(
        cls, principal: Principal, *, purpose: str | None, request_id: str | None = None
    ) -> RequestContext:
        """The purpose is the one asked for, else the principal's default.

        A purpose that is not a plain identifier is refused without being echoed.
        """
        chosen = purpose or principal.default_purpose
        if chosen is not None and not _PURPOSE.match(chosen):
            raise AccessDenied("the purpose must be a lower-case identifier such as 'analytics'")
        return cls(request_id=new_request_id(request_id), principal=principal, purpose=chosen)

    def with_purpose(self, purpose: str) -> RequestContext:
        """The same request under another purpose (a body field overrides the header)."""
        chosen = RequestContext.create(self.principal, purpose=purpose, request_id=self.request_id)
        return replace(chosen, audit_action=self.audit_action)

    def filed_as(self, action: str) -> RequestContext:
        """The same request, audited under ``action`` whichever use case serves it."""
        return replace(self, audit_action=action)

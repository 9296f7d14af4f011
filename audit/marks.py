"""Which exceptions already have their request's audit record.

A use case's ``AuditTrail`` (``gateway.auditing``) writes the record of a refusal or failure;
a transport audits the refusals no use case saw (bad bodies, size limits). The mark on the
exception keeps them from writing two records for one request. It needs nothing of the
gateway, so it lives with the audit log for every transport to read.
"""

from __future__ import annotations

_AUDITED = "_hqg_audited"
_DECISION = "_hqg_decision_id"


def mark_audited(exc: BaseException) -> None:
    """Note on the exception that its request's record is written, so the HTTP layer, which
    audits refusals no pipeline saw (bad bodies, size limits), never writes a second one."""
    setattr(exc, _AUDITED, True)


def was_audited(exc: BaseException) -> bool:
    return bool(getattr(exc, _AUDITED, False))


def mark_decision(exc: BaseException, decision_id: str) -> None:
    """Note on an unexpected failure the decision its request ran under, so the log line can
    name it and an operator can find the request's audit record."""
    setattr(exc, _DECISION, decision_id)


def decision_id_of(exc: BaseException) -> str | None:
    """The id of the decision the failed request was running under, for the log line that
    lets an operator find the request's audit record (None before any decision)."""
    found = getattr(exc, _DECISION, None)
    return found if isinstance(found, str) else None

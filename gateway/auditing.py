"""Building the audit record of a request, for every outcome: served, denied or failed.

Records carry identifiers and counts only; the query goes in with its literals redacted by the
record type itself. Appending is part of serving: if the audit log cannot be written the
request fails (fail closed) rather than returning unaudited data. A pipeline runs its body in
``AuditTrail.recording`` so that every way it can end, a bug included, leaves one record.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from audit import AuditRecord, DatasetRef
from audit.marks import decision_id_of, mark_audited, mark_decision
from audit.record import USE_CASE, ExtraValue
from authz.decision import Decision
from gateway.context import RequestContext
from gateway.service import Gateway
from hqg.errors import AccessDenied, HqgError


@dataclass
class AuditTrail:
    """Collects what a request did as it runs; ``write`` appends the one record (``recording``
    calls it for the request's outcome)."""

    gateway: Gateway
    ctx: RequestContext
    action: str
    query: str | None = None
    started: float = field(default_factory=time.perf_counter)
    decision: Decision | None = None
    datasets: Sequence[tuple[str, str | None]] = ()
    rows: int | None = None
    withheld: Mapping[str, int] = field(default_factory=dict)
    masks: Mapping[str, int] | None = None  # mask kind -> count applied; None: from decision
    chunks: int = 0  # evidence chunks served, and model tokens used (usage ledger)
    tokens: int = 0
    rows_scanned: int = 0  # rows of the dataset versions a query read (cost attribution)
    extra: dict[str, ExtraValue] = field(default_factory=dict)  # numbers, flags, identifiers
    refused_by: str | None = None  # the decision id of a refusal raised before ``decision`` was set

    def write(self, *, status: int, reasons: Sequence[str] = ()) -> None:
        decision = self.decision
        filed_as = self.ctx.audit_action
        if filed_as is not None and filed_as != self.action:
            self.extra[USE_CASE] = self.action
        record = AuditRecord(
            request_id=self.ctx.request_id,
            principal_id=self.ctx.principal.id,
            tenant=self.ctx.principal.tenant,
            purpose=self.ctx.purpose,
            action=filed_as or self.action,
            datasets=tuple(DatasetRef(name=n, version=v) for n, v in self.datasets),
            decision_id=decision.decision_id if decision else self.refused_by,
            policy_hash=decision.policy_hash if decision else None,
            allowed=status < 400,
            reasons=tuple(reasons or (decision.reasons if decision else ())),
            rows_returned=self.rows,
            withheld=dict(self.withheld),
            latency_ms=(time.perf_counter() - self.started) * 1000,
            status=status,
            query_redacted=self.query,
            extra=dict(self.extra),
        )
        self.gateway.audit.append(record)
        self.gateway.ops.observe(
            record,
            decision=decision,
            masks=self.masks,
            chunks=self.chunks,
            tokens=self.tokens,
            rows_scanned=self.rows_scanned,
        )

    def fail(self, exc: HqgError) -> None:
        """Record a refusal or failure; the reasons are the error's, never user text."""
        reasons = exc.reasons if isinstance(exc, AccessDenied) else (exc.code,)
        self.refused_by = exc.decision_id if isinstance(exc, AccessDenied) else decision_id_of(exc)
        self.write(status=exc.status, reasons=reasons)
        mark_audited(exc)

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Run a request's body and write its one record however the body ends.

        Returning writes status 200. An ``HqgError`` is recorded by ``fail``. Any other
        exception is a bug: it is recorded as a 500 ``internal_error`` with only its class name,
        since its message may hold request data. Every exception is re-raised. If the record of
        a bug cannot be written, the bug still propagates, chained from the audit failure, so
        callers get the generic 500 and operators see both.
        """
        try:
            yield
        except HqgError as exc:
            self.fail(exc)
            raise
        except Exception as exc:
            try:
                self._fail_unexpected(exc)
            except Exception as audit_error:
                raise exc from audit_error
            raise
        self.write(status=200)

    def _fail_unexpected(self, exc: Exception) -> None:
        name = type(exc).__name__
        self.extra["error_class"] = name[:64] if name.isascii() else None
        if self.decision is not None:
            mark_decision(exc, self.decision.decision_id)
        self.write(status=HqgError.status, reasons=(HqgError.code,))
        mark_audited(exc)

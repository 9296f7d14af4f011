"""The audit trail of an answer: ``AuditTrail`` plus numeric ``extra`` (never text).

Prompts and answers are never stored, not even masked: the record keeps their lengths, the
risk scores, counts of citations, masks and stripped markers, so a reviewer can see what the
guards did without the log becoming a second copy of the data.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.audit import AuditRecord, DatasetRef
from gateway.audit.record import ExtraValue
from gateway.auditing import AuditTrail


@dataclass
class AnswerTrail(AuditTrail):
    """An ``AuditTrail`` whose record carries ``extra`` (numbers, flags, identifiers)."""

    extra: dict[str, ExtraValue] = field(default_factory=dict)

    def write(self, *, status: int, reasons: Sequence[str] = ()) -> None:
        decision = self.decision
        record = AuditRecord(
            request_id=self.ctx.request_id,
            principal_id=self.ctx.principal.id,
            tenant=self.ctx.principal.tenant,
            purpose=self.ctx.purpose,
            action=self.action,
            datasets=tuple(DatasetRef(name=n, version=v) for n, v in self.datasets),
            decision_id=decision.decision_id if decision else None,
            policy_hash=decision.policy_hash if decision else None,
            allowed=status < 400,
            reasons=tuple(reasons or (decision.reasons if decision else ())),
            rows_returned=self.rows,
            withheld=dict(self.withheld),
            latency_ms=(time.perf_counter() - self.started) * 1000,
            status=status,
            extra=dict(self.extra),
        )
        self.gateway.audit.append(record)
        self.gateway.ops.observe(
            record, decision=decision, masks=self.masks, chunks=self.chunks, tokens=self.tokens
        )

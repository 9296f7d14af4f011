"""``Operations``: the per-gateway metrics, limiter and usage ledger, fed from the audit trail.

``observe`` is called by ``AuditTrail.write`` right after the audit record is appended, so
every request that ends (served, refused, failed, rate-limited) is counted, logged and
attributed exactly once, from the same redacted record the audit log keeps. Observing never
fails a request: a usage line that cannot be written is logged and counted instead (the audit
log, which does fail closed, remains the record of what was served).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from audit import AuditRecord
from audit.record import use_case_of
from authz.decision import Decision
from authz.sandbox import WorkerSlots
from gateway.ops.limits import Clock, RateLimiter
from gateway.ops.logs import join_request_line
from gateway.ops.metrics import GatewayMetrics
from gateway.ops.usage import UsageEntry, UsageLedger, ledger_path, withheld_kind
from gateway.settings.ops import LimitSettings, LoggingSettings

log = logging.getLogger("hqg.request")


@dataclass
class Operations:
    """What operators see of a gateway; one per ``Gateway``, never shared."""

    metrics: GatewayMetrics
    limiter: RateLimiter
    usage: UsageLedger | None
    logging_settings: LoggingSettings
    #: the candidate-policy workers this gateway may run at once (``authz.sandbox``)
    candidate_workers: WorkerSlots

    def observe(
        self,
        record: AuditRecord,
        *,
        decision: Decision | None,
        masks: Mapping[str, int] | None = None,
        chunks: int = 0,
        tokens: int = 0,
        rows_scanned: int = 0,
    ) -> None:
        """Count, log and attribute one finished request (its audit record)."""
        metrics = self.metrics
        metrics.record_request(
            action=record.action, status=record.status, seconds=record.latency_ms / 1000
        )
        if decision is not None:
            metrics.record_decision(allowed=decision.allow)
        withheld = sum(record.withheld.values())
        if record.status < 400:
            metrics.record_withheld(kind=withheld_kind(use_case_of(record)), count=withheld)
            metrics.record_masks(masks if masks is not None else masks_in_force(decision, record))
        self._attribute(record, chunks=chunks, tokens=tokens, rows_scanned=rows_scanned)
        fields = {
            "request_id": record.request_id,
            "principal_id": record.principal_id,
            "tenant": record.tenant,
            "action": record.action,
            "status": record.status,
            "outcome": "allow" if record.allowed else "deny",
            "rows": record.rows_returned,
            "withheld": withheld,
        }
        latency_ms = round(record.latency_ms, 3)
        if not join_request_line({**fields, "use_case_ms": latency_ms}):  # its HTTP line
            log.info(
                "request finished",
                extra={"event": "request", **fields, "latency_ms": latency_ms},
            )

    def _attribute(
        self, record: AuditRecord, *, chunks: int, tokens: int, rows_scanned: int
    ) -> None:
        if self.usage is None:
            return
        try:
            entry = UsageEntry.of(record, chunks=chunks, tokens=tokens, rows_scanned=rows_scanned)
            self.usage.append(entry)
        except OSError:
            self.metrics.record_usage_error()
            log.error(
                "usage ledger not written",
                extra={"event": "usage_write_failed", "request_id": record.request_id},
            )


def masks_in_force(decision: Decision | None, record: AuditRecord) -> dict[str, int]:
    """Masked columns, by kind, on the tables a served SQL request read.

    The fallback when a pipeline does not report the masks it applied itself: a column masked
    by the decision on a table the query read counts once, whether or not it was selected.
    """
    if decision is None or use_case_of(record) != "sql":
        return {}
    counts: Counter[str] = Counter()
    for dataset in record.datasets:
        grant = decision.tables.get(dataset.name)
        if grant is not None:
            counts.update(str(kind.value) for kind in grant.masks.values())
    return dict(counts)


def build_operations(
    *,
    limits: LimitSettings,
    logs: LoggingSettings,
    home: Path | None,
    candidate_workers: int,
    clock: Clock = time.time,
) -> Operations:
    """The ops objects for one gateway; ``home`` None keeps no usage ledger (tests, tools)."""
    metrics = GatewayMetrics()
    return Operations(
        metrics=metrics,
        limiter=RateLimiter(limits, clock=clock, metrics=metrics),
        usage=UsageLedger(ledger_path(home)) if home is not None else None,
        logging_settings=logs,
        candidate_workers=WorkerSlots(candidate_workers),
    )

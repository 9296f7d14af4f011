"""The operations surface: metrics, structured logs, rate limits and the usage ledger.

Everything here is per ``Gateway`` (no module globals, no default Prometheus registry), fed
from one place, ``AuditTrail.write``, where every request ends. Nothing here sees values,
prompts or SQL text: only identifiers, counts, status codes and timings.

Import the submodules directly; this package imports none of them so that ``gateway.service``
can depend on ``gateway.ops.operations`` without an import cycle through ``gateway.auditing``.
"""

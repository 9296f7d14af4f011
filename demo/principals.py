"""The demo's API keys and the principals they stand for (DESIGN.md §6).

The key strings live only here; the workspace stores their digests, and the server refuses
them unless it runs the demo workspace. Each principal exercises one policy path: tenant
isolation (alice vs carol), purpose-bound PII access (bob), cross-tenant stewardship (dana), a
service account that must never see raw PII (assistant) and a role with no data rows (sec).
"""

from __future__ import annotations

from gateway.identity import Principal
from ingestion.contracts import Classification


def demo_principals() -> list[tuple[str, Principal]]:
    """``(api_key, principal)`` pairs for the demo keys."""
    return [
        (
            "demo-alice",
            Principal(
                id="alice",
                tenant="acme",
                roles=("analyst",),
                clearance=Classification.CONFIDENTIAL,
                purposes=("analytics",),
                default_purpose="analytics",
            ),
        ),
        (
            "demo-bob",
            Principal(
                id="bob",
                tenant="acme",
                roles=("support",),
                clearance=Classification.CONFIDENTIAL,
                purposes=("support", "analytics"),
                default_purpose="support",
            ),
        ),
        (
            "demo-carol",
            Principal(
                id="carol",
                tenant="globex",
                roles=("analyst",),
                clearance=Classification.CONFIDENTIAL,
                purposes=("analytics",),
                default_purpose="analytics",
            ),
        ),
        (
            "demo-dana",
            Principal(
                id="dana",
                tenant=None,
                roles=("steward",),
                clearance=Classification.RESTRICTED,
                purposes=("analytics", "compliance", "support"),
                default_purpose="analytics",
            ),
        ),
        (
            "demo-assistant",
            Principal(
                id="acme-assistant",
                tenant="acme",
                roles=("assistant",),
                clearance=Classification.CONFIDENTIAL,
                purposes=("support", "analytics"),
                default_purpose="support",
                kind="service",
            ),
        ),
        (
            "demo-sec",
            Principal(
                id="sec",
                tenant=None,
                roles=("security",),
                clearance=Classification.PUBLIC,
                purposes=("audit",),
                default_purpose="audit",
            ),
        ),
    ]

"""The demo keys stand for the principals DESIGN.md §6 describes."""

from __future__ import annotations

from demo import demo_principals
from gateway.identity import Principal
from ingestion.contracts import Classification


def by_key() -> dict[str, Principal]:
    return dict(demo_principals())


def test_the_six_demo_keys_exist_with_unique_principals() -> None:
    pairs = demo_principals()
    assert [key for key, _ in pairs] == [
        "demo-alice",
        "demo-bob",
        "demo-carol",
        "demo-dana",
        "demo-assistant",
        "demo-sec",
    ]
    assert len({principal.id for _, principal in pairs}) == len(pairs)


def test_analysts_are_bound_to_different_tenants() -> None:
    keys = by_key()
    alice, carol = keys["demo-alice"], keys["demo-carol"]
    assert (alice.tenant, carol.tenant) == ("acme", "globex")
    assert alice.roles == carol.roles == ("analyst",)
    assert alice.purposes == ("analytics",)
    assert alice.clearance == Classification.CONFIDENTIAL


def test_support_agent_defaults_to_the_support_purpose() -> None:
    bob = by_key()["demo-bob"]
    assert (bob.tenant, bob.roles, bob.default_purpose) == ("acme", ("support",), "support")
    assert set(bob.purposes) == {"support", "analytics"}


def test_steward_spans_tenants_with_restricted_clearance() -> None:
    dana = by_key()["demo-dana"]
    assert dana.tenant is None
    assert dana.clearance == Classification.RESTRICTED
    assert set(dana.purposes) == {"analytics", "compliance", "support"}


def test_assistant_is_an_acme_service_account() -> None:
    assistant = by_key()["demo-assistant"]
    assert (assistant.kind, assistant.tenant, assistant.roles) == (
        "service",
        "acme",
        ("assistant",),
    )
    assert set(assistant.purposes) == {"support", "analytics"}


def test_security_principal_audits_and_reads_no_data() -> None:
    sec = by_key()["demo-sec"]
    assert (sec.roles, sec.purposes, sec.tenant) == (("security",), ("audit",), None)
    assert sec.clearance == Classification.PUBLIC


def test_policy_input_carries_no_key_material() -> None:
    for key, principal in demo_principals():
        assert key not in str(principal.policy_input())

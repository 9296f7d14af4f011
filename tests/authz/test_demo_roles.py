"""The demo roles (design §6) on the shipped bundle, through the real regorus engine."""

from __future__ import annotations

import pytest

from hqg.predicates import Compare
from privacy.operators import MaskKind

PII = ("name", "email", "phone", "birth_date")


def test_alice_is_filtered_to_acme_and_sees_no_pii(engine, policy_input):
    decision = engine.decide(policy_input("alice", "sql", ("customers", "orders")))
    assert decision.allow
    customers = decision.tables["customers"]
    assert customers.row_filter == Compare("tenant_id", "=", "acme")
    assert {c: customers.mask_for(c) for c in PII} == dict.fromkeys(PII, MaskKind.PLACEHOLDER)
    assert customers.mask_for("gender") is MaskKind.NULL
    assert customers.mask_for("country") is None
    assert decision.tables["orders"].row_filter == Compare("tenant_id", "=", "acme")


def test_alice_is_refused_the_restricted_table_by_name(engine, policy_input):
    decision = engine.decide(policy_input("alice", "sql", ("orders", "hr_salaries")))
    assert not decision.allow
    assert decision.denied == {"hr_salaries": ("clearance confidential is below restricted",)}
    assert "hr_salaries is refused" in decision.reasons


def test_bob_sees_acme_pii_for_support(engine, policy_input):
    decision = engine.decide(policy_input("bob", "sql", ("customers",), purpose="support"))
    customers = decision.tables["customers"]
    assert decision.allow
    assert all(customers.mask_for(c) is None for c in PII)
    assert customers.mask_for("gender") is MaskKind.NULL
    assert customers.row_filter == Compare("tenant_id", "=", "acme")


def test_bob_sees_no_pii_for_analytics(engine, policy_input):
    decision = engine.decide(policy_input("bob", "sql", ("customers",), purpose="analytics"))
    assert decision.allow
    assert decision.tables["customers"].mask_for("email") is MaskKind.PLACEHOLDER


def test_carol_is_filtered_to_globex(engine, policy_input):
    decision = engine.decide(policy_input("carol", "sql", ("customers",)))
    assert decision.tables["customers"].row_filter == Compare("tenant_id", "=", "globex")


def test_dana_reads_every_tenant_unmasked_including_hr_salaries(engine, policy_input):
    decision = engine.decide(policy_input("dana", "sql", ("customers", "hr_salaries")))
    assert decision.allow
    for table in ("customers", "hr_salaries"):
        assert decision.tables[table].row_filter is None
        assert dict(decision.tables[table].masks) == {}


@pytest.mark.parametrize("purpose", ["support", "analytics"])
def test_assistant_always_gets_pii_masked(engine, policy_input, purpose):
    decision = engine.decide(policy_input("assistant", "ask", ("customers",), purpose=purpose))
    assert decision.allow
    assert all(decision.tables["customers"].mask_for(c) is MaskKind.PLACEHOLDER for c in PII)


@pytest.mark.parametrize("action", ["sql", "search", "ask"])
def test_security_reads_no_rows(engine, policy_input, action):
    decision = engine.decide(policy_input("sec", action, ("products",)))
    assert not decision.allow
    assert "the principal's role reads no rows" in decision.reasons


@pytest.mark.parametrize("action", ["policy.evaluate", "policy.simulate", "audit.read"])
def test_security_may_use_policy_and_audit(engine, policy_input, action):
    assert engine.decide(policy_input("sec", action, ())).allow


def test_unknown_purpose_is_denied(engine, policy_input):
    decision = engine.decide(policy_input("alice", "sql", ("products",), purpose="marketing"))
    assert not decision.allow
    assert "purpose marketing is not among the principal's purposes" in decision.reasons


def test_public_table_without_tenant_column_is_unfiltered(engine, policy_input):
    decision = engine.decide(policy_input("carol", "sql", ("products",)))
    assert decision.allow
    assert decision.tables["products"].row_filter is None


def test_catalog_is_allowed_and_lists_denied_tables(engine, policy_input):
    decision = engine.decide(policy_input("alice", "catalog", ("customers", "hr_salaries")))
    assert decision.allow
    assert set(decision.tables) == {"customers"}
    assert set(decision.denied) == {"hr_salaries"}


def test_analyst_may_not_read_the_audit_log(engine, policy_input):
    assert not engine.decide(policy_input("alice", "audit.read", ())).allow


def test_decision_names_engine_and_policy_hash(engine, policy_input):
    decision = engine.decide(policy_input("alice", "sql", ("orders",)))
    assert decision.engine == "regorus"
    assert decision.policy_hash == engine.policy_hash
    assert len(decision.decision_id) == 32

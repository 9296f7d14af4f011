"""Decision differences name facets, and a revoked grant is not reported as removed masks."""

from __future__ import annotations

from authz.diff import diff_decisions


def test_masks_added_when_a_role_loses_pii_release(engine, policy_input):
    before = engine.decide(policy_input("bob", "sql", ("customers",), "support"))
    after = engine.decide(policy_input("bob", "sql", ("customers",), "analytics"))
    diff = diff_decisions(before, after)
    assert diff.flip is None
    assert "customers.email" in diff.masks_added
    assert diff.masks_removed == ()
    assert "mask:customers.email" in diff.facets()


def test_revoked_table_is_a_revocation_and_a_flip_not_removed_masks(engine, policy_input):
    before = engine.decide(policy_input("alice", "sql", ("customers",)))
    after = engine.decide(policy_input("alice", "sql", ("customers", "hr_salaries")))
    diff = diff_decisions(before, after)
    assert diff.flip == "allow->deny"
    assert diff.masks_removed == ()


def test_identical_decisions_do_not_differ(engine, policy_input):
    document = policy_input("carol", "sql", ("orders", "products"))
    assert not diff_decisions(engine.decide(document), engine.decide(document)).changed


def test_row_filter_change_is_named_by_table(engine, policy_input):
    before = engine.decide(policy_input("alice", "sql", ("orders",)))
    after = engine.decide(policy_input("dana", "sql", ("orders",), "analytics"))
    assert diff_decisions(before, after).row_filters_changed == ("orders",)

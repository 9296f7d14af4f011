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


def test_collection_grants_filters_and_masks_are_named_by_resource_key() -> None:
    from authz.decision import CollectionGrant, Decision
    from hqg.predicates import parse_predicate
    from privacy.operators import MaskKind

    def decision(**collections: CollectionGrant) -> Decision:
        return Decision(allow=True, collections=collections, policy_hash="h", engine="e")

    low = parse_predicate({"column": "classification_rank", "op": "<=", "value": 0})
    high = parse_predicate({"column": "classification_rank", "op": "<=", "value": 2})
    before = decision(
        handbook=CollectionGrant(filter=low),
        tickets=CollectionGrant(filter=low),
        hr=CollectionGrant(filter=low),
    )
    after = decision(
        handbook=CollectionGrant(filter=high),
        tickets=CollectionGrant(filter=low, mask_entities={"*": MaskKind.PLACEHOLDER}),
        faq=CollectionGrant(filter=low),
    )
    diff = diff_decisions(before, after)
    assert diff.collection_filters_changed == ("collection:handbook",)
    assert diff.collection_masks_changed == ("collection:tickets",)
    assert diff.collections_granted == ("collection:faq",)
    assert diff.collections_revoked == ("collection:hr",)
    assert {"row_filter:collection:handbook", "grant:collection:hr"} <= set(diff.facets())

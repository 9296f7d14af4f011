"""parse_decision is strict: anything but the documented shape is a deny, never an allow."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from authz.decision import Decision, parse_decision, predicate_document
from hqg.predicates import parse_predicate
from privacy.operators import MaskKind

CASES = json.loads((Path(__file__).parent / "malformed_decisions.json").read_text())
REQUEST = {
    "action": "sql",
    "resources": {"tables": [{"name": "customers"}], "collections": []},
}
WITH_HANDBOOK = {
    "action": "search",
    "resources": {"tables": [{"name": "customers"}], "collections": [{"name": "handbook"}]},
}


def parse(raw: Any, request: dict[str, Any] = REQUEST) -> Decision:
    return parse_decision(raw, policy_hash="h" * 64, engine="test", policy_input=request)


def patched(path: list[str], value: Any = None, delete: bool = False) -> Any:
    if not path:
        return value
    document = copy.deepcopy(CASES["valid"])
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


def test_the_valid_document_is_allowed_with_its_grant():
    decision = parse(CASES["valid"])
    assert decision.allow
    assert decision.tables["customers"].mask_for("EMAIL") is MaskKind.PLACEHOLDER
    assert decision.limits.max_rows == 1000


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: c["case"])
def test_malformed_decision_is_a_deny_with_a_reason(case):
    decision = parse(patched(case["path"], case.get("value"), case.get("delete", False)))
    assert not decision.allow
    assert dict(decision.tables) == {}
    assert decision.reasons
    assert decision.reasons[0].startswith("policy decision is malformed")


def test_malformed_reason_does_not_echo_filter_values():
    raw = patched(
        ["tables", "customers", "row_filter"],
        {"column": "email", "op": "=", "value": ["jane@example.com"]},
    )
    decision = parse(raw)
    assert not decision.allow
    assert "jane@example.com" not in " ".join(decision.reasons)


def test_grant_for_a_table_not_requested_is_dropped():
    raw = patched(["tables", "hr_salaries"], {"row_filter": None, "masks": {}})
    decision = parse(raw)
    assert decision.allow
    assert set(decision.tables) == {"customers"}


def test_allow_that_leaves_a_requested_table_ungranted_becomes_a_deny():
    request = {"action": "sql", "resources": {"tables": [{"name": "customers"}, {"name": "x"}]}}
    decision = parse(CASES["valid"], request)
    assert not decision.allow
    assert "x is not granted" in decision.reasons


def test_allow_with_a_denied_resource_becomes_a_deny():
    decision = parse(patched(["denied"], {"customers": ["no"]}))
    assert not decision.allow


def test_catalog_allow_survives_denied_tables():
    request = {"action": "catalog", "resources": {"tables": [{"name": "customers"}, {"name": "x"}]}}
    decision = parse(patched(["denied"], {"x": ["clearance"]}), request)
    assert decision.allow
    assert decision.denied == {"x": ("clearance",)}


def test_decision_is_frozen():
    decision = parse(CASES["valid"])
    with pytest.raises(TypeError):
        decision.tables["hr_salaries"] = decision.tables["customers"]  # type: ignore[index]


def test_collection_grant_is_parsed():
    raw = patched(
        ["collections", "handbook"],
        {
            "filter": {"column": "tenant", "op": "in", "value": ["acme"]},
            "mask_entities": {"PERSON": "pseudonym"},
        },
    )
    decision = parse(raw, WITH_HANDBOOK)
    assert decision.allow
    grant = decision.collections["handbook"]
    assert grant.mask_entities == {"PERSON": MaskKind.PSEUDONYM}


@pytest.mark.parametrize(
    "document",
    [
        {"column": "tenant_id", "op": "=", "value": "acme"},
        {
            "all": [
                {"column": "a", "op": "in", "value": [1, 2]},
                {"not": {"column": "b", "op": "is_null"}},
            ]
        },
        {
            "any": [
                {"column": "a", "op": ">=", "value": 1.5},
                {"column": "b", "op": "!=", "value": True},
            ]
        },
    ],
)
def test_predicate_document_is_the_inverse_of_parse(document):
    assert predicate_document(parse_predicate(document)) == document


def test_as_document_is_json():
    document = parse(CASES["valid"]).as_document()
    assert json.loads(json.dumps(document))["tables"]["customers"]["masks"] == {
        "email": "placeholder"
    }


def test_allow_that_leaves_a_requested_collection_ungranted_becomes_a_deny():
    decision = parse(CASES["valid"], WITH_HANDBOOK)
    assert not decision.allow
    assert "collection:handbook is not granted" in decision.reasons


def test_decision_ids_are_unique():
    assert parse(CASES["valid"]).decision_id != parse(CASES["valid"]).decision_id

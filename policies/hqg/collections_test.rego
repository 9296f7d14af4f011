package hqg.collections_test

import rego.v1

import data.hqg.collections

handbook := {"name": "handbook", "classification": "internal", "tenant": null, "labels": []}

hr := {"name": "hr", "classification": "restricted", "tenant": null, "labels": []}

products := {"name": "products", "classification": "public", "tenant": null, "labels": []}

request(principal, purpose, wanted) := {
	"principal": principal,
	"action": "search",
	"purpose": purpose,
	"resources": {"tables": [], "collections": wanted},
}

alice := {"id": "alice", "tenant": "acme", "roles": ["analyst"], "clearance": "confidential", "purposes": ["analytics"]}

bob := {"id": "bob", "tenant": "acme", "roles": ["support"], "clearance": "confidential", "purposes": ["support", "analytics"]}

dana := {"id": "dana", "tenant": null, "roles": ["steward"], "clearance": "restricted", "purposes": ["analytics"]}

sec := {"id": "sec", "tenant": null, "roles": ["security"], "clearance": "public", "purposes": ["audit"]}

test_allow_analyst_gets_tenant_clearance_and_injection_filter if {
	g := collections.granted with input as request(alice, "analytics", [handbook])
	g.handbook.filter == {"all": [
		{"column": "classification_rank", "op": "<=", "value": 2},
		{"column": "injection_score", "op": "<", "value": 0.5},
		{"any": [
			{"column": "tenant", "op": "=", "value": "acme"},
			{"column": "all_tenants", "op": "=", "value": 1},
		]},
	]}
	g.handbook.mask_entities == {"*": "pseudonym"}
}

test_deny_tenant_bound_principal_never_matches_tenant_null if {
	g := collections.granted with input as request(alice, "analytics", [handbook])
	every clause in g.handbook.filter.all {
		not null_tenant_clause(clause)
	}
}

null_tenant_clause(clause) if clause == {"column": "tenant", "op": "is_null"}

null_tenant_clause(clause) if {
	some inner in clause.any
	inner == {"column": "tenant", "op": "is_null"}
}

test_allow_support_sees_pii_in_text_for_support if {
	g := collections.granted with input as request(bob, "support", [handbook])
	g.handbook.mask_entities == {}
}

test_deny_support_pii_for_analytics if {
	g := collections.granted with input as request(bob, "analytics", [handbook])
	g.handbook.mask_entities == {"*": "pseudonym"}
}

test_deny_restricted_collection_below_clearance if {
	d := collections.denied with input as request(alice, "analytics", [hr])
	d == {"collection:hr": ["clearance confidential is below restricted"]}
}

test_allow_steward_sees_every_tenant_and_restricted if {
	g := collections.granted with input as request(dana, "analytics", [hr, handbook])
	count(g.hr.filter.all) == 2
	g.hr.mask_entities == {}
}

test_allow_unbound_principal_only_documents_for_all_tenants if {
	g := collections.granted with input as request(sec, "audit", [products])
	{"column": "all_tenants", "op": "=", "value": 1} in g.products.filter.all
	d := collections.denied with input as request(sec, "audit", [handbook])
	d["collection:handbook"] == ["clearance public is below internal", "the principal is not bound to a tenant and no role crosses tenants"]
}

test_allow_no_collections_requested_no_refusals if {
	collections.denied == {} with input as {"principal": alice, "resources": {"tables": []}}
}

package hqg.decision_test

import rego.v1

import data.hqg

customers := {
	"name": "customers", "classification": "confidential", "tenant_column": "tenant_id",
	"columns": [{"name": "email", "tags": ["pii:EMAIL_ADDRESS"]}],
}

products := {"name": "products", "classification": "public", "tenant_column": null, "columns": []}

hr_salaries := {"name": "hr_salaries", "classification": "restricted", "tenant_column": "tenant_id", "columns": []}

alice := {
	"id": "alice", "tenant": "acme", "roles": ["analyst"], "clearance": "confidential",
	"purposes": ["analytics"], "default_purpose": "analytics", "kind": "human",
}

sec := {
	"id": "sec", "tenant": null, "roles": ["security"], "clearance": "internal",
	"purposes": ["security"], "default_purpose": "security", "kind": "human",
}

request(principal, action, purpose, tables) := {
	"principal": principal, "action": action, "purpose": purpose,
	"resources": {"tables": tables, "collections": []},
}

test_allow_analyst_sql_on_granted_tables if {
	d := hqg.decision with input as request(alice, "sql", "analytics", [customers, products])
	d.allow == true
	d.denied == {}
	d.tables.products == {"row_filter": null, "masks": {}}
	d.limits == {"max_rows": 1000, "timeout_ms": 10000}
}

test_deny_when_any_requested_table_is_refused if {
	d := hqg.decision with input as request(alice, "sql", "analytics", [customers, hr_salaries])
	d.allow == false
	"hr_salaries is refused" in d.reasons
	d.denied.hr_salaries
}

test_allow_catalog_lists_visible_and_denied_tables if {
	d := hqg.decision with input as request(alice, "catalog", "analytics", [customers, hr_salaries])
	d.allow == true
	d.tables.customers
	d.denied.hr_salaries
}

test_deny_security_sql if {
	d := hqg.decision with input as request(sec, "sql", "security", [products])
	d.allow == false
	"the principal's role reads no rows" in d.reasons
}

test_allow_security_audit_read if {
	hqg.allow with input as request(sec, "audit.read", "security", [])
}

test_deny_unknown_purpose if {
	d := hqg.decision with input as request(alice, "sql", "marketing", [products])
	d.allow == false
	"purpose marketing is not among the principal's purposes" in d.reasons
}

test_deny_empty_input_still_decides if {
	d := hqg.decision with input as {}
	d.allow == false
	count(d.reasons) > 0
}

test_deny_requested_collection_above_clearance if {
	hr := {"name": "hr", "classification": "restricted", "tenant": null, "labels": []}
	r := object.union(request(alice, "search", "analytics", []), {"resources": {"collections": [hr]}})
	d := hqg.decision with input as r
	d.allow == false
	d.denied["collection:hr"]
}

test_allow_search_of_a_granted_collection if {
	handbook := {"name": "handbook", "classification": "internal", "tenant": null, "labels": []}
	r := object.union(request(alice, "search", "analytics", []), {"resources": {"collections": [handbook]}})
	d := hqg.decision with input as r
	d.allow == true
	d.collections.handbook.mask_entities == {"*": "pseudonym"}
}

test_deny_without_any_refusal_still_has_a_reason if {
	d := hqg.decision with input as {} with data.hqg.actions.refusals as set()
	d.allow == false
	d.reasons == ["no rule permits this request"]
}

package hqg.tables_test

import rego.v1

import data.hqg.tables

customers := {
	"name": "customers", "classification": "confidential", "tenant_column": "tenant_id",
	"columns": [{"name": "email", "tags": ["pii:EMAIL_ADDRESS"]}],
}

hr_salaries := {
	"name": "hr_salaries", "classification": "restricted", "tenant_column": "tenant_id",
	"columns": [{"name": "salary", "tags": []}],
}

mystery := {"name": "mystery", "classification": "top-secret", "tenant_column": null, "columns": []}

alice := {"id": "alice", "tenant": "acme", "roles": ["analyst"], "clearance": "confidential"}

dana := {"id": "dana", "tenant": null, "roles": ["steward"], "clearance": "restricted"}

request(principal, tables) := {
	"principal": principal, "action": "sql", "purpose": "analytics",
	"resources": {"tables": tables, "collections": []},
}

test_allow_analyst_gets_filtered_masked_grant if {
	g := tables.granted.customers with input as request(alice, [customers])
	g.row_filter == {"column": "tenant_id", "op": "=", "value": "acme"}
	g.masks == {"email": "placeholder"}
}

test_deny_clearance_below_restricted if {
	d := tables.denied with input as request(alice, [customers, hr_salaries])
	d == {"hr_salaries": ["clearance confidential is below restricted"]}
	not tables.granted.hr_salaries with input as request(alice, [customers, hr_salaries])
}

test_allow_steward_reads_restricted_table if {
	g := tables.granted.hr_salaries with input as request(dana, [hr_salaries])
	g.row_filter == null
}

test_deny_unknown_classification if {
	tables.denied.mystery with input as request(dana, [mystery])
}

test_deny_unknown_clearance if {
	p := object.union(alice, {"clearance": "cosmic"})
	tables.denied.customers with input as request(p, [customers])
}

test_deny_reasons_are_collected_and_sorted if {
	p := object.union(alice, {"tenant": null})
	d := tables.denied.hr_salaries with input as request(p, [hr_salaries])
	d == [
		"clearance confidential is below restricted",
		"the principal is not bound to a tenant and no role crosses tenants",
	]
}

test_deny_missing_clearance if {
	p := object.remove(alice, ["clearance"])
	d := tables.denied.customers with input as request(p, [customers])
	d == ["clearance (none) is below confidential"]
	not tables.granted.customers with input as request(p, [customers])
}

test_deny_missing_classification if {
	t := object.remove(customers, ["classification"])
	d := tables.denied.customers with input as request(dana, [t])
	d == ["clearance restricted is below (none)"]
}

orders := {"name": "orders", "classification": "internal", "tenant_column": "tenant_id", "columns": []}

bob := {"id": "bob", "tenant": "acme", "roles": ["support"], "clearance": "confidential"}

only_support := {"orders": {"roles": ["support"]}}

test_allow_unlisted_dataset_needs_no_role if {
	tables.granted.orders with input as request(alice, [orders])
}

test_deny_dataset_restricted_to_other_roles if {
	d := tables.denied.orders with input as request(alice, [orders])
		with data.hqg_config.datasets as only_support
	d == ["no role of the principal may read orders"]
}

test_allow_dataset_restricted_to_a_role_of_the_principal if {
	tables.granted.orders with input as request(bob, [orders])
		with data.hqg_config.datasets as only_support
}

test_deny_dataset_listed_without_roles if {
	tables.denied.orders with input as request(bob, [orders])
		with data.hqg_config.datasets as {"orders": {}}
}

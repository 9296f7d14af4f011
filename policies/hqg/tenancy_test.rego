package hqg.tenancy_test

import rego.v1

import data.hqg.tenancy

customers := {"name": "customers", "classification": "confidential", "tenant_column": "tenant_id"}

products := {"name": "products", "classification": "public", "tenant_column": null}

rates := {"name": "rates", "classification": "internal", "tenant_column": null}

alice := {"id": "alice", "tenant": "acme", "roles": ["analyst"]}

dana := {"id": "dana", "tenant": null, "roles": ["steward"]}

loner := {"id": "loner", "tenant": null, "roles": ["analyst"]}

test_allow_tenant_bound_principal_is_filtered_to_its_tenant if {
	f := tenancy.row_filter(customers) with input as {"principal": alice}
	f == {"column": "tenant_id", "op": "=", "value": "acme"}
	tenancy.visible(customers) with input as {"principal": alice}
}

test_allow_cross_tenant_role_has_no_filter if {
	tenancy.row_filter(customers) == null with input as {"principal": dana}
	tenancy.visible(customers) with input as {"principal": dana}
}

test_allow_public_table_without_tenant_column if {
	tenancy.visible(products) with input as {"principal": alice}
	tenancy.row_filter(products) == null with input as {"principal": alice}
}

test_deny_internal_table_without_tenant_column if {
	not tenancy.visible(rates) with input as {"principal": alice}
	tenancy.refusal(rates) == "the table has no tenant column and is not public" with input as {"principal": alice}
}

test_allow_cross_tenant_role_sees_table_without_tenant_column if {
	tenancy.visible(rates) with input as {"principal": dana}
}

test_deny_unbound_principal_without_cross_tenant_role if {
	not tenancy.visible(customers) with input as {"principal": loner}
}

test_deny_missing_tenant_field_is_not_bound if {
	p := object.remove(alice, ["tenant"])
	not tenancy.visible(customers) with input as {"principal": p}
}

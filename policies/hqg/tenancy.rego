# METADATA
# title: Tenancy
# description: |
#   Which rows of a table a principal may see. A principal bound to a tenant sees only
#   the rows of its tenant, through a row filter on the table's tenant column. A role with
#   cross_tenant sees every tenant. A table without a tenant column is visible only if it
#   is public or a role of the principal crosses tenants.
package hqg.tenancy

import rego.v1

config := data.hqg_config

principal := input.principal

# METADATA
# description: Some role of the principal grants access across tenants.
crosses_tenants if {
	some role in principal.roles
	config.roles[role].cross_tenant == true
}

principal_is_bound_to_a_tenant if is_string(principal.tenant)

has_tenant_column(table) if is_string(table.tenant_column)

is_public(table) if table.classification == "public"

filtered_to_tenant(table) if {
	not crosses_tenants
	principal_is_bound_to_a_tenant
	has_tenant_column(table)
}

# METADATA
# description: The table's rows are visible to the principal (perhaps through a filter).
visible(table) if crosses_tenants

visible(table) if filtered_to_tenant(table)

visible(table) if is_public(table)

# METADATA
# description: |
#   The row filter for the table, in the predicate language of retrieval/filters.py;
#   null means every row.
row_filter(table) := {"column": table.tenant_column, "op": "=", "value": principal.tenant} if {
	filtered_to_tenant(table)
} else := null

# METADATA
# description: Why a table is not visible.
refusal(table) := "the principal is not bound to a tenant and no role crosses tenants" if {
	not principal_is_bound_to_a_tenant
} else := "the table has no tenant column and is not public"

# METADATA
# title: Table grants
# description: |
#   Which requested tables the principal may read, and how: a row filter (tenancy) and
#   column masks (masks). A table is refused when the principal's clearance is below its
#   classification, its rows are not visible to the principal, or it is listed in
#   data.hqg_config.datasets and no role of the principal is listed for it; every refusal
#   has a reason.
package hqg.tables

import rego.v1

import data.hqg.masks
import data.hqg.tenancy

config := data.hqg_config

principal := input.principal

# METADATA
# description: The requested tables, as the catalog describes them.
requested := input.resources.tables

clearance_rank := config.classification_rank[principal.clearance]

# METADATA
# description: The principal's clearance reaches the table's classification.
clearance_reaches(table) if clearance_rank >= config.classification_rank[table.classification]

# METADATA
# description: Each refusal of a requested table, as {table, reason}.
refusals contains {"table": table.name, "reason": reason} if {
	some table in requested
	not clearance_reaches(table)
	clearance := object.get(principal, "clearance", "(none)")
	classification := object.get(table, "classification", "(none)")
	reason := sprintf("clearance %v is below %v", [clearance, classification])
}

refusals contains {"table": table.name, "reason": tenancy.refusal(table)} if {
	some table in requested
	not tenancy.visible(table)
}

refusals contains {"table": table.name, "reason": sprintf("no role of the principal may read %v", [table.name])} if {
	some table in requested
	not role_may_read(table)
}

# METADATA
# description: |
#   A dataset listed in data.hqg_config.datasets is readable only by the roles listed for
#   it; a dataset not listed there is governed by clearance and tenancy alone.
role_may_read(table) if not config.datasets[table.name]

role_may_read(table) if {
	some role in principal.roles
	role in config.datasets[table.name].roles
}

# METADATA
# description: Refused tables by name, each with its sorted reasons.
denied[name] := reasons if {
	some refusal in refusals
	name := refusal.table
	reasons := sort({r.reason | some r in refusals; r.table == name})
}

# METADATA
# description: Granted tables by name, each with its row filter and masks.
granted[table.name] := {
	"row_filter": tenancy.row_filter(table),
	"masks": masks.for_table(table),
} if {
	some table in requested
	not denied[table.name]
}

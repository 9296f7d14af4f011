# METADATA
# title: Actions and purposes
# description: |
#   Which actions a principal may take, and for which purpose. A role permits an action
#   for a purpose only if the action and the purpose are both listed for that role in
#   data.hqg_config.roles, and the purpose is one the principal declared. Roles that read
#   no rows (security) can never take a data action, whatever their other roles allow.
package hqg.actions

import rego.v1

config := data.hqg_config

principal := input.principal

# METADATA
# description: The principal's roles that permit this action for this purpose.
permitting_roles contains role if {
	some role in principal.roles
	role_permits_action(role)
	role_permits_purpose(role)
	purpose_is_declared_by_principal
}

role_permits_action(role) if input.action in config.roles[role].actions

role_permits_purpose(role) if input.purpose in config.roles[role].purposes

purpose_is_declared_by_principal if input.purpose in principal.purposes

action_reads_rows if input.action in config.data_actions

# METADATA
# description: A role marked reads_rows false forbids every data action.
principal_reads_no_rows if {
	some role in principal.roles
	config.roles[role].reads_rows == false
}

# METADATA
# description: The action is permitted: some role permits it and nothing forbids it.
default permitted := false

permitted if {
	count(permitting_roles) > 0
	not forbidden_to_read_rows
}

forbidden_to_read_rows if {
	action_reads_rows
	principal_reads_no_rows
}

# METADATA
# description: Why the action is permitted.
grounds contains sprintf("role %s permits %s for purpose %s", [role, input.action, input.purpose]) if {
	permitted
	some role in permitting_roles
}

# METADATA
# description: Why the action is refused; every refused request has at least one.
refusals contains sprintf("purpose %s is not among the principal's purposes", [input.purpose]) if {
	not purpose_is_declared_by_principal
}

refusals contains sprintf("no role of the principal permits %s for purpose %s", [input.action, input.purpose]) if {
	count(permitting_roles) == 0
}

refusals contains "the principal's role reads no rows" if forbidden_to_read_rows

# METADATA
# description: |
#   object.get, not input.purpose: OPA evaluates `not is_string(input.purpose)` as undefined
#   when the key is missing (regorus as true), so the refusal would vanish on one engine.
refusals contains "the request names no purpose" if not is_string(object.get(input, "purpose", null))

refusals contains "the request names no action" if not is_string(object.get(input, "action", null))

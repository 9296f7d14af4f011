package hqg.actions_test

import rego.v1

import data.hqg.actions

alice := {"id": "alice", "tenant": "acme", "roles": ["analyst"], "purposes": ["analytics"]}

sec := {"id": "sec", "tenant": null, "roles": ["security"], "purposes": ["security"]}

test_allow_analyst_sql_for_analytics if {
	actions.permitted with input as {"principal": alice, "action": "sql", "purpose": "analytics"}
}

test_allow_grounds_name_the_role if {
	"role analyst permits sql for purpose analytics" in actions.grounds with input as {"principal": alice, "action": "sql", "purpose": "analytics"}
}

test_deny_purpose_not_declared_by_principal if {
	not actions.permitted with input as {"principal": alice, "action": "sql", "purpose": "reporting"}
}

test_deny_purpose_not_allowed_for_role if {
	p := object.union(alice, {"purposes": ["analytics", "marketing"]})
	not actions.permitted with input as {"principal": p, "action": "sql", "purpose": "marketing"}
}

test_deny_action_not_allowed_for_role if {
	not actions.permitted with input as {"principal": alice, "action": "audit.read", "purpose": "analytics"}
}

test_deny_unknown_role if {
	p := object.union(alice, {"roles": ["wizard"]})
	not actions.permitted with input as {"principal": p, "action": "sql", "purpose": "analytics"}
}

test_deny_missing_purpose_has_a_reason if {
	"the request names no purpose" in actions.refusals with input as {"principal": alice, "action": "sql"}
	not actions.permitted with input as {"principal": alice, "action": "sql"}
}

test_deny_missing_roles if {
	p := object.remove(alice, ["roles"])
	not actions.permitted with input as {"principal": p, "action": "sql", "purpose": "analytics"}
}

test_allow_security_reads_audit if {
	actions.permitted with input as {"principal": sec, "action": "audit.read", "purpose": "security"}
}

test_deny_security_reads_no_rows if {
	not actions.permitted with input as {"principal": sec, "action": "sql", "purpose": "security"}
}

test_deny_security_reads_no_rows_even_with_another_role if {
	p := object.union(sec, {"roles": ["security", "analyst"], "purposes": ["analytics"]})
	not actions.permitted with input as {"principal": p, "action": "sql", "purpose": "analytics"}
	"the principal's role reads no rows" in actions.refusals with input as {"principal": p, "action": "sql", "purpose": "analytics"}
}

test_deny_role_data_can_be_changed_by_data if {
	roles := {"analyst": {"actions": ["catalog"], "purposes": ["analytics"]}}
	not actions.permitted with input as {"principal": alice, "action": "sql", "purpose": "analytics"}
		with data.hqg_config.roles as roles
}

steward := {"id": "dana", "tenant": null, "roles": ["steward"], "purposes": ["analytics"]}

test_allow_security_opens_the_console if {
	actions.permitted with input as {"principal": sec, "action": "console.review", "purpose": "security"}
}

test_allow_steward_opens_the_console if {
	actions.permitted with input as {"principal": steward, "action": "console.review", "purpose": "analytics"}
}

test_deny_steward_browses_the_audit_log_in_the_console if {
	not actions.permitted with input as {"principal": steward, "action": "console.audit", "purpose": "analytics"}
}

test_deny_analyst_opens_the_console if {
	not actions.permitted with input as {"principal": alice, "action": "console.signin", "purpose": "analytics"}
}

test_deny_steward_applies_a_policy_from_the_console if {
	not actions.permitted with input as {"principal": steward, "action": "console.apply", "purpose": "analytics"}
}

test_allow_security_applies_a_policy_from_the_console if {
	actions.permitted with input as {"principal": sec, "action": "console.apply", "purpose": "security"}
}

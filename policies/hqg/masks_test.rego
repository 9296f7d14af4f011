package hqg.masks_test

import rego.v1

import data.hqg.masks

customers := {"name": "customers", "columns": [
	{"name": "id", "tags": []},
	{"name": "email", "tags": ["pii:EMAIL_ADDRESS"]},
	{"name": "gender", "tags": ["protected"]},
	{"name": "birth_date", "tags": ["pii:DATE_TIME", "protected"]},
]}

request(roles, purpose) := {"principal": {"roles": roles}, "purpose": purpose}

test_deny_analyst_sees_no_pii if {
	m := masks.for_table(customers) with input as request(["analyst"], "analytics")
	m == {"email": "placeholder", "gender": "null", "birth_date": "null"}
}

test_allow_support_sees_pii_for_support if {
	m := masks.for_table(customers) with input as request(["support"], "support")
	m == {"gender": "null", "birth_date": "null"}
}

test_deny_support_sees_no_pii_for_analytics if {
	m := masks.for_table(customers) with input as request(["support"], "analytics")
	m.email == "placeholder"
}

test_allow_steward_sees_everything if {
	masks.for_table(customers) == {} with input as request(["steward"], "stewardship")
}

test_deny_assistant_masks_pii_whatever_the_purpose if {
	every purpose in ["support", "analytics", "stewardship"] {
		m := masks.for_table(customers) with input as request(["assistant"], purpose)
		m.email == "placeholder"
	}
}

test_deny_unknown_role_masks_everything if {
	m := masks.for_table(customers) with input as request(["wizard"], "support")
	m == {"email": "placeholder", "gender": "null", "birth_date": "null"}
}

test_deny_mask_kinds_come_from_data if {
	m := masks.for_table(customers) with input as request(["analyst"], "analytics")
		with data.hqg_config.masks as {"pii": "hash", "protected": "redact"}
	m.email == "hash"
	m.gender == "redact"
}

tickets := {"name": "support_tickets", "columns": [
	{"name": "ticket_id", "tags": []},
	{"name": "body", "tags": ["free_text"]},
]}

test_deny_analyst_sees_free_text_masked if {
	m := masks.for_table(tickets) with input as request(["analyst"], "analytics")
	m == {"body": "placeholder"}
}

test_allow_support_sees_free_text_for_support if {
	masks.for_table(tickets) == {} with input as request(["support"], "support")
}

# METADATA
# title: Collection grants
# description: |
#   Which requested document collections the principal may search, and how. A granted
#   collection gets a filter in the predicate language over chunk payload fields, applied
#   inside the vector index: documents above the principal's clearance, other tenants'
#   documents and documents scored as prompt injections are never ranked or returned. PII
#   spans in retrieved text are masked (data.hqg_config.masks.text) unless a role releases
#   PII for the purpose. A collection whose default classification is above the clearance
#   is refused outright. Refusals are keyed "collection:<name>" because a collection may
#   share its name with a table.
package hqg.collections

import rego.v1

import data.hqg.masks
import data.hqg.tenancy

config := data.hqg_config

principal := input.principal

# METADATA
# description: The requested collections, as the document catalog describes them.
requested := object.get(input.resources, "collections", [])

clearance_rank := config.classification_rank[principal.clearance]

clearance_reaches(collection) if {
	clearance_rank >= config.classification_rank[collection.classification]
}

# METADATA
# description: Some of the collection's documents may be visible to the principal.
visible(collection) if tenancy.crosses_tenants

visible(collection) if tenancy.principal_is_bound_to_a_tenant

visible(collection) if collection.classification == "public"

refusals contains {"collection": c.name, "reason": reason} if {
	some c in requested
	not clearance_reaches(c)
	reason := sprintf("clearance %v is below %v", [object.get(principal, "clearance", "(none)"), c.classification])
}

refusals contains {"collection": c.name, "reason": "the principal is not bound to a tenant and no role crosses tenants"} if {
	some c in requested
	not visible(c)
}

# METADATA
# description: |
#   The resource key of a collection: the one spelling in the bundle, equal to the gateway's
#   (hqg.resources.collection_key; tests/policies/test_resource_keys.py holds them equal).
resource_key(name) := sprintf("collection:%s", [name])

# METADATA
# description: Refused collections by resource key, each with its sorted reasons.
denied[key] := reasons if {
	some refusal in refusals
	key := resource_key(refusal.collection)
	reasons := sort({r.reason | some r in refusals; r.collection == refusal.collection})
}

# METADATA
# description: |
#   Documents of the principal's tenant and documents the operator published for every
#   tenant (all_tenants = 1, set only by an explicit ingest flag); every tenant's when a role
#   crosses tenants. A document without a tenant matches nothing (fail closed): tenant null
#   is never read as "everyone".
tenant_clauses := [] if {
	tenancy.crosses_tenants
} else := [{"any": [
	{"column": "tenant", "op": "=", "value": principal.tenant},
	{"column": "all_tenants", "op": "=", "value": 1},
]}] if {
	tenancy.principal_is_bound_to_a_tenant
} else := [{"column": "all_tenants", "op": "=", "value": 1}]

# METADATA
# description: The filter every search of a granted collection runs under.
filter := {"all": array.concat(
	[
		{"column": "classification_rank", "op": "<=", "value": clearance_rank},
		{"column": "injection_score", "op": "<", "value": config.max_injection_score},
	],
	tenant_clauses,
)}

# METADATA
# description: Entity types masked in retrieved text; "*" covers every type.
mask_entities := {} if {
	masks.pii_is_released
} else := {"*": config.masks.text}

# METADATA
# description: Granted collections by name, each with its filter and masks.
granted[c.name] := {"filter": filter, "mask_entities": mask_entities} if {
	some c in requested
	not denied[resource_key(c.name)]
}

# METADATA
# title: The hqg decision
# description: |
#   The one document the gateway asks for: data.hqg.decision. The policy returns data and
#   the gateway enforces it (see gateway/policy/decision.py for the document's shape).
#   Default deny: allow is true only if the action is permitted for the principal and the
#   purpose and every requested resource is granted. For the catalog action, allow only
#   needs the action; the grants list what the caller may see.
package hqg

import rego.v1

import data.hqg.actions
import data.hqg.collections
import data.hqg.tables

config := data.hqg_config

denied := object.union(tables.denied, collections.denied)

every_resource_is_granted if count(denied) == 0

lists_the_catalog if input.action == "catalog"

# METADATA
# description: The request may proceed.
default allow := false

allow if {
	actions.permitted
	lists_the_catalog
}

allow if {
	actions.permitted
	every_resource_is_granted
}

# METADATA
# description: Why the request is allowed or refused, sorted.
reasons := sort(actions.grounds) if {
	allow
} else := sort(refusals)

refusals contains reason if some reason in actions.refusals

refusals contains sprintf("%s is refused", [name]) if {
	not lists_the_catalog
	some name, _ in denied
}

refusals contains "no rule permits this request" if {
	not allow
	count(actions.refusals) == 0
	count(denied) == 0
}

# METADATA
# description: The decision document; see gateway/policy/decision.py.
# entrypoint: true
decision := {
	"allow": allow,
	"reasons": reasons,
	"tables": tables.granted,
	"denied": denied,
	"collections": collections.granted,
	"limits": config.limits,
	"max_staleness": config.max_staleness,
}

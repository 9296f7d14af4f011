package hqg.collections_test

import rego.v1

import data.hqg.collections

test_deny_every_collection_until_a_policy_exists if {
	d := collections.denied with input as {"resources": {"collections": [{"name": "handbook"}]}}
	d == {"collection:handbook": ["no policy grants collections yet"]}
}

test_allow_no_collections_requested_no_refusals if {
	collections.denied == {} with input as {"resources": {"tables": []}}
}

# METADATA
# title: Collection grants
# description: |
#   Reserved for the search policy. Until it exists every requested collection is refused,
#   so a search can never run unfiltered. Refusals are keyed "collection:<name>" because a
#   collection may share its name with a table.
package hqg.collections

import rego.v1

granted := {}

denied[sprintf("collection:%s", [collection.name])] := ["no policy grants collections yet"] if {
	some collection in input.resources.collections
}

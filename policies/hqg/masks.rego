# METADATA
# title: Column masks
# description: |
#   Which columns are masked, and how, from the tags in the dataset contract. Columns
#   tagged pii:<ENTITY> or free_text (prose that may mention people) are masked (data.hqg_config.masks.pii) unless a role of the
#   principal releases PII for the request's purpose; columns tagged protected are masked
#   (data.hqg_config.masks.protected) unless released the same way. When a column is both,
#   the protected mask wins.
package hqg.masks

import rego.v1

config := data.hqg_config

# METADATA
# description: Some role of the principal releases PII for this purpose.
pii_is_released if {
	some role in input.principal.roles
	input.purpose in config.roles[role].release_pii_for
}

# METADATA
# description: Some role of the principal releases protected attributes for this purpose.
protected_is_released if {
	some role in input.principal.roles
	input.purpose in config.roles[role].release_protected_for
}

holds_pii(column) if {
	some tag in column.tags
	startswith(tag, "pii:")
}

# METADATA
# description: Free text may hold PII anywhere; its stored spans are masked on read.
holds_pii(column) if "free_text" in column.tags

is_protected(column) if "protected" in column.tags

# METADATA
# description: The mask of one column; undefined when the column is shown as stored.
mask(column) := config.masks.protected if {
	is_protected(column)
	not protected_is_released
} else := config.masks.pii if {
	holds_pii(column)
	not pii_is_released
}

# METADATA
# description: Every masked column of a table, by name.
for_table(table) := {column.name: kind |
	some column in table.columns
	kind := mask(column)
}

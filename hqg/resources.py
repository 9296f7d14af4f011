"""How a collection is named as a policy resource, beside the tables it may share a name with.

A decision keys its refusals and ``withheld`` counts by resource: a table by its dataset name, a
collection by ``collection:<name>`` (a collection called ``orders`` must not be confused with the
table ``orders``). Policy (``authz``), the SQL engine (``retrieval.sql``) and the use cases
(``gateway.access``) all spell these keys, so the spelling lives here, in the kernel every one
of them may import. The Rego bundle spells it once too (``data.hqg.collections.resource_key``);
``tests/policies/test_resource_keys.py`` holds the two equal.
"""

from __future__ import annotations

COLLECTION_PREFIX = "collection:"


def collection_key(name: str) -> str:
    """The resource key of collection ``name``."""
    return f"{COLLECTION_PREFIX}{name}"


def collection_of(key: str) -> str | None:
    """The collection a resource key names, or None when it names a table."""
    return key.removeprefix(COLLECTION_PREFIX) if key.startswith(COLLECTION_PREFIX) else None

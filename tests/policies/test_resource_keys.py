"""The Rego bundle and the gateway spell a collection's resource key the same way.

Policy keys a refused collection by it and the gateway reads the refusals (and ``withheld``)
by it: if the two spellings drifted, a refused collection would no longer be matched to its
refusal. Each side spells it once (``hqg.resources``, ``data.hqg.collections.resource_key``).
"""

from __future__ import annotations

import json

import pytest

from authz.bundle import load_bundle
from authz.regorus_engine import new_engine
from hqg.resources import collection_key, collection_of
from policies import bundle_dir


@pytest.mark.parametrize("name", ["handbook", "orders", "hr"])
def test_rego_resource_key_of_a_collection_is_the_gateways(name: str):
    engine = new_engine(load_bundle(bundle_dir()))
    raw = engine.eval_query(f"x := data.hqg.collections.resource_key({json.dumps(name)})")
    (result,) = raw["result"]
    assert result["bindings"]["x"] == collection_key(name)


def test_a_collection_key_names_its_collection_and_a_table_name_none():
    assert collection_of(collection_key("orders")) == "orders"
    assert collection_of("orders") is None

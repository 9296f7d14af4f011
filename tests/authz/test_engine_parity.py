"""Engine parity: every available engine loads the shipped ``policies/`` unchanged and returns
the identical decision document for the whole demo decision suite.

Engines here: regorus (default) and the real OPA engine in-process (opa-golib). The OPA server
adapter is at parity by construction: it asks an OPA server loaded with the same bundle for
the same ``data.hqg.decision`` and parses the answer with the same ``parse_decision``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from authz.bundle import load_bundle
from authz.cache import canonical_json
from authz.golib_engine import GolibEngine, golib_available
from authz.regorus_engine import RegorusEngine
from authz.testing import discover_tests
from policies import bundle_dir
from tests.authz.conftest import CONTRACTS, PRINCIPALS, build_input

pytestmark = [
    pytest.mark.slow,  # make test-fast skips it: every decision on two engines, OPA included
    pytest.mark.skipif(
        not golib_available(), reason="opa-golib-python-bindings is not installed (make install)"
    ),
]

ACTIONS = ("sql", "search", "ask", "catalog", "policy.evaluate", "policy.simulate", "audit.read")
PURPOSES = (None, "analytics", "support", "stewardship", "security", "marketing")
TABLE_SETS = ((), *((t,) for t in CONTRACTS), tuple(CONTRACTS))


def suite() -> list[dict[str, Any]]:
    """Every demo principal x action x purpose x table set (6 * 7 * 6 * 6 inputs), and the
    same inputs with the purpose or the action key missing (where the engines once differed)."""
    inputs = [
        build_input(principal, action, tables, purpose)
        for principal, action, purpose, tables in itertools.product(
            PRINCIPALS, ACTIONS, PURPOSES, TABLE_SETS
        )
    ]
    partial = [
        {k: v for k, v in document.items() if k != missing}
        for document in inputs[::6]
        for missing in ("purpose", "action")
    ]
    return inputs + partial


@pytest.fixture(scope="module")
def engines() -> tuple[RegorusEngine, GolibEngine]:
    bundle = load_bundle(bundle_dir())
    return RegorusEngine(bundle, cache_size=0), GolibEngine(bundle, cache_size=0)


def test_both_engines_load_the_same_bundle_with_the_same_hash(engines):
    regorus, golib = engines
    assert regorus.policy_hash == golib.policy_hash


def test_every_demo_decision_is_identical_on_regorus_and_opa(engines):
    regorus, golib = engines
    inputs = suite()
    differing = [
        document
        for document in inputs
        if regorus.evaluate(canonical_json(document)) != golib.evaluate(document)
    ]
    assert len(inputs) == 1512 + 504
    assert differing == []


def test_parsed_decisions_are_identical_apart_from_id_and_engine(engines):
    regorus, golib = engines
    for document in suite()[::7]:
        ours, theirs = regorus.decide(document), golib.decide(document)
        strip = {"decision_id", "engine"}
        assert ours.model_dump(exclude=strip) == theirs.model_dump(exclude=strip)


def test_the_rego_test_suites_pass_on_opa_too():
    import regorus

    from authz.bundle import read_data, read_modules
    from authz.golib_engine import bindings

    modules = read_modules(bundle_dir(), include_tests=True)
    finder = regorus.Engine()
    opa = bindings().OpaEngine()
    for module in modules:
        finder.add_policy(module.path, module.source)
        opa.add_policy(module.path, module.source)
    opa.add_data(json.loads(read_data(bundle_dir())))
    tests = discover_tests(finder)
    failed = [
        f"{package}.{name}"
        for package, name, _ in tests
        if opa.eval_document(f"{package}.{name}") is not True
    ]
    opa.close()
    assert len(tests) >= 50
    assert failed == []

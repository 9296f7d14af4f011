"""The shipped policy bundle's own Rego tests pass, and cover the policy modules."""

from __future__ import annotations

from authz.testing import run_tests
from policies import bundle_dir


def test_every_rego_test_in_the_shipped_bundle_passes():
    report = run_tests(bundle_dir())
    failures = [(r.package, r.name, r.error) for r in report.failures]
    assert failures == []
    assert len(report.results) >= 30


def test_every_policy_module_has_tests_beside_it():
    modules = {p.stem for p in bundle_dir().rglob("*.rego") if not p.stem.endswith("_test")}
    tests = {p.stem.removesuffix("_test") for p in bundle_dir().rglob("*_test.rego")}
    assert modules <= tests


def test_rego_tests_cover_the_policy_modules():
    report = run_tests(bundle_dir())
    assert report.coverage_percent >= 95, [(f.file, f.not_covered) for f in report.coverage]

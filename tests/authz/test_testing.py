"""The Rego test runner reports passes, failures, errors and coverage; check names files."""

from __future__ import annotations

from pathlib import Path

import pytest

from authz.testing import check_bundle, run_tests
from hqg.errors import ConfigError

POLICY = """package demo

import rego.v1

default allow := false

allow if input.ok == true

double(x) := y if {
	y := x * 2
}
"""

TESTS = """package demo_test

import rego.v1

import data.demo

test_allow_ok if demo.allow with input as {"ok": true}

test_deny_fails_on_purpose if demo.allow with input as {"ok": false}

conflicted := 1 if input.a

conflicted := 2 if input.a

test_error_is_reported if conflicted with input as {"a": true}

helper_is_not_a_test if true
"""


def write(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)


def test_results_name_pass_and_fail(tmp_path):
    write(tmp_path, "demo.rego", POLICY)
    write(tmp_path, "demo_test.rego", TESTS)
    report = run_tests(tmp_path)
    outcome = {r.name: r.passed for r in report.results}
    assert outcome["test_allow_ok"] is True
    assert outcome["test_deny_fails_on_purpose"] is False
    assert "helper_is_not_a_test" not in outcome
    assert not report.passed
    errors = {r.name: r.error for r in report.failures}
    assert errors["test_deny_fails_on_purpose"] is None
    assert errors["test_error_is_reported"]
    assert all(r.file == "demo_test.rego" for r in report.results)


def test_coverage_covers_policy_modules_only(tmp_path):
    write(tmp_path, "demo.rego", POLICY)
    write(tmp_path, "demo_test.rego", TESTS)
    (coverage,) = run_tests(tmp_path).coverage
    assert coverage.file == "demo.rego"
    assert 7 in coverage.covered
    assert 10 in coverage.not_covered
    assert 0 < coverage.percent < 100


def test_a_bundle_without_tests_does_not_pass(tmp_path):
    write(tmp_path, "demo.rego", POLICY)
    assert not run_tests(tmp_path).passed


def test_a_module_that_does_not_parse_is_a_config_error(tmp_path):
    write(tmp_path, "demo.rego", "package demo\n\nallow if {\n")
    with pytest.raises(ConfigError, match=r"demo\.rego"):
        run_tests(tmp_path)


def test_check_bundle_names_each_broken_file(tmp_path):
    write(tmp_path, "good.rego", POLICY)
    write(tmp_path, "bad.rego", "package bad\n\nallow if {\n")
    write(tmp_path, "worse_test.rego", "package worse\n\ntest_x if {{\n")
    problems = check_bundle(tmp_path)
    assert sorted(p.file for p in problems) == ["bad.rego", "worse_test.rego"]


def test_check_bundle_reports_unsafe_variables_across_modules(tmp_path):
    write(tmp_path, "demo.rego", "package demo\n\nimport rego.v1\n\nallow if x > 1\n")
    (problem,) = check_bundle(tmp_path)
    assert problem.file == "demo.rego"
    assert "unsafe" in problem.message


def test_check_bundle_reports_bad_data(tmp_path):
    write(tmp_path, "demo.rego", POLICY)
    write(tmp_path, "data.json", "[1, 2")
    (problem,) = check_bundle(tmp_path)
    assert "data.json" in problem.message


def test_shipped_bundle_checks_clean():
    from policies import bundle_dir

    assert check_bundle(bundle_dir()) == ()


EXPLAINED = """package demo_test

import rego.v1

import data.demo

test_deny_named_input_fails if {
	doc := {"ok": true, "who": "alice"}
	not demo.allow with input as doc
}

test_double_is_wrong if {
	demo.double(2) == 5
}

test_order_is_wrong if {
	x := demo.double(3)
	x < 4
}

test_first_failing_statement_is_named if {
	true
	demo.allow with input as {"ok": false}
	demo.double(1) == 2
}
"""


def test_a_failure_shows_the_statement_expected_actual_and_input(tmp_path):
    write(tmp_path, "demo.rego", POLICY)
    write(tmp_path, "demo_test.rego", EXPLAINED)
    failures = {r.name: r.failure for r in run_tests(tmp_path, coverage=False).failures}
    named = failures["test_deny_named_input_fails"]
    assert named is not None
    assert named.statement == "not demo.allow with input as doc"
    assert (named.expected, named.actual) == ("false or undefined", "true")
    assert named.input == '{"ok": true, "who": "alice"}'
    assert named.line == 9
    double = failures["test_double_is_wrong"]
    assert double is not None
    assert (double.expected, double.actual, double.input) == ("5", "4", None)
    order = failures["test_order_is_wrong"]
    assert order is not None
    assert (order.expected, order.actual) == ('"< 4"', "6")
    first = failures["test_first_failing_statement_is_named"]
    assert first is not None
    assert first.statement == 'demo.allow with input as {"ok": false}'
    assert (first.expected, first.actual, first.input) == ("true", "false", '{"ok": false}')


def test_the_cli_prints_why_a_policy_test_failed(tmp_path):
    from typer.testing import CliRunner

    from cli.policy import app

    write(tmp_path, "demo.rego", POLICY)
    write(tmp_path, "demo_test.rego", EXPLAINED)
    result = CliRunner().invoke(app, ["test", "--bundle", str(tmp_path), "--no-coverage"])
    assert result.exit_code == 1
    assert "at demo_test.rego:9: not demo.allow with input as doc" in result.output
    assert "expected: 5" in result.output
    assert "actual:   4" in result.output
    assert 'input:    {"ok": true, "who": "alice"}' in result.output

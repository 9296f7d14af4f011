"""The suites' data files are well formed, and the canary scanner finds what it must."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.canaries import CanaryScanner
from evals.config import data_file
from evals.suites.enforcement import load_matrix
from evals.suites.leakage import load_spec
from gateway.demo.principals import demo_principals

PRINCIPALS = {principal.id: principal for _, principal in demo_principals()}


def test_enforcement_matrix_covers_every_demo_principal_and_table() -> None:
    cases = load_matrix(data_file("enforcement.yaml"))
    assert {c.principal for c in cases} == set(PRINCIPALS)
    assert {c.expect for c in cases} >= {"deny", "allow", "masked", "clear", "nonzero", "0"}
    for table in ("customers", "orders", "products", "support_tickets", "hr_salaries"):
        assert any(table in c.sql for c in cases), table
    forbidden = {
        (c.principal, c.purpose) for c in cases if c.purpose not in PRINCIPALS[c.principal].purposes
    }
    assert forbidden, "the matrix must exercise purposes the principal does not declare"


def test_a_malformed_matrix_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "requests: {q: {sql: 'SELECT 1'}}\nmatrix: {alice/analytics: {q: perhaps}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown outcome"):
        load_matrix(path)


def test_leakage_callers_are_demo_principals_and_controls_name_real_probes() -> None:
    spec = load_spec(data_file("leakage.yaml"))
    assert {c.partition("/")[0] for c in spec.callers} <= set(PRINCIPALS)
    for control in spec.controls:
        assert control.caller in spec.callers
        assert control.probe in spec.probes or control.probe in spec.oracles
        assert set(control.groups) <= set(spec.callers[control.caller])


def test_canary_scanner_matches_case_insensitively_at_word_boundaries() -> None:
    scanner = CanaryScanner({"acme:customer": {"Aaron Barnes"}, "acme:salary": {"42600.00"}})
    assert {f.group for f in scanner.scan('["aaron barnes"]')} == {"acme:customer"}
    assert scanner.scan("AARON BARNES, 42600.00")
    assert not scanner.scan("142600.00 and 42600.001 and Aaron Barnesworth")
    assert {f.group for f in scanner.scan("paid 42600.00.")} == {"acme:salary"}

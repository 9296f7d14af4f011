"""Red team: the policy tools are no oracle for data the caller could not query (issue 12.1).

The attack: demo-sec (the security role, which reads no rows) simulates a candidate whose row
filter on ``customers`` is ``customer_id = 2 AND full_name >= PROBE``; if the report's row
counts answered the comparison, a binary search over PROBE would spell the customer's name.
The proof that it learns nothing: the reports for probes that select everything, nothing and
the real name itself are identical but for the candidate's hash, and carry no count.

Positive controls run on a bundle where the analyst role may also simulate and evaluate: alice
gets counts, exactly the ones her own SQL returns (her tenant's rows only), and none for a
filter on a column masked to her.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.policy import app as policy_cli
from demo import demo_ground_truth
from demo.ground_truth import DemoGroundTruth
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from policies import bundle_dir
from tests.conftest import auth
from tests.workspaces import copy_workspace
from transports.rest import create_app

pytestmark = pytest.mark.slow  # make test-fast skips it: searches through simulate, CLI

ATTACK_MODULE = """package hqg

import rego.v1

filtered(name) := data.probe.filter if name == "customers"

filtered(name) := null if name != "customers"

grant(name) := {"row_filter": filtered(name), "masks": {}}

decision := {
\t"allow": true,
\t"reasons": ["probe"],
\t"tables": {t.name: grant(t.name) | some t in input.resources.tables},
\t"denied": {},
\t"collections": {},
\t"limits": {"max_rows": 1000, "timeout_ms": 10000},
\t"max_staleness": null,
}
"""

#: Probes bracketing any name: all rows, none, and (added per test) the real name itself.
PROBES = ("", "M", "~~~~")
HISTORY = (
    ("demo-alice", "SELECT city FROM customers LIMIT 2"),
    ("demo-alice", "SELECT count(*) FROM orders"),
    ("demo-carol", "SELECT count(*) FROM customers"),
)


def _fresh_home(demo_home: Path, target: Path) -> Path:
    copy_workspace(demo_home, target)
    for name in ("audit.jsonl", "audit.head"):
        for found in target.rglob(name):
            found.unlink()
    return target


def _client(home: Path, **policy: Any) -> Iterator[TestClient]:
    gateway = build_gateway(load_settings(home=home, policy=policy))
    try:
        with TestClient(create_app(gateway), raise_server_exceptions=False) as client:
            for key, sql in HISTORY:
                assert client.post("/v1/sql", json={"sql": sql}, headers=auth(key)).status_code
            yield client
    finally:
        gateway.close()


@pytest.fixture(scope="session")
def truth() -> DemoGroundTruth:
    return demo_ground_truth(seed=7)


@pytest.fixture(scope="module")
def sec_home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fresh_home(demo_home, tmp_path_factory.mktemp("sec") / "home")


@pytest.fixture(scope="module")
def sec_client(sec_home: Path) -> Iterator[TestClient]:
    yield from _client(sec_home)


@pytest.fixture(scope="module")
def analyst_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped bundle, with the analyst role also allowed the security team's tools."""
    target = tmp_path_factory.mktemp("bundle") / "bundle"
    shutil.copytree(bundle_dir(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = json.loads((target / "data.json").read_text())
    data["hqg_config"]["roles"]["analyst"]["actions"] += ["policy.evaluate", "policy.simulate"]
    (target / "data.json").write_text(json.dumps(data, indent=2) + "\n")
    return target


@pytest.fixture(scope="module")
def analyst_client(
    demo_home: Path, tmp_path_factory: pytest.TempPathFactory, analyst_bundle: Path
) -> Iterator[TestClient]:
    home = _fresh_home(demo_home, tmp_path_factory.mktemp("analyst") / "home")
    yield from _client(home, bundle_dir=analyst_bundle)


def _candidate(row_filter: Any) -> dict[str, Any]:
    modules = {"hqg/attack.rego": ATTACK_MODULE}
    return {"modules": modules, "data": {"probe": {"filter": row_filter}}}


def _name_probe(probe: str) -> Any:
    return {
        "all": [
            {"column": "customer_id", "op": "=", "value": 2},
            {"column": "full_name", "op": ">=", "value": probe},
        ]
    }


def _simulate(client: TestClient, key: str, row_filter: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/policy/simulate", json={"candidate": _candidate(row_filter)}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()["report"]
    return report


def _without_hash(report: dict[str, Any]) -> str:
    """The report minus what differs between runs anyway: the candidate's hash, and how many
    records the log holds (each simulation adds its own)."""
    varying = {"candidate_policy_hash", "records", "skipped"}
    return json.dumps({k: v for k, v in report.items() if k not in varying})


def _customer_name(truth: DemoGroundTruth) -> str:
    return sorted(truth.tenants["acme"].customer_names)[0]


def test_binary_search_of_a_name_through_simulate_as_sec_learns_nothing(
    sec_client: TestClient, truth: DemoGroundTruth
):
    probes = (*PROBES, _customer_name(truth))
    reports = [_simulate(sec_client, "demo-sec", _name_probe(p)) for p in probes]
    assert len({_without_hash(r) for r in reports}) == 1
    report = reports[0]
    assert report["replayed"] >= 2
    customers = [i for i in report["impact"] if i["dataset"] == "customers"]
    assert customers
    for item in report["impact"]:
        assert (item["rows_before"], item["rows_after"]) == (None, None)
        assert item["counts_withheld"].startswith("counts withheld: ")
    for change in report["changes"]:
        for rows in change["rows"].values():
            assert (rows["before"], rows["after"]) == (None, None)


@pytest.mark.parametrize("target", ["alice", "bob", "carol", "dana", "acme-assistant"])
@pytest.mark.parametrize(
    "sql", ["SELECT * FROM customers", "SELECT * FROM hr_salaries", "SELECT * FROM orders"]
)
def test_evaluate_as_sec_reports_the_decision_without_any_count(
    sec_client: TestClient, target: str, sql: str
):
    response = sec_client.post(
        "/v1/policy/evaluate", json={"principal": target, "sql": sql}, headers=auth("demo-sec")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "allow" in body["decision"]
    for rows in body["rows"].values():
        assert (rows["total"], rows["visible"]) == (None, None)
        assert rows["counts_withheld"].startswith("counts withheld: the caller may not query")


def test_cli_simulate_as_sec_prints_no_count(
    sec_client: TestClient, sec_home: Path, tmp_path: Path
):
    outputs = []
    for probe in ("", "~~~~"):
        bundle = tmp_path / f"b{len(outputs)}"
        (bundle / "hqg").mkdir(parents=True)
        (bundle / "hqg" / "attack.rego").write_text(ATTACK_MODULE)
        (bundle / "data.json").write_text(json.dumps({"probe": {"filter": _name_probe(probe)}}))
        args = ["simulate", "--candidate", str(bundle), "--key", "demo-sec"]
        result = CliRunner().invoke(
            policy_cli, [*args, "--home", str(sec_home), "--json", "--allow-flips"]
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert all(i["rows_after"] is None for i in report["impact"])
        outputs.append(_without_hash(report))
    assert outputs[0] == outputs[1]


def test_analyst_gets_counts_scoped_to_her_own_rows(analyst_client: TestClient):
    city = analyst_client.post(
        "/v1/sql", json={"sql": "SELECT city FROM customers LIMIT 1"}, headers=auth("demo-alice")
    ).json()["rows"][0][0]
    report = _simulate(analyst_client, "demo-alice", {"column": "city", "op": "=", "value": city})
    quoted = city.replace("'", "''")
    own = analyst_client.post(
        "/v1/sql",
        json={"sql": f"SELECT count(*) FROM customers WHERE city = '{quoted}'"},
        headers=auth("demo-alice"),
    ).json()["rows"][0][0]
    everything = analyst_client.post(
        "/v1/sql", json={"sql": "SELECT count(*) FROM customers"}, headers=auth("demo-alice")
    ).json()["rows"][0][0]
    impact = {(i["principal"], i["dataset"]): i for i in report["impact"]}
    mine = impact[("alice", "customers")]
    assert mine["counts_withheld"] is None
    assert (mine["rows_before"], mine["rows_after"]) == (everything, own)
    # carol's rows today are globex's, none of them alice's to count; the candidate would show
    # carol rows of alice's tenant: those alice may count
    theirs = impact[("carol", "customers")]
    assert (theirs["rows_before"], theirs["rows_after"]) == (0, own)


def test_analyst_filter_on_a_column_masked_to_her_gets_no_count(
    analyst_client: TestClient, truth: DemoGroundTruth
):
    probes = (*PROBES, _customer_name(truth))
    reports = [_simulate(analyst_client, "demo-alice", _name_probe(p)) for p in probes]
    assert len({_without_hash(r) for r in reports}) == 1
    impact = {(i["principal"], i["dataset"]): i for i in reports[0]["impact"]}
    customers = impact[("alice", "customers")]
    assert customers["rows_after"] is None
    assert "masked to the caller: full_name" in customers["counts_withheld"]


def test_analyst_evaluating_as_the_steward_counts_only_her_tenant(analyst_client: TestClient):
    body = analyst_client.post(
        "/v1/policy/evaluate",
        json={"principal": "dana", "sql": "SELECT count(*) FROM customers"},
        headers=auth("demo-alice"),
    ).json()
    own = analyst_client.post(
        "/v1/sql", json={"sql": "SELECT count(*) FROM customers"}, headers=auth("demo-alice")
    ).json()["rows"][0][0]
    rows = body["rows"]["customers"]
    assert (rows["total"], rows["visible"]) == (own, own)  # not every tenant's rows

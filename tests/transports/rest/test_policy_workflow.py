"""The security team's workflow over HTTP and the CLI: explain, simulate, observe, check/test/fmt.

Runs on a private copy of the demo workspace so the audit log replayed by the simulation holds
exactly the requests made here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from authz.bundle import load_bundle
from authz.golib_engine import golib_available
from cli.policy import app as policy_cli
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from policies import bundle_dir
from tests.conftest import auth
from tests.workspaces import copy_workspace
from transports.rest import create_app

REVOKED = {"orders": {"roles": ["support", "steward", "assistant"]}}


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("workflow") / "home"
    copy_workspace(demo_home, copy)
    for name in ("audit.jsonl", "audit.head"):
        for found in copy.rglob(name):
            found.unlink()
    return copy


@pytest.fixture(scope="module")
def candidate_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped bundle, with orders revoked from the analyst role."""
    target = tmp_path_factory.mktemp("candidate") / "bundle"
    shutil.copytree(bundle_dir(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = json.loads((target / "data.json").read_text())
    data["hqg_config"]["datasets"] = REVOKED
    (target / "data.json").write_text(json.dumps(data, indent=2) + "\n")
    return target


@pytest.fixture(scope="module")
def history(client: TestClient) -> dict[str, str]:
    """Past requests in the audit log: name -> request id."""
    requests = {
        "alice_orders": ("demo-alice", "SELECT count(*) FROM orders"),
        "carol_orders": ("demo-carol", "SELECT order_id FROM orders LIMIT 3"),
        "bob_orders": ("demo-bob", "SELECT count(*) FROM orders"),
        "alice_customers": ("demo-alice", "SELECT country FROM customers LIMIT 2"),
        "alice_join": (
            "demo-alice",
            "SELECT c.country, count(*) FROM customers c JOIN orders o "
            "ON o.customer_id = c.customer_id GROUP BY 1",
        ),
        "alice_salaries": ("demo-alice", "SELECT * FROM hr_salaries"),
    }
    ids = {}
    for name, (key, sql) in requests.items():
        response = client.post("/v1/sql", json={"sql": sql}, headers=auth(key))
        ids[name] = response.headers["x-request-id"]
    return ids


def _candidate_body(directory: Path) -> dict:
    bundle = load_bundle(directory)
    return {"modules": {m.path: m.source for m in bundle.modules}, "data": bundle.data}


def test_explain_shows_decision_masks_rewritten_sql_and_withholds_counts_from_sec(
    client: TestClient,
):
    body = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "sql": "SELECT email FROM customers"},
        headers=auth("demo-sec"),
    ).json()
    grant = body["decision"]["tables"]["customers"]
    assert grant["row_filter"] == {"column": "tenant_id", "op": "=", "value": "acme"}
    assert grant["masks"]["email"] == "placeholder"
    assert "acme" in body["sql_executed"]
    rows = body["rows"]["customers"]
    assert (rows["total"], rows["visible"]) == (None, None)  # sec reads no rows itself
    assert rows["counts_withheld"].startswith("counts withheld: the caller may not query")
    if golib_available():
        fired = {r["rule"] for r in body["trace"]["rules"]}
        assert {"data.hqg.actions.permitted", "data.hqg.tenancy.row_filter"} <= fired
        assert body["trace"]["policy_hash"] == body["decision"]["policy_hash"]
    else:
        assert body["trace"] is None
        assert "install" in body["trace_note"]


def test_explain_by_a_steward_counts_rows_visible_to_the_other_principal(client: TestClient):
    rows = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "sql": "SELECT email FROM customers"},
        headers=auth("demo-dana"),
    ).json()["rows"]["customers"]
    assert rows["counts_withheld"] is None
    assert 0 < rows["visible"] < rows["total"]


def test_explain_of_a_denied_request_shows_nothing_visible(client: TestClient):
    body = client.post(
        "/v1/policy/evaluate",
        json={"principal": "alice", "sql": "SELECT * FROM hr_salaries"},
        headers=auth("demo-dana"),
    ).json()
    assert body["decision"]["allow"] is False
    assert body["rows"]["hr_salaries"]["visible"] == 0
    assert body["rows"]["hr_salaries"]["total"] > 0
    assert body["sql_executed"] is None


HYBRID_QUERIES = [
    ("SELECT doc_id, title FROM vector_search('handbook', 'refund window', 3)", "handbook"),
    ("SELECT * FROM vector_search('tickets', 'refund', 3)", "tickets"),
    (
        "SELECT v.ticket_id, v.text, t.status "
        "FROM vector_search('tickets', 'return my order', 5) v "
        "JOIN support_tickets t ON t.ticket_id = v.ticket_id ORDER BY v.score DESC",
        "tickets",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("sql", "collection"), HYBRID_QUERIES, ids=["search", "star", "join"])
def test_a_vector_search_query_explains_exactly_as_v1_sql_plans_it(
    client: TestClient, sql: str, collection: str
):
    served = client.post("/v1/sql", json={"sql": sql}, headers=auth("demo-alice"))
    assert served.status_code == 200, served.text
    explained = client.post(
        "/v1/policy/evaluate", json={"principal": "alice", "sql": sql}, headers=auth("demo-sec")
    )
    assert explained.status_code == 200, explained.text
    body = explained.json()
    assert body["decision"]["allow"] is True
    assert body["denied_reason"] is None
    assert body["sql_executed"] == served.json()["provenance"]["sql_executed"]
    assert set(body["decision"]["collections"]) == {collection}


def test_a_denied_vector_search_explains_the_real_decision(client: TestClient):
    sql = "SELECT doc_id FROM vector_search('hr', 'salary band', 3)"
    body = client.post(
        "/v1/policy/evaluate", json={"principal": "alice", "sql": sql}, headers=auth("demo-sec")
    ).json()
    assert body["decision"]["allow"] is False
    assert "collection:hr" in body["decision"]["denied"]
    assert body["sql_executed"] is None
    assert body["denied_reason"].startswith("policy denied the request")


def test_simulation_names_exactly_the_requests_a_revocation_affects(
    client: TestClient, history: dict[str, str], candidate_dir: Path
):
    response = client.post(
        "/v1/policy/simulate",
        json={"candidate": _candidate_body(candidate_dir)},
        headers=auth("demo-sec"),
    )
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    changed = {c["request_id"]: c["diff"]["flip"] for c in report["changes"]}
    expected = {history[n] for n in ("alice_orders", "carol_orders", "alice_join")}
    assert changed == dict.fromkeys(expected, "allow->deny")
    assert (report["allow_to_deny"], report["deny_to_allow"]) == (3, 0)
    assert response.json()["flips"] == 3
    impact = {(i["principal"], i["dataset"]): i for i in report["impact"]}
    assert impact[("alice", "orders")]["allow_to_deny"] == 2  # alice_orders, alice_join
    assert impact[("bob", "orders")]["allow_to_deny"] == 0
    assert (
        impact[("alice", "hr_salaries")]["rows_before"],
        impact[("alice", "hr_salaries")]["rows_after"],
    ) == (0, 0)  # denied either way: no rows, whoever asks
    for key, item in impact.items():  # the security role reads no rows: it counts none either
        if key == ("alice", "hr_salaries"):
            continue
        assert item["rows_before"] is None
        assert item["rows_after"] == (0 if item["allow_to_deny"] else None)  # a deny sees none
        assert item["counts_withheld"].startswith(
            "counts withheld: chunks of a collection"  # the explain tests' hybrid queries
            if key[1].startswith("collection:")
            else "counts withheld: the caller may not query"
        )


def test_simulating_the_enforced_bundle_changes_nothing(client: TestClient, history):
    report = client.post(
        "/v1/policy/simulate",
        json={"candidate": _candidate_body(bundle_dir())},
        headers=auth("demo-sec"),
    ).json()["report"]
    assert report["changes"] == []
    assert report["baseline_policy_hash"] == report["candidate_policy_hash"]
    assert report["replayed"] >= 6


def test_only_the_security_role_may_simulate(client: TestClient):
    response = client.post(
        "/v1/policy/simulate",
        json={"candidate": {"modules": {"x.rego": "package x"}}},
        headers=auth("demo-alice"),
    )
    assert response.status_code == 403


def test_observe_summary_is_404_when_observe_mode_is_off(client: TestClient):
    response = client.get("/v1/policy/observe", headers=auth("demo-sec"))
    assert response.status_code == 404
    assert "HQG_POLICY__OBSERVE_BUNDLE_DIR" in response.json()["error"]["message"]


def test_observe_summary_endpoint_counts_disagreements(home: Path, candidate_dir: Path):
    settings = load_settings(home=home, policy={"observe_bundle_dir": candidate_dir})
    gw = build_gateway(settings)
    try:
        with TestClient(create_app(gw)) as observing:
            served = observing.post(
                "/v1/sql", json={"sql": "SELECT count(*) FROM orders"}, headers=auth("demo-alice")
            )
            assert served.status_code == 200  # observed, not enforced
            summary = observing.get("/v1/policy/observe", headers=auth("demo-sec")).json()
    finally:
        gw.close()
    assert summary["flips"] == {"allow->deny": 1}
    rules = {r["rule"]: r for r in summary["rules"]}
    assert rules["grant:orders"]["disagreements"] == 1


runner = CliRunner()


def test_cli_check_test_and_fmt_pass_on_the_shipped_bundle():
    checked = runner.invoke(policy_cli, ["check"])
    assert checked.exit_code == 0, checked.output
    tested = runner.invoke(policy_cli, ["test", "--min-coverage", "95"])
    assert tested.exit_code == 0, tested.output
    assert " 0 failed" in tested.output
    formatted = runner.invoke(policy_cli, ["fmt", "--check"])
    assert formatted.exit_code == 0
    assert "0 file(s)" in formatted.output


def test_cli_check_and_fmt_flag_an_unformatted_module(tmp_path: Path):
    bundle = tmp_path / "b"
    shutil.copytree(bundle_dir(), bundle, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    module = bundle / "hqg" / "tenancy.rego"
    module.write_text(module.read_text().replace("\t", "    ") + "\n\n\n")
    checked = runner.invoke(policy_cli, ["check", "--bundle", str(bundle)])
    assert checked.exit_code == 1
    assert "hqg/tenancy.rego" in checked.output
    assert runner.invoke(policy_cli, ["fmt", "--check", "--bundle", str(bundle)]).exit_code == 1
    fixed = runner.invoke(policy_cli, ["fmt", "--bundle", str(bundle)])
    assert "reformatted hqg/tenancy.rego" in fixed.output
    assert runner.invoke(policy_cli, ["check", "--bundle", str(bundle)]).exit_code == 0


def test_cli_test_fails_on_a_failing_rego_test(tmp_path: Path):
    bundle = tmp_path / "b"
    shutil.copytree(bundle_dir(), bundle, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (bundle / "hqg" / "zz_test.rego").write_text(
        "package hqg.zz_test\n\nimport rego.v1\n\ntest_allow_nothing if false\n"
    )
    result = runner.invoke(policy_cli, ["test", "--bundle", str(bundle)])
    assert result.exit_code == 1
    assert "FAIL hqg.zz_test.test_allow_nothing" in result.output


def test_cli_eval_explains_as_another_principal(home: Path):
    result = runner.invoke(
        policy_cli,
        [
            "eval",
            "--as",
            "bob",
            "--purpose",
            "support",
            "--sql",
            "SELECT email FROM customers",
            "--key",
            "demo-sec",
            "--home",
            str(home),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bob (support): allow" in result.output
    assert "rows of customers:" in result.output
    assert "SQL as it would execute:" in result.output


@pytest.mark.slow
def test_cli_simulate_is_a_ci_gate_on_flips(home: Path, history, candidate_dir: Path):
    args = ["simulate", "--candidate", str(candidate_dir), "--key", "demo-sec", "--home", str(home)]
    gated = runner.invoke(policy_cli, args)
    assert gated.exit_code == 1, gated.output
    assert "allow→deny, 0 deny→allow" in gated.output
    allowed = runner.invoke(policy_cli, [*args, "--allow-flips", "--json"])
    assert allowed.exit_code == 0
    assert json.loads(allowed.output)["allow_to_deny"] >= 3  # the observe test added one
    same = runner.invoke(
        policy_cli,
        ["simulate", "--candidate", str(bundle_dir()), "--key", "demo-sec", "--home", str(home)],
    )
    assert same.exit_code == 0, same.output

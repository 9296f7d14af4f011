"""The ``hqg`` commands as a user runs them (Typer's runner, real engines, a fresh workspace)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.app import _GROUPS, _register, app
from tests.workspaces import copy_workspace

pytestmark = pytest.mark.slow  # make test-fast skips it: CLI over workspace copies and subprocesses

runner = CliRunner()
_register()

CONTRACT = {
    "name": "people",
    "owner": "crm",
    "classification": "internal",
    "primary_key": ["id"],
    "columns": [
        {"name": "id", "type": "INTEGER", "nullable": False},
        {"name": "city", "type": "VARCHAR"},
    ],
}


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's demo workspace (these tests write to it)."""
    copy = tmp_path_factory.mktemp("cli") / "home"
    copy_workspace(demo_home, copy)
    return copy


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "ingest", "catalog", "contract", "sql", "policy", "audit"):
        assert command in result.output


def test_help_through_the_entry_point_lists_every_group_though_groups_load_lazily() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = {line.split()[1] for line in result.stdout.splitlines() if line.startswith("│ ")}
    assert set(_GROUPS) <= listed


def test_ingest_table_prints_a_summary_and_records_a_version(tmp_path: Path) -> None:
    contract = tmp_path / "people.yaml"
    contract.write_text(yaml.safe_dump(CONTRACT), encoding="utf-8")
    source = tmp_path / "people.csv"
    source.write_text("id,city\n1,Oslo\n2,Rome\n2,Lima\nx,Kyiv\n", encoding="utf-8")
    home = tmp_path / "home"
    result = runner.invoke(
        app,
        [
            "ingest",
            "table",
            str(source),
            "--dataset",
            "people",
            "--contract",
            str(contract),
            "--home",
            str(home),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "committed" in result.output
    assert "rows quarantined" in result.output
    assert "duplicate primary key" in result.output
    listed = runner.invoke(app, ["catalog", "--home", str(home), "--json"])
    (entry,) = json.loads(listed.output)
    assert entry["dataset"] == "people"
    assert (entry["rows"], entry["quarantined"]) == (1, 3)


def test_rejected_batch_exits_non_zero(tmp_path: Path) -> None:
    contract = tmp_path / "people.yaml"
    contract.write_text(yaml.safe_dump(CONTRACT), encoding="utf-8")
    source = tmp_path / "people.csv"
    source.write_text("id,town\n1,Oslo\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "ingest",
            "table",
            str(source),
            "--dataset",
            "people",
            "--contract",
            str(contract),
            "--home",
            str(tmp_path / "home"),
        ],
    )
    assert result.exit_code == 1
    assert "rejected" in result.output


def test_bad_contract_is_reported_naming_the_field(tmp_path: Path) -> None:
    contract = tmp_path / "bad.yaml"
    contract.write_text(yaml.safe_dump({**CONTRACT, "classification": "secret"}), encoding="utf-8")
    source = tmp_path / "people.csv"
    source.write_text("id,city\n1,Oslo\n", encoding="utf-8")
    from hqg.errors import ContractError

    result = runner.invoke(
        app, ["ingest", "table", str(source), "--dataset", "people", "--contract", str(contract)]
    )
    assert isinstance(result.exception, ContractError)
    assert "classification" in str(result.exception)


def test_contract_show_prints_editable_yaml(home: Path) -> None:
    result = runner.invoke(app, ["contract", "show", "customers", "--home", str(home)])
    assert result.exit_code == 0
    document = yaml.safe_load(result.output)
    assert document["name"] == "customers"
    assert document["tenant_column"] == "tenant_id"


def test_catalog_shows_freshness(home: Path) -> None:
    result = runner.invoke(app, ["catalog", "--home", str(home), "--json"])
    rows = {row["dataset"]: row for row in json.loads(result.output)}
    assert set(rows) == {"customers", "orders", "support_tickets", "products", "hr_salaries"}
    assert all({"age", "sla", "stale"} <= set(row) for row in rows.values())


def test_sql_runs_governed_and_audits(home: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sql",
            "SELECT DISTINCT tenant_id FROM customers",
            "--key",
            "demo-carol",
            "--home",
            str(home),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == [["globex"]]
    verified = runner.invoke(app, ["audit", "verify", "--home", str(home)])
    assert verified.exit_code == 0
    assert "intact" in verified.output
    tail = runner.invoke(app, ["audit", "tail", "-n", "1", "--home", str(home), "--json"])
    (record,) = json.loads(tail.output)
    assert record["principal_id"] == "carol"


def test_audit_verify_fails_on_a_tampered_log(home: Path, tmp_path: Path) -> None:
    runner.invoke(
        app, ["sql", "SELECT 1 FROM products", "--key", "demo-alice", "--home", str(home)]
    )
    log = home / "audit" / "audit.jsonl"
    original = log.read_text(encoding="utf-8")
    try:
        log.write_text(original.replace('"alice"', '"mallory"', 1), encoding="utf-8")
        result = runner.invoke(app, ["audit", "verify", "--home", str(home)])
        assert result.exit_code == 1
        assert "damaged" in result.output
    finally:
        log.write_text(original, encoding="utf-8")


def test_policy_test_passes_on_the_shipped_bundle() -> None:
    result = runner.invoke(app, ["policy", "test"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_commands_on_a_missing_workspace_say_how_to_create_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "--home", str(tmp_path / "nope")])
    assert "not an hqg workspace" in str(result.exception)

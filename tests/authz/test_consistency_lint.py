"""``hqg policy check --home`` warns when a collection and the dataset it was built from are
granted, refused or masked differently (the demo's tickets come from support_tickets)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from authz.bundle import load_bundle
from authz.regorus_engine import RegorusEngine
from cli.policy import app as policy_cli
from gateway.admin.consistency import Inconsistency, consistency_warnings
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from policies import bundle_dir


@pytest.fixture(scope="module")
def revoked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped bundle with support_tickets refused to the assistant role."""
    target = tmp_path_factory.mktemp("lint") / "bundle"
    shutil.copytree(bundle_dir(), target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = json.loads((target / "data.json").read_text())
    data["hqg_config"]["datasets"] = {
        "support_tickets": {"roles": ["analyst", "support", "steward"]}
    }
    (target / "data.json").write_text(json.dumps(data, indent=2) + "\n")
    return target


def _warnings(home: Path, bundle: Path) -> list[Inconsistency]:
    gateway = build_gateway(load_settings(home=home))
    try:
        return consistency_warnings(
            RegorusEngine(load_bundle(bundle), cache_size=0),
            principals=gateway.principals.principals(),
            datasets={name: d.contract for name, d in gateway.datasets().items()},
            collections=gateway.documents.collections(),
        )
    finally:
        gateway.close()


@pytest.mark.slow
def test_the_demo_links_the_tickets_collection_to_support_tickets(demo_home: Path) -> None:
    gateway = build_gateway(load_settings(home=demo_home))
    try:
        sources = {c.name: c.sources for c in gateway.documents.collections()}
    finally:
        gateway.close()
    assert sources["tickets"] == ("support_tickets",)
    assert sources["handbook"] == ()


def test_denying_the_table_but_not_its_collection_warns(demo_home: Path, revoked: Path) -> None:
    found = [w for w in _warnings(demo_home, revoked) if w.principal == "acme-assistant"]
    assert {(w.dataset, w.collection, w.action) for w in found} == {
        ("support_tickets", "tickets", "search"),
        ("support_tickets", "tickets", "ask"),
    }
    assert all(w.problem.startswith("denied dataset support_tickets") for w in found)


def test_the_shipped_bundle_treats_the_assistant_alike_on_both(demo_home: Path) -> None:
    assert not [w for w in _warnings(demo_home, bundle_dir()) if w.principal == "acme-assistant"]


def test_cli_check_prints_the_warnings_and_still_passes(demo_home: Path, revoked: Path) -> None:
    result = CliRunner().invoke(
        policy_cli, ["check", "--bundle", str(revoked), "--home", str(demo_home)]
    )
    assert result.exit_code == 0, result.output
    assert "warning: acme-assistant (purpose support): denied dataset support_tickets" in (
        " ".join(result.output.split())
    )

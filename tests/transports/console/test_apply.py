"""Applying a candidate from the console, when the operator enabled it: written as the next
version of the bundle, published by flipping the bundle symlink, reloaded at once; refused
while its tests fail."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from authz.bundle import load_bundle
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from policies import bundle_dir
from tests.transports.console.conftest import csrf_of, fresh_client, sign_in
from tests.transports.console.test_console import _playground_form

pytestmark = pytest.mark.slow  # make test-fast skips it: runs the Rego tests of candidate bundles


@pytest.fixture(scope="module")
def link(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundles")
    shutil.copytree(bundle_dir(), root / "v1", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (root / "current").symlink_to(root / "v1", target_is_directory=True)
    return root / "current"


@pytest.fixture(scope="module")
def gateway(home: Path, link: Path) -> Iterator[Gateway]:
    settings = load_settings(
        home=home,
        policy={"bundle_dir": link, "reload_seconds": 3600},
        console={"apply_policy": True},
    )
    gw = build_gateway(settings)
    yield gw
    gw.close()


def _candidate(client: TestClient, edit: dict[str, object]) -> dict[str, str]:
    page = client.get("/console/playground").text
    assert "/console/playground/apply" in page
    form = {**_playground_form(page), "csrf": csrf_of(page)}
    data = json.loads(form["data_json"])
    data["hqg_config"]["roles"]["analyst"].update(edit)
    form["data_json"] = json.dumps(data, indent=2)
    return form


def test_a_candidate_whose_tests_fail_is_not_applied(gateway: Gateway, link: Path) -> None:
    sec = sign_in(fresh_client(gateway), "demo-sec")
    before = gateway.policy.policy_hash
    form = _candidate(sec, {"actions": ["search", "ask", "catalog"]})
    answer = sec.post("/console/playground/apply", data=form)
    assert answer.status_code == 422
    assert "tests do not pass" in answer.text
    assert link.resolve().name == "v1"
    assert gateway.policy.policy_hash == before


def test_a_passing_candidate_becomes_the_next_version_and_is_served(
    gateway: Gateway, link: Path
) -> None:
    sec = sign_in(fresh_client(gateway), "demo-sec")
    form = _candidate(sec, {"description": "Tenant analysts (reviewed in the console)."})
    answer = sec.post("/console/playground/apply", data=form)
    assert answer.status_code == 200, answer.text[:500]
    assert "Applied as v2" in answer.text
    assert link.resolve().name == "v2"
    assert gateway.policy.policy_hash == load_bundle(link).policy_hash
    analyst = json.loads((link / "data.json").read_text())["hqg_config"]["roles"]["analyst"]
    assert analyst["description"] == "Tenant analysts (reviewed in the console)."


def test_the_steward_may_not_apply(gateway: Gateway, link: Path) -> None:
    dana = sign_in(fresh_client(gateway), "demo-dana")
    before = link.resolve()
    answer = dana.post("/console/playground/apply", data=_candidate(dana, {}))
    assert answer.status_code == 403
    assert link.resolve() == before

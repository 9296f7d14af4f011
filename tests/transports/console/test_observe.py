"""The usage page shows observe mode's per-rule hits and disagreements while a candidate is
observed beside the enforced policy."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from policies import bundle_dir
from tests.conftest import auth
from tests.transports.console.conftest import fresh_client, sign_in


@pytest.fixture(scope="module")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped bundle with the analyst's SQL taken away."""
    root = tmp_path_factory.mktemp("observed") / "bundle"
    shutil.copytree(bundle_dir(), root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = json.loads((root / "data.json").read_text())
    data["hqg_config"]["roles"]["analyst"]["actions"].remove("sql")
    (root / "data.json").write_text(json.dumps(data))
    return root


@pytest.fixture(scope="module")
def gateway(home: Path, candidate: Path) -> Iterator[Gateway]:
    gw = build_gateway(load_settings(home=home, policy={"observe_bundle_dir": candidate}))
    yield gw
    gw.close()


def test_observed_disagreements_are_counted_per_rule_on_the_usage_page(gateway: Gateway) -> None:
    client = fresh_client(gateway)
    served = client.post(
        "/v1/sql", json={"sql": "SELECT count(*) FROM orders"}, headers=auth("demo-alice")
    )
    assert served.status_code == 200  # observed, not enforced
    page = sign_in(client, "demo-sec").get("/console/usage")
    assert page.status_code == 200
    observed = page.text.split("<h2>Observe mode</h2>", 1)[1]
    assert "disagreed" in observed
    assert '<table id="observe">' in observed
    assert "Observe mode is off" not in observed
    assert 'aria-label="disagreements per rule' in observed


def test_the_usage_page_says_how_to_turn_observe_mode_on(home: Path) -> None:
    gw = build_gateway(load_settings(home=home))
    try:
        page = sign_in(fresh_client(gw), "demo-sec").get("/console/usage")
        assert "HQG_POLICY__OBSERVE_BUNDLE_DIR" in page.text
    finally:
        gw.close()

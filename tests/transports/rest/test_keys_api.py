"""Keys managed with the CLI take effect on a running gateway at once: no restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.keys import app as keys_cli
from cli.principals import app as principals_cli
from tests.conftest import auth
from tests.workspaces import copy_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("keys") / "home"
    copy_workspace(demo_home, copy)
    return copy


@pytest.mark.slow
def test_a_key_added_rotated_and_revoked_applies_to_the_running_gateway(
    client: TestClient, home: Path
) -> None:
    where = ["--home", str(home)]
    added = runner.invoke(
        principals_cli,
        ["add", "erin", "--tenant", "acme", "--role", "analyst", "--purpose", "analytics"]
        + ["--default-purpose", "analytics", "--json", *where],
    )
    assert added.exit_code == 0, added.output
    first = json.loads(added.stdout)
    assert client.get("/v1/catalog", headers=auth(first["key"])).status_code == 200
    rotated = json.loads(
        runner.invoke(keys_cli, ["rotate", first["key_id"], "--json", *where]).stdout
    )
    assert client.get("/v1/catalog", headers=auth(first["key"])).status_code == 401
    assert client.get("/v1/catalog", headers=auth(rotated["key"])).status_code == 200
    assert runner.invoke(principals_cli, ["disable", "erin", *where]).exit_code == 0
    refused = client.get("/v1/catalog", headers=auth(rotated["key"]))
    assert refused.status_code == 401
    assert "disabled" in refused.json()["error"]["message"]
    assert client.get("/v1/catalog", headers=auth("demo-alice")).status_code == 200

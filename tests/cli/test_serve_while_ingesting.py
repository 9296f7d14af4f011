"""Loading data must not require stopping the gateway: ``hqg ingest`` beside ``hqg serve``.

Both run as real processes on one workspace; the server keeps serving the old version during
the ingest and serves the new one right after it commits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from gateway.identity import Principal
from gateway.principals import write_principals
from ingestion.contracts import Classification
from ingestion.workspace import Workspace
from tests.load.served import bound_url, serve_command

CONTRACT = {
    "name": "people",
    "owner": "crm",
    "classification": "internal",
    "tenant_column": "tenant_id",
    "primary_key": ["id"],
    "columns": [
        {"name": "tenant_id", "type": "VARCHAR", "nullable": False},
        {"name": "id", "type": "INTEGER", "nullable": False},
        {"name": "city", "type": "VARCHAR"},
    ],
}
KEY = "test-analyst-key-0001"


def _hqg(*args: str) -> list[str]:
    return [sys.executable, "-c", "from cli import main; main()", *args]


def _ingest(home: Path, source: Path, contract: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _hqg(
            "ingest",
            "table",
            str(source),
            "--dataset",
            "people",
            "--contract",
            str(contract),
            "--home",
            str(home),
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    home = tmp_path / "home"
    workspace = Workspace.create(home)
    write_principals(
        workspace.principals_path,
        [
            (
                KEY,
                Principal(
                    id="ann",
                    tenant="acme",
                    roles=("analyst",),
                    clearance=Classification.CONFIDENTIAL,
                    purposes=("analytics",),
                    default_purpose="analytics",
                ),
            )
        ],
    )
    contract = tmp_path / "people.yaml"
    contract.write_text(yaml.safe_dump(CONTRACT), encoding="utf-8")
    source = tmp_path / "people.csv"
    source.write_text("tenant_id,id,city\nacme,1,Oslo\nglobex,2,Rome\n", encoding="utf-8")
    first = _ingest(home, source, contract)
    assert first.returncode == 0, first.stderr
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        serve_command(home, tmp_path / "server.port"),
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    try:
        url = bound_url(tmp_path / "server.port", server, seconds=60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail("the server did not start")
        yield home, url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _count(url: str) -> tuple[int, str]:
    response = httpx.post(
        f"{url}/v1/sql",
        json={"sql": "SELECT count(*) FROM people"},
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return body["rows"][0][0], body["provenance"]["datasets"][0]["version"]


@pytest.mark.slow
def test_ingest_runs_while_the_server_serves_the_same_workspace(
    served: tuple[Path, str], tmp_path: Path
) -> None:
    home, url = served
    assert _count(url) == (1, "v1")
    source = tmp_path / "people2.csv"
    source.write_text(
        "tenant_id,id,city\nacme,1,Oslo\nglobex,2,Rome\nacme,3,Lima\n", encoding="utf-8"
    )
    result = _ingest(home, source, tmp_path / "people.yaml")
    assert result.returncode == 0, result.stderr
    assert _count(url) == (2, "v2")

"""The light client installs and works in a fresh virtualenv with none of the server's heavy
dependencies: ``pip install ./client`` pulls httpx and pydantic only, and a script in that venv
queries a real ``hqg serve`` process (SQL with ``vector_search()``, catalog, a refusal)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.load.served import serve, wait_until_ready
from tests.workspaces import copy_workspace

REPO = Path(__file__).resolve().parents[2]
#: The venv's environment: without PYTHONPATH (the tests' points at the server's tree).
CLEAN_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
SCRIPT = """
import importlib.util, json, sys
from hqg_client import BadRequest, Client
heavy = [m for m in ("torch", "spacy", "duckdb", "qdrant_edge", "gateway", "hqg")
         if importlib.util.find_spec(m) is not None]
with Client(sys.argv[1], "demo-alice") as client:
    hybrid = client.sql(
        "SELECT count(*) FROM vector_search('tickets', 'charged twice', 10, 'documents')"
    )
    catalog = client.catalog()
    try:
        client.sql("SELECT nme FROM products")
        refused = None
    except BadRequest as exc:
        refused = exc.message
print(json.dumps({"heavy": heavy, "rows": hybrid.rows, "refused": refused,
                  "collections": [c["name"] for c in catalog.collections]}))
"""


@pytest.fixture(scope="module")
def client_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("client-venv")
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(REPO / "client")],
        check=True,
        timeout=600,
        env=CLEAN_ENV,
    )
    return python


@pytest.fixture(scope="module")
def served(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("client-served")
    home = copy_workspace(demo_home, root / "home")
    with serve(home, log=root / "server.log") as url:
        wait_until_ready(url)
        yield url


@pytest.mark.slow
def test_client_installs_without_the_server_and_queries_a_gateway(
    client_python: Path, served: str
) -> None:
    installed = subprocess.run(
        [str(client_python), "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
    )
    names = {item["name"].lower() for item in json.loads(installed.stdout)}
    assert {"hqg-client", "httpx", "pydantic"} <= names
    assert not names & {
        "torch",
        "spacy",
        "duckdb",
        "hqg",
        "qdrant-edge-py",
        "sentence-transformers",
    }
    ran = subprocess.run(
        [str(client_python), "-c", SCRIPT, served],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        env=CLEAN_ENV,
        cwd=client_python.parent,  # not the repository: nothing of the server on sys.path
    )
    result = json.loads(ran.stdout)
    assert result["heavy"] == []
    assert result["rows"] == [[10]]
    assert "did you mean name?" in result["refused"]
    assert "tickets" in result["collections"]
    assert sys.executable != str(client_python)

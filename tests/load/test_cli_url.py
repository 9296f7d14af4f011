"""The CLI's data commands with ``--url`` talk to a running gateway: they work while that
server holds the embedded vector index, and the server governs and audits them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit import tail
from cli.app import _register, app
from cli.remote import RemoteError
from tests.load.served import serve, wait_until_ready
from tests.workspaces import copy_workspace

runner = CliRunner()
_register()


@pytest.fixture(scope="module")
def served(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("cli-url")
    home = copy_workspace(demo_home, root / "home")
    with serve(home, log=root / "server.log") as url:
        wait_until_ready(url)  # the server has opened every collection's index
        yield url, home


def _last_request(home: Path) -> tuple[str, str, int]:
    (record,) = tail(home / "audit" / "audit.jsonl", 1)
    return record.principal_id or "", record.action, record.status


@pytest.mark.slow
def test_search_through_the_server_while_it_holds_the_index(served: tuple[str, Path]) -> None:
    url, home = served
    result = runner.invoke(
        app, ["search", "refund window", "--url", url, "--key", "demo-alice", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"]
    assert _last_request(home) == ("alice", "search", 200)


@pytest.mark.slow
def test_sql_and_ask_through_the_server(served: tuple[str, Path]) -> None:
    url, home = served
    sql = runner.invoke(
        app, ["sql", "SELECT count(*) AS n FROM products", "--url", url, "--key", "demo-alice"]
    )
    assert sql.exit_code == 0, sql.output
    assert "1 row(s)" in sql.output
    ask = runner.invoke(
        app, ["ask", "How long is the refund window?", "--url", url, "--key", "demo-alice"]
    )
    assert ask.exit_code == 0, ask.output
    assert _last_request(home)[1:] == ("ask", 200)


@pytest.mark.slow
def test_the_servers_refusal_is_the_commands_error(served: tuple[str, Path]) -> None:
    url, home = served
    result = runner.invoke(app, ["sql", "SELECT 1", "--url", url, "--key", "not-a-key"])
    assert isinstance(result.exception, RemoteError)
    assert (result.exception.code, result.exception.status) == ("unauthenticated", 401)


@pytest.mark.slow
def test_catalog_through_the_server_shows_the_callers_view(served: tuple[str, Path]) -> None:
    url, _ = served
    result = runner.invoke(app, ["catalog", "--url", url, "--key", "demo-alice"])
    assert result.exit_code == 0, result.output
    names = {d["name"] for d in json.loads(result.output)["datasets"]}
    assert "customers" in names
    assert "hr_salaries" not in names


#: What a data command against a running gateway must not load: the server's engines and
#: models (seconds of start-up each), its web framework, its PII and SQL stacks.
SERVER_MODULES = (
    "torch",
    "sentence_transformers",
    "transformers",
    "onnxruntime",
    "spacy",
    "presidio_analyzer",
    "presidio_anonymizer",
    "duckdb",
    "sqlglot",
    "pyarrow",
    "regorus",
    "fastapi",
    "uvicorn",
    "starlette",
)

#: Runs ``hqg`` through its entry point as the console script does, then prints which of
#: the modules named in argv[1] (comma-separated) the process imported.
_PROBE = """
import atexit, sys
watched = sys.argv[1].split(",")
atexit.register(lambda: print("LOADED=" + ",".join(m for m in watched if m in sys.modules)))
sys.argv = ["hqg", *sys.argv[2:]]
from cli import main
main()
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["sql", "SELECT count(*) AS n FROM products"],
        ["sql", "SELECT name FROM products LIMIT 2", "--format", "csv"],
        ["search", "refund window", "--json"],
        ["ask", "How long is the refund window?"],
        ["catalog"],
    ],
    ids=["sql", "sql-csv", "search", "ask", "catalog"],
)
def test_a_data_command_with_url_loads_nothing_of_the_server(
    served: tuple[str, Path], command: list[str]
) -> None:
    url, _ = served
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(SERVER_MODULES), *command]
        + ["--url", url, "--key", "demo-alice"],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.rsplit("LOADED=", 1)[1].strip()
    assert loaded == "", f"hqg {command[0]} --url imported {loaded}"

"""Several processes on one workspace with the embedded vector index: while ``hqg serve``
runs, the CLI's data commands work without ``--url``, and a second ``hqg serve`` on the same
home is ready and answers searches (each process reads its own copy of the published
collection versions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from audit import tail
from cli.app import _register, app
from tests.load.served import serve, wait_until_ready
from tests.workspaces import copy_workspace

runner = CliRunner()
_register()
HYBRID = "SELECT v.chunk_id FROM vector_search('handbook', 'refund window', 3) v"


@pytest.fixture(scope="module")
def served(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("shared-home")
    home = copy_workspace(demo_home, root / "home")
    with serve(home, log=root / "server.log") as url:
        wait_until_ready(url)  # the server has opened and searched every collection
        yield url, home


def _last_action(home: Path) -> tuple[str, str, int]:
    (record,) = tail(home / "audit" / "audit.jsonl", 1)
    return record.principal_id or "", record.action, record.status


@pytest.mark.slow
def test_cli_search_without_url_works_while_a_server_runs(served: tuple[str, Path]) -> None:
    _, home = served
    result = runner.invoke(
        app, ["search", "refund window", "--home", str(home), "--key", "demo-alice", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"]
    assert _last_action(home) == ("alice", "search", 200)


@pytest.mark.slow
def test_cli_ask_and_hybrid_sql_without_url_work_while_a_server_runs(
    served: tuple[str, Path],
) -> None:
    _, home = served
    ask = runner.invoke(
        app,
        ["ask", "How long is the refund window?", "--home", str(home), "--key", "demo-alice"],
    )
    assert ask.exit_code == 0, ask.output
    assert _last_action(home)[1:] == ("ask", 200)
    sql = runner.invoke(app, ["sql", HYBRID, "--home", str(home), "--key", "demo-alice"])
    assert sql.exit_code == 0, sql.output
    assert "3 row(s)" in sql.output


@pytest.mark.slow
def test_a_second_server_on_the_same_home_is_ready_and_searches(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    first, home = served
    with serve(home, log=tmp_path / "second.log") as second:
        wait_until_ready(second)
        for url in (first, second):
            response = httpx.post(
                f"{url}/v1/search",
                json={"query": "refund window", "collections": ["handbook"]},
                headers={"Authorization": "Bearer demo-alice"},
                timeout=60,
            )
            assert response.status_code == 200, response.text
            assert response.json()["results"]

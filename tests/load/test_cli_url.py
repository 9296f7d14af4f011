"""The CLI's data commands with ``--url`` talk to a running gateway: they work while that
server holds the embedded vector index, and the server governs and audits them."""

from __future__ import annotations

import json
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

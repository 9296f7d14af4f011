"""``hqg sql`` formats and inputs, and ``hqg catalog`` for a principal, in-process on the demo."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import _register, app

pytestmark = pytest.mark.slow  # make test-fast skips it: CLI over the demo workspace

runner = CliRunner()
_register()
QUERY = "SELECT product_id, name, price FROM products ORDER BY product_id LIMIT 3"


def sql(home: Path, *args: str, stdin: str | None = None) -> str:
    result = runner.invoke(
        app, ["sql", *args, "--key", "demo-alice", "--home", str(home)], input=stdin
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_sql_prints_csv(demo_home: Path) -> None:
    rows = list(csv.reader(io.StringIO(sql(demo_home, QUERY, "--format", "csv"))))
    assert rows[0] == ["product_id", "name", "price"]
    assert len(rows) == 4


def test_sql_reads_the_statement_from_a_file_and_from_stdin(
    demo_home: Path, tmp_path: Path
) -> None:
    query_file = tmp_path / "q.sql"
    query_file.write_text(QUERY + "\n", encoding="utf-8")
    from_file = sql(demo_home, "--file", str(query_file), "--format", "json")
    from_stdin = sql(demo_home, "--format", "json", stdin=QUERY)
    from_dash = sql(demo_home, "-", "--format", "json", stdin=QUERY)
    rows = [json.loads(text)["rows"] for text in (from_file, from_stdin, from_dash)]
    assert rows[0] == rows[1] == rows[2]
    assert len(rows[0]) == 3


def test_sql_refuses_an_unknown_format_and_two_sources(demo_home: Path, tmp_path: Path) -> None:
    bad = runner.invoke(
        app, ["sql", QUERY, "--format", "xml", "--key", "demo-alice", "--home", str(demo_home)]
    )
    assert bad.exit_code != 0
    assert "--format must be table, csv or json" in str(bad.exception)
    query_file = tmp_path / "q.sql"
    query_file.write_text(QUERY, encoding="utf-8")
    both = runner.invoke(
        app,
        ["sql", QUERY, "--file", str(query_file), "--key", "demo-alice", "--home", str(demo_home)],
    )
    assert both.exit_code != 0
    assert "not both" in str(both.exception)


def test_piped_table_is_not_cut_at_80_columns(demo_home: Path) -> None:
    wide = "SELECT repeat('x', 150) AS wide_value_column_name"
    output = sql(demo_home, wide)
    assert "x" * 150 in output
    catalog = runner.invoke(app, ["catalog", "--home", str(demo_home)])
    assert catalog.exit_code == 0
    assert max(len(line) for line in catalog.output.splitlines()) > 80
    assert "…" not in catalog.output


def test_catalog_for_a_principal_is_json_with_columns_and_search_columns(
    demo_home: Path,
) -> None:
    result = runner.invoke(app, ["catalog", "--key", "demo-alice", "--home", str(demo_home)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert "hr_salaries" not in {d["name"] for d in body["datasets"]}
    assert body["withheld"] == 0  # hr_salaries is neither named nor counted
    tickets = {c["name"]: c for c in body["collections"]}["tickets"]
    assert "lexical_score" in [c["name"] for c in tickets["vector_search_columns"]]
    customers = {d["name"]: d for d in body["datasets"]}["customers"]
    assert {c["name"]: c["mask"] for c in customers["columns"]}["email"] == "placeholder"

"""``hqg sql``: run governed SQL from the terminal, as a principal (in-process or remote)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.options import (
    DEFAULT_HOME,
    HomeOption,
    JsonOption,
    KeyOption,
    PurposeOption,
)
from cli.remote import UrlOption, governed
from cli.text import output_console, shown
from gateway.responses import SqlResponse
from hqg.errors import InvalidParameter
from transports.formats import TableFormat, to_csv

if TYPE_CHECKING:
    from gateway.context import RequestContext
    from gateway.service import Gateway

#: ``hqg sql`` prints a table, CSV or the JSON response (Arrow is for /v1/sql and the client).
CLI_FORMATS = (TableFormat.JSON, TableFormat.CSV)


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)


def sql(
    key: KeyOption,
    query: Annotated[
        str | None,
        typer.Argument(help="One SELECT statement; omitted or '-': read it from --file or stdin."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read the statement from this file.", dir_okay=False),
    ] = None,
    output: Annotated[
        str,
        typer.Option("--format", help="table (default), csv or json.", metavar="FORMAT"),
    ] = "table",
    purpose: PurposeOption = None,
    limit: Annotated[int | None, typer.Option(help="Row cap (policy may lower it).")] = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
    url: UrlOption = None,
) -> None:
    """Run QUERY under policy exactly as /v1/sql would, and audit it (in-process, or by the
    gateway at --url). The statement comes from QUERY, --file, or stdin (QUERY omitted or '-')."""
    chosen = "json" if as_json else output.strip().lower()
    if chosen not in ("table", *CLI_FORMATS):
        raise InvalidParameter("--format must be table, csv or json", parameter="format")
    text = statement(query, file)
    response = governed(
        SqlResponse,
        lambda gateway, ctx: _local_sql(gateway, ctx, sql=text, limit=limit),
        url=url,
        key=key,
        purpose=purpose,
        home=home,
        path="/v1/sql",
        body={"sql": text, "limit": limit},
    )
    if chosen == TableFormat.JSON:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2))
    elif chosen == TableFormat.CSV:
        typer.echo(to_csv(response), nl=False)
    else:
        print_sql_response(output_console(), response)


def _local_sql(
    gateway: Gateway, ctx: RequestContext, *, sql: str, limit: int | None
) -> SqlResponse:
    """The statement run in this process (the pipeline, and DuckDB, imported only here)."""
    from gateway.sql_pipeline import governed_sql

    return governed_sql(gateway, ctx, sql=sql, limit=limit)


def statement(query: str | None, file: Path | None) -> str:
    """The SQL text from exactly one of the argument, ``--file`` or stdin."""
    if query not in (None, "-") and file is not None:
        raise InvalidParameter(
            "give the query as an argument or --file, not both", parameter="file"
        )
    if query not in (None, "-"):
        return str(query)
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidParameter(
                f"cannot read --file ({type(exc).__name__})", parameter="file"
            ) from exc
    if sys.stdin.isatty():
        raise InvalidParameter(
            "no query: pass it as an argument, --file or on stdin", parameter="query"
        )
    return sys.stdin.read()


def print_sql_response(console: Console, response: SqlResponse) -> None:
    table = Table(*(shown(c.name) for c in response.columns))
    for row in response.rows:
        table.add_row(*("∅" if v is None else shown(v) for v in row))
    console.print(table)
    console.print(f"{response.row_count} row(s){' (truncated)' if response.truncated else ''}")
    for name, count in response.withheld.items():
        if count:
            console.print(f"withheld by policy: {count} row(s) of {name}")
    for name, columns in response.masking.items():
        if columns:
            masks = ", ".join(f"{c}={k.value}" for c, k in columns.items())
            console.print(f"masked in {name}: {masks}")
    for fresh in response.freshness:
        state = "[red]stale[/]" if fresh.stale else "fresh"
        console.print(
            f"{fresh.dataset}: as of {fresh.as_of} (age {fresh.age}, SLA {fresh.sla}) {state}"
        )
    console.print(f"decision {response.decision.id} · policy {response.decision.policy_hash[:12]}")

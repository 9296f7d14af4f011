"""``hqg sql``: run governed SQL from the terminal, as a principal (in-process or remote)."""

from __future__ import annotations

import json
from typing import Annotated

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
from cli.text import shown
from gateway.responses import SqlResponse


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)


def sql(
    query: Annotated[str, typer.Argument(help="One SELECT statement.")],
    key: KeyOption,
    purpose: PurposeOption = None,
    limit: Annotated[int | None, typer.Option(help="Row cap (policy may lower it).")] = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
    url: UrlOption = None,
) -> None:
    """Run QUERY under policy exactly as /v1/sql would, and audit it (in-process, or by the
    gateway at --url)."""
    from gateway.sql_pipeline import governed_sql

    response = governed(
        SqlResponse,
        lambda gateway, ctx: governed_sql(gateway, ctx, sql=query, limit=limit),
        url=url,
        key=key,
        purpose=purpose,
        home=home,
        path="/v1/sql",
        body={"sql": query, "limit": limit},
    )
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2))
        return
    print_sql_response(Console(), response)


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

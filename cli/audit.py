"""``hqg audit``: verify the hash chain and read the latest records."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from cli.options import DEFAULT_HOME, HomeOption, JsonOption
from cli.text import shown
from ingestion.workspace import Workspace

app = typer.Typer(help="The tamper-evident audit log.")


@app.command("verify")
def verify_command(home: HomeOption = DEFAULT_HOME) -> None:
    """Check every record's hash and link; exit 1 naming the first bad line."""
    from audit import verify

    report = verify(Workspace.open(home).audit_path)
    console = Console()
    if report.ok:
        console.print(f"[green]audit log intact[/]: {report.records} record(s)")
        return
    console.print(
        f"[red]audit log damaged[/] at line {report.first_bad_line}: {report.problem} "
        f"({report.records} good record(s) before it)"
    )
    raise typer.Exit(1)


@app.command("tail")
def tail_command(
    n: Annotated[int, typer.Option("-n", help="How many records.")] = 10,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
) -> None:
    """Print the last N records (they hold no raw PII)."""
    from audit import tail

    records = tail(Workspace.open(home).audit_path, n)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in records], indent=2))
        return
    console = Console()
    for record in records:
        outcome = "[green]allow[/]" if record.allowed else "[red]deny[/]"
        datasets = shown(",".join(d.name for d in record.datasets) or "-")
        console.print(
            f"{record.ts:%Y-%m-%d %H:%M:%S} {shown(record.request_id[:8])} "
            f"{shown(record.principal_id)} {shown(record.action)} {outcome} {record.status} "
            f"{datasets} rows={record.rows_returned}"
        )

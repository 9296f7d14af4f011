"""``hqg audit``: verify the hash chain, and query records by who, what, outcome and time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.options import DEFAULT_HOME, HomeOption, JsonOption
from cli.text import shown
from ingestion.workspace import Workspace

if TYPE_CHECKING:
    from audit.query import AuditEntry

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


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


@app.command("tail")
def tail_command(
    n: Annotated[int, typer.Option("-n", min=1, max=1000, help="How many records.")] = 10,
    principal: Annotated[str | None, typer.Option(help="Only this principal.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action (sql, chat, …; mcp.* for a family).")
    ] = None,
    outcome: Annotated[str | None, typer.Option(help="allowed or denied.")] = None,
    resource: Annotated[
        str | None, typer.Option("--resource", "--dataset", help="A dataset or collection.")
    ] = None,
    decision: Annotated[str | None, typer.Option(help="Only this decision id.")] = None,
    since: Annotated[datetime | None, typer.Option(help="At or after (UTC).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Before (UTC).")] = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
) -> None:
    """Print the newest N matching records, oldest first (they hold no raw PII)."""
    from audit.query import AuditFilter, Outcome, page

    if outcome is not None and outcome not in {o.value for o in Outcome}:
        raise typer.BadParameter("must be allowed or denied", param_hint="--outcome")
    flt = AuditFilter(
        principal=principal,
        action=action,
        outcome=Outcome(outcome) if outcome else None,
        resource=resource,
        decision_id=decision,
        since=_utc(since),
        until=_utc(until),
    )
    entries = list(reversed(page(Workspace.open(home).audit_path, flt, limit=n).entries))
    if as_json:
        typer.echo(json.dumps([_json(e) for e in entries], indent=2))
        return
    console = Console(highlight=False)
    for entry in entries:
        _print_line(console, entry)


@app.command("show")
def show_command(
    ident: Annotated[str, typer.Argument(help="Request id, decision id or line number.")],
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Print one record in full (JSON), found by request id, decision id or line number."""
    from audit.query import find

    entry = find(Workspace.open(home).audit_path, ident)
    if entry is None:
        typer.echo(
            shown(f"no audit record with request id, decision id or line number {ident}"), err=True
        )
        raise typer.Exit(1)
    typer.echo(json.dumps(_json(entry), indent=2))


def _json(entry: AuditEntry) -> dict[str, object]:
    return {"seq": entry.seq, **entry.record.model_dump(mode="json")}


def _print_line(console: Console, entry: AuditEntry) -> None:
    record = entry.record
    outcome = "[green]allow[/]" if record.allowed else "[red]deny[/]"
    datasets = shown(",".join(d.name for d in record.datasets) or "-")
    console.print(
        f"{entry.seq} {record.ts:%Y-%m-%d %H:%M:%S} {shown(record.request_id[:8])} "
        f"{shown(record.principal_id)} {shown(record.action)} {outcome} {record.status} "
        f"{datasets} rows={record.rows_returned}"
    )

"""``hqg usage``: requests and rows per tenant and principal, from the usage ledger."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.options import DEFAULT_HOME, HomeOption, JsonOption
from cli.text import shown
from hqg.errors import ConfigError

if TYPE_CHECKING:
    from gateway.ops.usage import UsageTotals

_RELATIVE = re.compile(r"^(\d{1,6})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_COLUMNS = (
    "tenant",
    "principal",
    "requests",
    "refused",
    "rows",
    "scanned",
    "withheld",
    "chunks",
    "tokens",
)
SinceOption = Annotated[
    str | None,
    typer.Option(help="Only requests at or after this: ISO date/time (UTC) or 30m, 24h, 7d."),
]


def register(app: typer.Typer) -> None:
    app.command("usage")(usage)


def parse_since(text: str, *, now: datetime) -> datetime:
    """An absolute ISO date/time (naive means UTC) or a span back from ``now``."""
    relative = _RELATIVE.match(text.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - timedelta(**{_UNITS[unit]: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError("--since takes an ISO date/time or a span like 24h or 7d") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def usage(
    home: HomeOption = DEFAULT_HOME,
    since: SinceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Aggregate HOME's usage ledger per tenant and per principal."""
    from gateway.ops.usage import aggregate, ledger_path, read_usage
    from ingestion.workspace import Workspace

    workspace = Workspace.open(home)
    start = parse_since(since, now=datetime.now(UTC)) if since else None
    report = aggregate(read_usage(ledger_path(workspace.home)), since=start)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    table = Table(*_COLUMNS)
    for tenant, totals in sorted(report.tenants.items()):
        table.add_row(shown(tenant), "[bold]all[/]", *_cells(totals))
        for principal, sub in sorted(report.principals.get(tenant, {}).items()):
            table.add_row("", shown(principal), *_cells(sub))
    console = Console()
    console.print(table)
    if report.skipped:
        console.print(f"[yellow]{report.skipped} unreadable line(s) skipped[/]")


def _cells(totals: UsageTotals) -> list[str]:
    fields = (
        "requests",
        "refused",
        "rows_returned",
        "rows_scanned",
        "rows_withheld",
        "chunks",
        "tokens",
    )
    return [str(getattr(totals, name)) for name in fields]

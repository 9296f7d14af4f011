"""``hqg catalog`` and ``hqg contract``: what is in the workspace, and its contracts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.options import DEFAULT_HOME, HomeOption, JsonOption
from cli.remote import UrlOption, call
from cli.text import shown
from hqg.errors import AuthError
from ingestion.catalog import Catalog
from ingestion.workspace import Workspace
from retrieval.provenance import freshness_of

contract_app = typer.Typer(help="Show dataset contracts.")


def register(app: typer.Typer) -> None:
    app.command("catalog")(catalog)


def catalog(
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
    url: UrlOption = None,
    key: Annotated[
        str | None, typer.Option("--key", envvar="HQG_API_KEY", help="API key (with --url).")
    ] = None,
) -> None:
    """List datasets with version, row counts, freshness (age vs SLA, stale flag) and the PII
    detector version that scanned the version's free-text columns (``hqg ingest table``
    re-scans them when it is not the current one).

    With --url, print instead what the key's principal may see on that gateway (its
    ``/v1/catalog``, as JSON)."""
    if url:
        if not key:
            raise AuthError("--url needs --key (or HQG_API_KEY): the gateway answers principals")
        typer.echo(json.dumps(call(url, key, "GET", "/v1/catalog"), indent=2))
        return
    workspace = Workspace.open(home)
    now = datetime.now(UTC)
    rows = []
    for dataset in Catalog(workspace.catalog_path).datasets():
        current = dataset.current
        fresh = freshness_of(dataset, now=now)
        rows.append(
            {
                "dataset": dataset.name,
                "classification": dataset.contract.classification.value,
                "version": current.version if current else None,
                "rows": current.row_count if current else 0,
                "quarantined": current.quarantined_count if current else 0,
                "as_of": current.as_of.isoformat() if current else None,
                "pii_detector": current.pii_detector if current else "",
                **fresh.model_dump(mode="json", exclude={"dataset", "as_of"}),
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=shown(f"catalog {workspace.home}"))
    columns = ("dataset", "class", "version", "rows", "quarantined", "age", "sla", "stale", "pii")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(
            shown(row["dataset"]),
            shown(row["classification"]),
            shown(row["version"] or "-"),
            str(row["rows"]),
            str(row["quarantined"]),
            row["age"] or "-",
            row["sla"],
            "[red]stale[/]" if row["stale"] else "fresh",
            shown(row["pii_detector"] or "-"),
        )
    Console().print(table)


@contract_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Print a dataset's recorded contract as YAML (edit it and pass it with --contract)."""
    dataset = Catalog(Workspace.open(home).catalog_path).dataset(name)
    typer.echo(f"# origin: {dataset.contract_origin}")
    typer.echo(dataset.contract.to_yaml(), nl=False)

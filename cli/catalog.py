"""``hqg catalog`` and ``hqg contract``: what is in the workspace, and its contracts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.options import DEFAULT_HOME, HomeOption, JsonOption, PurposeOption, acting_as
from cli.remote import UrlOption, call
from cli.text import output_console, shown
from gateway.responses import CatalogResponse
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
        str | None,
        typer.Option(
            "--key",
            envvar="HQG_API_KEY",
            help="API key: list what this principal may query (required with --url).",
        ),
    ] = None,
    purpose: PurposeOption = None,
) -> None:
    """List datasets with version, row counts, freshness (age vs SLA, stale flag) and the PII
    detector version that scanned the version's free-text columns (``hqg ingest table``
    re-scans them when it is not the current one).

    With --key, print instead what that principal may query, as ``/v1/catalog`` answers it, as
    JSON: each dataset's columns (type, tags, mask), each collection's payload fields and the
    columns ``vector_search()`` returns (in this process, or from the gateway at --url)."""
    if url or key:
        if not key:
            raise AuthError("--url needs --key (or HQG_API_KEY): the gateway answers principals")
        response = governed_catalog(url=url, key=key, purpose=purpose, home=home)
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2))
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
    output_console().print(table)


def governed_catalog(
    *, url: str | None, key: str, purpose: str | None, home: Path
) -> CatalogResponse:
    """The key's principal's catalog, from the gateway at ``url`` or computed here."""
    if url:
        return CatalogResponse.model_validate(call(url, key, "GET", "/v1/catalog", purpose=purpose))
    from gateway.catalog_view import catalog_view

    with acting_as(home, key, purpose) as (gateway, ctx):
        return catalog_view(gateway, ctx)


@contract_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Print a dataset's recorded contract as YAML (edit it and pass it with --contract)."""
    dataset = Catalog(Workspace.open(home).catalog_path).dataset(name)
    typer.echo(f"# origin: {dataset.contract_origin}")
    typer.echo(dataset.contract.to_yaml(), nl=False)

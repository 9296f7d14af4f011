"""``hqg ingest``: load files into the workspace, with a progress bar and a summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cli.options import DEFAULT_HOME, HomeOption
from cli.text import shown
from gateway.settings import load_settings
from gateway.wiring import catalog_vocabulary
from ingestion.contracts import Classification, load_contract
from ingestion.documents.report import DocRunReport
from ingestion.documents.tenancy import Tenancy
from ingestion.tables import IngestReport, ingest_table
from ingestion.tables import Progress as Progress_
from ingestion.workspace import Workspace
from privacy.detector import build_detector

app = typer.Typer(help="Load data into the workspace (the gateway may keep running).")


@app.command("table")
def table(
    path: Annotated[Path, typer.Argument(help="CSV, TSV, Parquet, JSON or NDJSON file.")],
    dataset: Annotated[str, typer.Option("--dataset", help="Dataset (table) name.")],
    contract: Annotated[
        Path | None,
        typer.Option(
            "--contract",
            help="Contract YAML; without it the recorded one is used, "
            "or one is inferred on first ingest.",
        ),
    ] = None,
    rescan_pii: Annotated[
        bool,
        typer.Option(
            help="Re-scan the free-text columns for PII even when the file is unchanged and "
            "was scanned by the current detector (stale ones are always re-scanned)."
        ),
    ] = False,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Ingest one file as a new version of DATASET: checked, quarantined, swapped atomically."""
    given = load_contract(contract) if contract else None
    workspace = Workspace.create(home)
    settings = load_settings(home=home)
    console = Console(stderr=True)
    with console.status("loading the PII detector…"):
        detector = build_detector(settings.privacy, vocabulary=catalog_vocabulary(settings))
    with ingest_progress(console) as report:
        result = ingest_table(
            workspace,
            path,
            dataset=dataset,
            detector=detector,
            contract=given,
            limits=settings.ingest,
            progress=report,
            rescan_pii=rescan_pii,
        )
    print_report(Console(), result)
    if result.run.outcome == "rejected":
        raise typer.Exit(1)


@contextmanager
def ingest_progress(console: Console) -> Iterator[Progress_]:
    """A rich progress display fed by ingestion's ``(stage, done, total)`` callback."""
    with Progress(
        TextColumn("{task.description:>16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report


def print_report(console: Console, report: IngestReport) -> None:
    """The summary table at the end of an ingest."""
    run = report.run
    table = Table(title=shown(f"ingest {run.dataset}: {run.outcome}"), show_header=False)
    table.add_row("version", shown(run.version or "-"))
    table.add_row("rows read", str(run.rows_read))
    table.add_row("rows loaded", str(run.rows_loaded))
    table.add_row("rows quarantined", str(run.rows_quarantined))
    table.add_row("contract", shown(report.contract_origin))
    if run.report.get("pii_detector"):
        table.add_row("pii detector", shown(str(run.report["pii_detector"])))
    if run.report.get("pii_rescan"):
        table.add_row("pii re-scan", shown(str(run.report["pii_rescan"])))
    if run.quarantine_file:
        table.add_row("quarantine file", shown(run.quarantine_file))
    for reason, count in report.quarantine_reasons.items():
        table.add_row("  reason", shown(f"{count} × {reason}"))
    for warning in report.warnings:
        table.add_row("[yellow]warning[/]", shown(warning))
    console.print(table)


@app.command("docs")
def docs(
    path: Annotated[Path, typer.Argument(help="A .txt/.md/.html/.pdf file or a directory.")],
    collection: Annotated[str, typer.Option("--collection", help="Collection name.")],
    tenant: Annotated[
        str | None,
        typer.Option(
            help="Tenant of every document of this run (front matter may only repeat it)."
        ),
    ] = None,
    all_tenants: Annotated[
        bool,
        typer.Option(
            "--all-tenants", help="Publish the documents for every tenant (recorded per document)."
        ),
    ] = False,
    tenancy: Annotated[
        Tenancy | None,
        typer.Option(
            help="Declare how the collection's documents get their tenant (first run; "
            "'path': the first directory under the collection root)."
        ),
    ] = None,
    classification: Annotated[
        Classification | None, typer.Option(help="Classification (front matter may raise it).")
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option("--label", help="A label for every document (repeat).")
    ] = None,
    keep_injections: Annotated[
        bool,
        typer.Option(
            help="Index documents scored as injections (marked) instead of quarantining them."
        ),
    ] = False,
    rescan_pii: Annotated[
        bool,
        typer.Option(
            help="Re-scan every document for PII, even those already scanned by the current "
            "detector (stale ones are always re-scanned)."
        ),
    ] = False,
    source_dataset: Annotated[
        list[str] | None,
        typer.Option(
            "--source-dataset",
            help="A dataset the documents were written from (repeat; replaces the list): "
            "hqg policy check --home warns when policy treats the two differently.",
        ),
    ] = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Ingest documents into COLLECTION: parsed, chunked, PII-tagged, scored, embedded."""
    from gateway.wiring import build_components
    from ingestion.documents.pipeline import ingest_documents

    workspace = Workspace.create(home)
    settings = load_settings(home=home)
    components = build_components(settings)
    console = Console(stderr=True)
    with console.status("loading the PII detector and the embedding model…"):
        detector, embedder = components.pii.get(), components.embedder.get()
        embedder.embed([])  # loads the stored-text runtime now, not under the first progress step
    try:
        with ingest_progress(console) as report:
            result = ingest_documents(
                workspace,
                path,
                collection=collection,
                detector=detector,
                injection=components.document_injection(),
                embedder=embedder,
                writer=components.writer,
                tenant=tenant,
                all_tenants=all_tenants,
                tenancy=tenancy,
                classification=classification,
                labels=tuple(label or ()),
                injection_threshold=settings.guards.injection_threshold,
                quarantine_injections=not keep_injections,
                limits=settings.ingest,
                progress=report,
                rescan_pii=rescan_pii,
            )
    finally:
        components.close()
    if source_dataset:
        from ingestion.documents.catalog import DocumentCatalog

        DocumentCatalog(workspace.catalog_path).link_sources(collection, source_dataset)
    print_doc_report(Console(), result)  # an aborted run raised: the CLI's error exit


def print_doc_report(console: Console, report: DocRunReport) -> None:
    """The summary table at the end of a document ingest."""
    table = Table(title=shown(f"ingest docs into {report.collection}"), show_header=False)
    for action, count in report.counts.items():
        if count:
            table.add_row(action, str(count))
    for outcome in report.outcomes:
        if outcome.reasons:
            table.add_row(
                f"[yellow]{outcome.action.value}[/]",
                shown(f"{outcome.display_source}: {'; '.join(outcome.reasons)}"),
            )
        for warning in outcome.warnings:
            table.add_row("[yellow]warning[/]", shown(f"{outcome.display_source}: {warning}"))
    if report.aborted:
        table.add_row("[red]aborted[/]", shown(report.aborted))
    console.print(table)

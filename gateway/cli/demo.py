"""``hqg demo``: build the deterministic demo workspace."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from gateway.cli.ingest import ingest_progress
from gateway.cli.options import DEFAULT_HOME, HomeOption
from gateway.demo.build import build_demo
from gateway.demo.principals import demo_principals
from gateway.settings import load_settings
from ingestion.workspace import Workspace
from privacy.detector import PresidioDetector


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    home: HomeOption = DEFAULT_HOME,
    seed: int = typer.Option(7, help="Faker seed: the same seed builds the same data."),
) -> None:
    """Build the multi-tenant e-commerce demo (tenants acme and globex) in HOME."""
    Workspace.create(home)
    settings = load_settings(home=home)
    console = Console(stderr=True)
    with console.status("loading the PII detector…"):
        detector = PresidioDetector(settings.privacy)
    with ingest_progress(console) as report:
        results = build_demo(home, detector=detector, seed=seed, progress=report)
    table = Table(title=f"demo workspace {settings.workspace.home}")
    for column in ("dataset", "outcome", "version", "rows", "quarantined"):
        table.add_column(column)
    for result in results:
        run = result.run
        table.add_row(
            run.dataset,
            run.outcome,
            run.version or "-",
            str(run.rows_loaded),
            str(run.rows_quarantined),
        )
    Console().print(table)
    keys = ", ".join(key for key, _ in demo_principals())
    Console().print(f"demo API keys: {keys}")

"""``hqg demo``: build the deterministic demo workspace.

The demo is not part of the product: its generator needs Faker, the ``demo`` extra
(``pip install 'hqg[demo]'``; ``make install`` has it). Without it, ``hqg`` still runs every
other command and ``hqg demo`` says what to install.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cli.ingest import ingest_progress
from cli.options import DEFAULT_HOME, HomeOption
from cli.text import shown
from gateway.settings import load_settings
from gateway.wiring import build_components
from hqg.errors import ConfigError
from ingestion.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    home: HomeOption = DEFAULT_HOME,
    seed: int = typer.Option(7, help="Faker seed: the same seed builds the same data."),
) -> None:
    """Build the multi-tenant e-commerce demo (tenants acme and globex) in HOME."""
    try:
        from demo.build import build_demo
        from demo.principals import demo_principals
    except ModuleNotFoundError as exc:
        if exc.name != "faker":
            raise
        raise ConfigError("hqg demo needs Faker: pip install 'hqg[demo]'") from exc
    Workspace.create(home)
    settings = load_settings(home=home)
    components = build_components(settings)
    console = Console(stderr=True)
    try:
        with console.status("loading the PII detector and the embedding model…"):
            components.pii.get()
            components.embedder.get()
        with ingest_progress(console) as progress:
            result = build_demo(
                home,
                components=components,
                seed=seed,
                injection_threshold=settings.guards.injection_threshold,
                progress=progress,
            )
    finally:
        components.close()
    out = Console()
    tables = Table(title=shown(f"demo workspace {settings.workspace.home}: tables"))
    for column in ("dataset", "outcome", "version", "rows", "quarantined"):
        tables.add_column(column)
    for run in (r.run for r in result.tables):
        tables.add_row(
            shown(run.dataset),
            shown(run.outcome),
            shown(run.version or "-"),
            str(run.rows_loaded),
            str(run.rows_quarantined),
        )
    out.print(tables)
    docs = Table(title="documents")
    for column in ("collection", "added", "updated", "unchanged", "quarantined", "failed"):
        docs.add_column(column)
    for report in result.collections:
        counts = report.counts
        docs.add_row(
            shown(report.collection),
            *(str(counts[k]) for k in ("added", "updated", "unchanged", "quarantined", "failed")),
        )
    out.print(docs)
    out.print(f"demo API keys: {', '.join(key for key, _ in demo_principals())}")

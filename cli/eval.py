"""``hqg eval run``: the evaluation suites that gate CI (``evals/``), with reports.

The CLI is the composition root, so it may reach up into ``evals`` (the one package above the
gateway) — through the single entry point ``evals.command.run_command``, imported inside the
command so ``hqg --help`` stays cheap. Exit codes: 0 every suite passed (or was skipped for
missing data), 1 a threshold failed or a suite errored, 2 bad arguments or configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hqg.errors import ConfigError

app = typer.Typer(help="Run the evaluation suites (enforcement, leakage, detectors, SQL guard).")


@app.callback()
def _group() -> None:
    """Evaluation suites (see docs/evals.md)."""


@app.command("run")
def run(
    suite: Annotated[
        list[str] | None,
        typer.Option("--suite", "-s", help="Suite to run (repeatable); default: all."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Report directory (default HOME/eval-reports/<time> or ./eval-report)."),
    ] = None,
    smoke: Annotated[
        bool, typer.Option("--smoke", help="Small deterministic subsets of the fast suites.")
    ] = False,
    home: Annotated[
        Path | None,
        typer.Option(envvar="HQG_HOME", help="Workspace whose eval-reports/ gets the report."),
    ] = None,
    corpora: Annotated[
        Path | None, typer.Option(help="Shared corpora directory (default ../shared/corpora).")
    ] = None,
    suites_dir: Annotated[
        Path | None,
        typer.Option(help="Directory of suite YAML files (default: the packaged evals/suites)."),
    ] = None,
) -> None:
    """Run the suites, write JSON/Markdown/HTML reports, exit 1 if any threshold fails."""
    from evals.command import run_command

    try:
        code = run_command(
            suites=suite,
            report=report,
            smoke=smoke,
            home=home,
            corpora=corpora,
            suites_dir=suites_dir,
            console=Console(stderr=True),
        )
    except ConfigError as exc:
        raise typer.BadParameter(exc.message, param_hint="--suite") from exc
    if code:
        raise typer.Exit(code=code)

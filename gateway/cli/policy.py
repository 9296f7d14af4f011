"""``hqg policy``: check and test the Rego bundle (usable in the security team's CI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Author and test Rego policies.")

BundleOption = Annotated[
    Path | None,
    typer.Option("--bundle", help="Policy bundle directory (default: the shipped policies/)."),
]


def _bundle(path: Path | None) -> Path:
    from policies import bundle_dir

    return path or bundle_dir()


@app.command("check")
def check(bundle: BundleOption = None) -> None:
    """Parse and compile every module; exit 1 naming each file that fails."""
    from gateway.policy.testing import check_bundle

    problems = check_bundle(_bundle(bundle))
    console = Console()
    for problem in problems:
        console.print(f"[red]{problem.file}[/]: {problem.message}")
    if problems:
        raise typer.Exit(1)
    console.print(f"policy bundle {_bundle(bundle)} compiles")


@app.command("test")
def run_policy_tests(
    bundle: BundleOption = None,
    coverage: Annotated[bool, typer.Option(help="Report line coverage.")] = True,
) -> None:
    """Run every ``test_*`` rule of the ``*_test.rego`` suites; exit 1 on any failure."""
    from gateway.policy.testing import run_tests

    report = run_tests(_bundle(bundle), coverage=coverage)
    console = Console()
    failed = [r for r in report.results if not r.passed]
    for result in report.results:
        mark = "[green]PASS[/]" if result.passed else "[red]FAIL[/]"
        detail = f"  {result.error}" if result.error else ""
        console.print(f"{mark} {result.package}.{result.name}{detail}")
    if coverage and report.coverage:
        table = Table("file", "covered", "not covered", "coverage")
        for item in report.coverage:
            total = len(item.covered) + len(item.not_covered)
            share = f"{100 * len(item.covered) / total:.0f}%" if total else "-"
            table.add_row(item.file, str(len(item.covered)), str(len(item.not_covered)), share)
        console.print(table)
    console.print(f"{len(report.results) - len(failed)} passed, {len(failed)} failed")
    if failed or not report.results:
        raise typer.Exit(1)

"""``hqg policy``: author, test, explain and simulate Rego policies (usable as CI gates).

``check``, ``test`` and ``fmt`` work on a bundle directory alone. ``eval`` and ``simulate`` run
in-process on a workspace as the principal whose key is given (it needs ``policy.evaluate`` /
``policy.simulate``, e.g. ``demo-sec``) and are audited like their HTTP twins.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.options import (
    DEFAULT_HOME,
    HomeOption,
    JsonOption,
    KeyOption,
    PurposeOption,
    acting_as,
)
from cli.text import shown

if TYPE_CHECKING:
    from authz.testing import RegoTestReport
    from gateway.admin.explain import EvaluateResponse
    from gateway.admin.simulate import SimulationReport

app = typer.Typer(help="Author, test, explain and simulate Rego policies.")

BundleOption = Annotated[
    Path | None,
    typer.Option("--bundle", help="Policy bundle directory (default: the shipped policies/)."),
]


def _bundle(path: Path | None) -> Path:
    from policies import bundle_dir

    return path or bundle_dir()


@app.command("check")
def check(
    bundle: BundleOption = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Also lint against this workspace: warn where a collection and the dataset "
            "it was built from are granted, refused or masked differently.",
        ),
    ] = None,
) -> None:
    """Parse, compile strictly (regorus and, if installed, OPA) and check formatting."""
    from authz.check import strict_check

    problems, notes = strict_check(_bundle(bundle))
    console = Console()
    for problem in problems:
        console.print(f"[red]{shown(problem.file)}[/]: {shown(problem.message)}", highlight=False)
    if problems:
        raise typer.Exit(1)
    console.print(
        shown(f"policy bundle {_bundle(bundle)} is ready ({'; '.join(notes)})"), highlight=False
    )
    if home is not None:
        _lint_workspace(console, _bundle(bundle), home)


def _lint_workspace(console: Console, directory: Path, home: Path) -> None:
    """Warn (exit 0) about collections treated apart from their source datasets."""
    from authz.bundle import load_bundle
    from authz.regorus_engine import RegorusEngine
    from gateway.admin.consistency import consistency_warnings
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway

    gateway = build_gateway(load_settings(home=home))
    try:
        warnings = consistency_warnings(
            RegorusEngine(load_bundle(directory), cache_size=0),
            principals=gateway.principals.principals(),
            datasets={name: d.contract for name, d in gateway.datasets().items()},
            collections=gateway.documents.collections(),
        )
    finally:
        gateway.close()
    for warning in warnings:
        console.print(f"[yellow]warning[/]: {shown(warning.message)}", highlight=False)
    linked = "" if warnings else " (collections and their source datasets agree)"
    console.print(f"{len(warnings)} consistency warning(s){linked}")


@app.command("fmt")
def fmt(
    bundle: BundleOption = None,
    check_only: Annotated[bool, typer.Option("--check", help="Only list; exit 1 if any.")] = False,
) -> None:
    """Normalise whitespace of every .rego file (tabs, no trailing blanks, one final newline)."""
    from authz.fmt import format_bundle, unformatted

    directory = _bundle(bundle)
    files = unformatted(directory) if check_only else format_bundle(directory)
    verb = "would reformat" if check_only else "reformatted"
    for path in files:
        typer.echo(f"{verb} {path.relative_to(directory).as_posix()}")
    typer.echo(f"{len(files)} file(s) {verb}")
    if check_only and files:
        raise typer.Exit(1)


@app.command("test")
def run_policy_tests(
    bundle: BundleOption = None,
    coverage: Annotated[bool, typer.Option(help="Report line coverage.")] = True,
    min_coverage: Annotated[
        float, typer.Option(help="Fail below this line coverage (percent).")
    ] = 0.0,
) -> None:
    """Run every ``test_*`` rule of the ``*_test.rego`` suites; exit 1 on any failure."""
    from authz.testing import run_tests

    report = run_tests(_bundle(bundle), coverage=coverage)
    _print_tests(Console(highlight=False), report, coverage=coverage)
    failed = len(report.failures)
    if failed or not report.results:
        raise typer.Exit(1)
    if coverage and report.coverage_percent < min_coverage:
        typer.echo(f"coverage {report.coverage_percent:.1f}% is below {min_coverage:g}%")
        raise typer.Exit(1)


def _print_tests(console: Console, report: RegoTestReport, *, coverage: bool) -> None:
    for result in report.results:
        mark = "[green]PASS[/]" if result.passed else "[red]FAIL[/]"
        detail = f"  {result.error}" if result.error else ""
        console.print(f"{mark} {shown(f'{result.package}.{result.name}{detail}')}")
        failure = result.failure
        if failure is not None:
            console.print(shown(f"    at {result.file}:{failure.line}: {failure.statement}"))
            console.print(shown(f"    expected: {failure.expected}"))
            console.print(shown(f"    actual:   {failure.actual}"))
            if failure.input is not None:
                console.print(shown(f"    input:    {failure.input}"))
    if coverage and report.coverage:
        table = Table("file", "covered", "not covered", "coverage")
        for item in report.coverage:
            total = len(item.covered) + len(item.not_covered)
            share = f"{item.percent:.0f}%" if total else "-"
            table.add_row(
                shown(item.file), str(len(item.covered)), str(len(item.not_covered)), share
            )
        console.print(table)
        console.print(f"coverage {report.coverage_percent:.1f}%")
    failed = len(report.failures)
    console.print(f"{len(report.results) - failed} passed, {failed} failed")


@app.command("eval")
def eval_as(
    principal: Annotated[str, typer.Option("--as", help="Principal id to explain as.")],
    key: KeyOption,
    sql: Annotated[
        str | None, typer.Option("--sql", help="The SQL to explain (not executed).")
    ] = None,
    action: Annotated[
        str, typer.Option(help="sql, search, ask or chat (default: sql with --sql, else search).")
    ] = "",
    collection: Annotated[
        list[str] | None, typer.Option(help="A collection searched (repeat; none: every one).")
    ] = None,
    question: Annotated[
        str | None, typer.Option(help="Ask/chat: the question (its protected attributes).")
    ] = None,
    purpose: PurposeOption = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
) -> None:
    """Explain what PRINCIPAL would get for SQL, a search, an ask or a chat: decision, rules
    fired, the SQL as it would run and rows, or the collections it would search."""
    from gateway.admin.explain import Explained, explain_as

    request = Explained(
        action=action or ("sql" if sql is not None else "search"),
        sql=sql,
        collections=collection or None,
        question=question,
    )
    with acting_as(home, key, None) as (gateway, ctx):
        response = explain_as(
            gateway, ctx, principal_id=principal, purpose=purpose, request=request
        )
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2))
        return
    _print_explain(Console(highlight=False), response)


def _print_explain(console: Console, response: EvaluateResponse) -> None:
    decision = response.decision
    outcome = "[green]allow[/]" if decision["allow"] else "[red]deny[/]"
    console.print(f"{shown(f'{response.principal} ({response.purpose})')}: {outcome}")
    for reason in decision["reasons"]:
        console.print(shown(f"  reason: {reason}"))
    for name, why in decision["denied"].items():
        console.print(shown(f"  denied {name}: {'; '.join(why)}"))
    for name, grant in decision["tables"].items():
        masks = ", ".join(f"{c}={k}" for c, k in grant["masks"].items()) or "none"
        console.print(
            shown(f"  {name}: row filter {json.dumps(grant['row_filter'])}; masks {masks}")
        )
    for name, rows in response.rows.items():
        if rows.counts_withheld:
            console.print(shown(f"  rows of {name}: {rows.counts_withheld}"))
        else:
            console.print(
                shown(f"  rows of {name}: {rows.visible} visible, {rows.withheld} withheld")
            )
    for name, grant in decision["collections"].items():
        masks = ", ".join(f"{e}={k}" for e, k in grant["mask_entities"].items()) or "none"
        console.print(
            shown(f"  collection {name}: filter {json.dumps(grant['filter'])}; masks {masks}")
        )
    if response.sql_submitted is not None:
        console.print(shown(f"SQL as it would execute: {response.sql_executed or '-'}"))
    else:
        asked = ", ".join(response.collections) or "-"
        console.print(shown(f"{response.action} over collections: {asked}"))
    if response.denied_reason:
        label = "not executable" if response.sql_submitted is not None else "would be refused"
        console.print(shown(f"{label}: {response.denied_reason}"))
    if response.trace is not None:
        rules = ", ".join(r.rule.removeprefix("data.") for r in response.trace.rules)
        console.print(shown(f"rules fired ({response.trace.engine}): {rules}"))
    elif response.trace_note:
        console.print(shown(response.trace_note))
    summary = decision["summary"]
    console.print(f"decision {summary['id']} · policy {summary['policy_hash'][:12]}")


@app.command("simulate")
def simulate_command(
    candidate: Annotated[Path, typer.Option("--candidate", help="Candidate bundle directory.")],
    key: KeyOption,
    since: Annotated[
        datetime | None, typer.Option(help="Replay records at or after this time (UTC).")
    ] = None,
    cursor: Annotated[
        int | None, typer.Option(help="Resume where a report's cursor says (large logs).")
    ] = None,
    allow_flips: Annotated[
        bool, typer.Option("--allow-flips", help="Exit 0 even if decisions flip.")
    ] = False,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
) -> None:
    """Replay the audit log under CANDIDATE; exit 1 if any decision flips (a CI gate)."""
    from datetime import UTC

    from authz.bundle import load_bundle
    from gateway.admin.simulate import simulate

    when = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    with acting_as(home, key, None) as (gateway, ctx):
        report = simulate(
            gateway, ctx, candidate=lambda: load_bundle(candidate), since=when, cursor=cursor
        )
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        _print_simulation(Console(highlight=False), report)
    if report.flips and not allow_flips:
        raise typer.Exit(1)


def _count(value: int | None) -> str:
    return "withheld" if value is None else str(value)


def _print_simulation(console: Console, report: SimulationReport) -> None:
    console.print(
        f"policy {report.baseline_policy_hash[:12]} -> candidate "
        f"{report.candidate_policy_hash[:12]}: {report.replayed} of {report.records} "
        f"record(s) replayed, {len(report.changes)} would change"
    )
    for reason, count in report.skipped.items():
        console.print(shown(f"  skipped {count}: {reason}"))
    if report.cursor is not None:
        console.print(f"  more records remain: run again with --cursor {report.cursor}")
    table = Table("principal", "dataset", "requests", "allow→deny", "deny→allow")
    for column in ("masks added", "masks removed", "rows before", "rows after"):
        table.add_column(column)
    for item in report.impact:
        table.add_row(
            shown(item.principal),
            shown(item.dataset),
            str(item.requests),
            str(item.allow_to_deny),
            str(item.deny_to_allow),
            shown(", ".join(item.masks_added) or "-"),
            shown(", ".join(item.masks_removed) or "-"),
            _count(item.rows_before),
            _count(item.rows_after),
        )
    console.print(table)
    for reason in sorted({i.counts_withheld for i in report.impact if i.counts_withheld}):
        console.print(shown(f"  {reason}"))
    for change in report.changes:
        what = ", ".join(change.diff.facets()) or "rows"
        flip = f" {change.diff.flip}" if change.diff.flip else ""
        console.print(
            shown(f"  {change.request_id[:12]} {change.principal} {change.action}{flip}: {what}")
        )
    console.print(f"{report.allow_to_deny} allow→deny, {report.deny_to_allow} deny→allow")

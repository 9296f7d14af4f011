"""What ``hqg eval run`` does, behind the one entry point the CLI imports (``run_command``).

Keeping the work here means the gateway's CLI reaches into ``evals`` through exactly one
import, which the import-layer contract can name as its single exception.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from evals.config import SUITES_DIR, select_suites
from evals.context import DEFAULT_CORPORA, EvalContext
from evals.model import SuiteResult
from evals.report import write_reports
from evals.runner import run_suites

STATUS_STYLE = {"passed": "green", "failed": "bold red", "error": "bold red", "skipped": "yellow"}


def default_report_dir(home: Path | None, now: datetime) -> Path:
    """``HOME/eval-reports/<timestamp>`` when a home is given, else ``./eval-report``."""
    if home is None:
        return Path("eval-report")
    return home / "eval-reports" / now.strftime("%Y%m%dT%H%M%SZ")


def run_command(
    *,
    suites: list[str] | None,
    report: Path | None,
    smoke: bool,
    home: Path | None,
    corpora: Path | None,
    suites_dir: Path | None,
    console: Console,
) -> int:
    """Run the suites and write the reports; returns the exit code (0 passed, 1 failed).

    An unknown suite name raises ``ConfigError`` before anything runs."""
    configs = select_suites(suites, smoke=smoke, directory=suites_dir or SUITES_DIR)
    directory = report or default_report_dir(home, datetime.now(UTC))

    def show(result: SuiteResult) -> None:
        reason = f": {result.reason}" if result.reason else ""
        console.print(
            f"[{STATUS_STYLE[result.status]}]{result.status:>7}[/] {result.name} "
            f"({result.seconds:.1f} s){reason}",
            markup=True,
            highlight=False,
        )

    with EvalContext(smoke=smoke, corpora=corpora or DEFAULT_CORPORA) as ctx:
        outcome = run_suites(configs, ctx, on_result=show)
    paths = write_reports(outcome, directory)
    for suite in outcome.suites:
        for failed in (c for c in suite.checks if not c.passed):
            console.print(
                f"[red]FAIL[/] {suite.name}: {failed.threshold} (observed {failed.observed})"
            )
    console.print(f"reports: {paths['html']} (and report.json, report.md)")
    return 0 if outcome.passed else 1

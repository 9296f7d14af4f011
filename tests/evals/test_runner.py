"""The runner holds suites to their thresholds, and the CLI turns a failure into exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.eval import app
from evals.command import default_report_dir
from evals.config import available_suites, select_suites
from evals.context import EvalContext, SuiteSkipped
from evals.model import Metric, SuiteConfig, SuiteOutcome, Threshold
from evals.runner import run_suites
from evals.stats import wilson_interval
from hqg.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
SPIDER = REPO.parent / "shared" / "corpora" / "spider-dev"


def config(*thresholds: Threshold, name: str = "fake") -> SuiteConfig:
    return SuiteConfig(name=name, description="a test suite", module="fake", thresholds=thresholds)


def outcome(value: float, *, ci: tuple[int, int] | None = None) -> SuiteOutcome:
    interval = wilson_interval(*ci) if ci else None
    return SuiteOutcome(metrics=(Metric(name="rate", value=value, ci=interval),))


def run_one(cfg: SuiteConfig, result: SuiteOutcome, *, smoke: bool = False):  # type: ignore[no-untyped-def]
    with EvalContext(smoke=smoke) as ctx:
        return run_suites([cfg], ctx, measures={cfg.name: lambda _ctx, _cfg: result})


def test_a_failing_threshold_fails_the_suite_and_the_run() -> None:
    report = run_one(config(Threshold(metric="rate", op=">=", value=0.9)), outcome(0.5))
    (suite,) = report.suites
    assert suite.status == "failed"
    assert not suite.checks[0].passed
    assert not report.passed


def test_met_thresholds_pass() -> None:
    report = run_one(config(Threshold(metric="rate", op="<=", value=0.1)), outcome(0.0))
    assert report.suites[0].status == "passed"
    assert report.passed


def test_a_metric_the_suite_did_not_report_fails_its_check() -> None:
    report = run_one(config(Threshold(metric="absent", op="==", value=0)), outcome(0.0))
    assert report.suites[0].checks[0].basis == "missing"
    assert not report.passed


def test_a_suite_that_raises_is_an_error_and_fails_the_run() -> None:
    def broken(_ctx: EvalContext, _cfg: SuiteConfig) -> SuiteOutcome:
        raise RuntimeError("boom")

    with EvalContext(smoke=False) as ctx:
        report = run_suites([config()], ctx, measures={"fake": broken})
    assert report.suites[0].status == "error"
    assert "RuntimeError" in (report.suites[0].reason or "")
    assert not report.passed


def test_a_suite_without_its_data_is_skipped_without_failing_the_run() -> None:
    def absent(_ctx: EvalContext, _cfg: SuiteConfig) -> SuiteOutcome:
        raise SuiteSkipped("shared corpus not found")

    with EvalContext(smoke=False) as ctx:
        report = run_suites([config()], ctx, measures={"fake": absent})
    assert report.suites[0].status == "skipped"
    assert report.passed


def test_smoke_runs_judge_sampled_rates_by_their_interval() -> None:
    floor = config(Threshold(metric="rate", op=">=", value=0.6))
    sampled = outcome(0.5, ci=(10, 20))  # 0.5, 95 % CI [0.30, 0.70]
    assert run_one(floor, sampled, smoke=True).passed
    assert not run_one(floor, sampled, smoke=False).passed


def test_every_packaged_suite_loads_and_retrieval_is_not_in_smoke() -> None:
    suites = available_suites()
    assert set(suites) >= {
        "enforcement",
        "leakage",
        "injection",
        "pii",
        "sql-guard",
        "retrieval",
        "latency",
    }
    assert all(s.thresholds for s in suites.values())
    assert "retrieval" not in {s.name for s in select_suites(None, smoke=True)}


def test_an_unknown_suite_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown suite"):
        select_suites(["nope"], smoke=False)


def test_default_report_directory_is_under_home_or_local() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert default_report_dir(None, now) == Path("eval-report")
    assert default_report_dir(Path("/h"), now) == Path("/h/eval-reports/20261101T120000Z")


def test_cli_rejects_an_unknown_suite_with_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--suite", "nope", "--report", str(tmp_path)])
    assert result.exit_code == 2


@pytest.mark.slow
@pytest.mark.skipif(not SPIDER.is_dir(), reason="shared Spider corpus not present")
def test_cli_exits_non_zero_when_a_threshold_fails(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "strict-guard.yaml").write_text(
        "name: strict-guard\n"
        "description: the sql-guard suite held to an impossible threshold\n"
        "module: sql_guard\n"
        "data: {redteam: tests/fixtures/sql/redteam.jsonl,"
        " redteam_data: tests/retrieval/sql_fixture_data.py}\n"
        "thresholds: [{metric: spider_false_rejection_rate, op: '<', value: 0}]\n",
        encoding="utf-8",
    )
    report = tmp_path / "report"
    result = CliRunner().invoke(app, ["run", "--suites-dir", str(suites), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert (report / "report.json").is_file()
    assert '"status": "failed"' in (report / "report.json").read_text(encoding="utf-8")

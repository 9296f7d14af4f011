"""SQL guard: the red-team fixture must pass in full; Spider's benign SQL must rarely be refused.

Red team: ``tests/fixtures/sql/redteam.jsonl`` (read by path) runs end to end through
``retrieval.sql.run_governed_sql`` on DuckDB files built from the fixture data the retrieval
tests use (``tests/retrieval/sql_fixture_data.py``, loaded by path), as an acme analyst: an
``unsafe:<rule>`` case must be refused by that rule, ``denied:<text>`` by policy naming it,
``ok`` must run (with the expected row count when given) and leak none of the fixture secrets.
Spider: every dev gold query through ``retrieval.sql.guard_sql`` with its schema granted.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from evals.context import EvalContext
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.stats import deterministic_sample, wilson_interval
from hqg.errors import AccessDenied, HqgError, UnsafeQuery
from hqg.predicates import parse_predicate
from ingestion.contracts import parse_contract
from privacy.operators import MaskKind
from retrieval.grants import TableGrant
from retrieval.sql import (
    EngineSettings,
    GuardContext,
    QueryEngine,
    SqlLimits,
    TableSource,
    guard_sql,
    run_governed_sql,
)

LIMITS = SqlLimits(max_rows=50, timeout_seconds=5.0)


def load_fixture_module(path: Path) -> ModuleType:
    """The retrieval tests' fixture data (CONTRACTS, ROWS, SECRETS, SALT), loaded by path."""
    spec = importlib.util.spec_from_file_location("hqg_eval_sql_fixture_data", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_sources(fixture: ModuleType, directory: Path) -> dict[str, TableSource]:
    """One DuckDB file per fixture table (table ``data``), as the retrieval tests build them."""
    sources = {}
    for name, raw in fixture.CONTRACTS.items():
        contract = parse_contract(raw, source=f"{name}.yaml")
        path = directory / f"{name}.duckdb"
        con = duckdb.connect(str(path))
        try:
            columns = ", ".join(f'"{c.name}" {c.type}' for c in contract.columns)
            con.execute(f"CREATE TABLE data ({columns})")
            marks = ", ".join("?" for _ in contract.columns)
            rows = [list(r) for r in fixture.ROWS[name]]
            con.executemany(f"INSERT INTO data VALUES ({marks})", rows)  # noqa: S608 - placeholders only
        finally:
            con.close()
        sources[name] = TableSource(contract=contract, database=path, version=f"{name}-v1")
    return sources


def acme_analyst_grants() -> dict[str, TableGrant]:
    """The grants of ``tests/retrieval/conftest.py`` (rows of acme, PII masked, no HR)."""
    acme = parse_predicate({"column": "tenant_id", "op": "=", "value": "acme"})
    return {
        "customers": TableGrant(
            row_filter=acme,
            masks={"email": MaskKind.PLACEHOLDER, "phone": MaskKind.HASH, "gender": MaskKind.NULL},
        ),
        "orders": TableGrant(row_filter=acme),
        "products": TableGrant(),
    }


def judge(case: dict[str, Any], run: Any, secrets: tuple[str, ...]) -> str:
    """``"ok"`` when the case behaves as its ``expect`` says, else what happened instead."""
    kind, _, detail = case["expect"].partition(":")
    try:
        result = run(case["sql"])
    except UnsafeQuery as exc:
        ok = kind == "unsafe" and exc.rule == detail and not _leaks(exc.message, secrets)
        return "ok" if ok else f"unsafe:{exc.rule}"
    except AccessDenied as exc:
        ok = kind == "denied" and detail in exc.message and not _leaks(exc.message, secrets)
        return "ok" if ok else "denied"
    except HqgError as exc:
        return f"error:{exc.code}"
    if kind != "ok":
        return "ran"
    body = result.model_dump(mode="json", exclude={"sql_submitted", "sql_executed"})
    if _leaks(json.dumps(body, default=str), secrets):
        return "leaked"
    if "rows" in case and result.row_count != case["rows"]:
        return f"rows {result.row_count}"
    return "ok"


def _leaks(text: str, secrets: tuple[str, ...]) -> bool:
    return any(secret in text for secret in secrets)


def red_team(ctx: EvalContext, config: SuiteConfig) -> list[tuple[dict[str, Any], str]]:
    cases_path = ctx.repo_file(str(config.data["redteam"]))
    fixture = load_fixture_module(ctx.repo_file(str(config.data["redteam_data"])))
    lines = cases_path.read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    sources = build_sources(fixture, ctx.work_dir("sql-guard"))
    grants = acme_analyst_grants()
    engine = QueryEngine(settings=EngineSettings(max_memory="256MB", threads=2))
    try:

        def run(sql: str) -> Any:
            return run_governed_sql(
                sql, sources=sources, grants=grants, limits=LIMITS, salt=fixture.SALT, engine=engine
            )

        return [(case, judge(case, run, tuple(fixture.SECRETS))) for case in cases]
    finally:
        engine.close()


def spider(ctx: EvalContext, config: SuiteConfig) -> tuple[int, Counter[str]]:
    """Gold queries refused by the guard, by rule, out of the (sampled) dev set."""
    folder = ctx.corpus("spider-dev/evaluation_examples/examples")
    dev = json.loads((folder / "dev.json").read_text(encoding="utf-8"))
    schemas = json.loads((folder / "tables.json").read_text(encoding="utf-8"))
    tables = {s["db_id"]: frozenset(t.lower() for t in s["table_names_original"]) for s in schemas}
    if ctx.smoke:
        dev = deterministic_sample(dev, config.smoke.size, key=lambda e: e["query"])
    rejected: Counter[str] = Counter()
    for example in dev:
        names = tables[example["db_id"]]
        try:
            guard_sql(example["query"], context=GuardContext(datasets=names, granted=names))
        except UnsafeQuery as exc:
            rejected[exc.rule] += 1
    return len(dev), rejected


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    outcomes = red_team(ctx, config)
    failures = [(case, why) for case, why in outcomes if why != "ok"]
    passed = len(outcomes) - len(failures)
    total, rejected = spider(ctx, config)
    refused = sum(rejected.values())
    kinds = Counter(case["expect"].split(":")[0] for case, _ in outcomes)
    pass_ci = wilson_interval(passed, len(outcomes))
    spider_ci = wilson_interval(refused, total)
    return SuiteOutcome(
        metrics=(
            Metric(
                name="redteam_pass_rate", value=passed / len(outcomes), n=len(outcomes), ci=pass_ci
            ),
            Metric(name="redteam_failures", value=len(failures), n=len(outcomes)),
            Metric(
                name="spider_false_rejection_rate", value=refused / total, n=total, ci=spider_ci
            ),
        ),
        tables=(
            Table(
                title="Red-team cases by expected outcome",
                header=("expected", "cases"),
                rows=tuple((k, str(n)) for k, n in sorted(kinds.items())),
            ),
            Table(
                title="Red-team failures",
                header=("note", "expected", "observed"),
                rows=tuple((c.get("note", ""), c["expect"], why) for c, why in failures),
            ),
            Table(
                title="Spider dev gold queries refused, by rule",
                header=("rule", "queries"),
                rows=tuple((rule, str(n)) for rule, n in rejected.most_common()),
            ),
        ),
        charts=(
            Chart(
                title="SQL guard",
                unit="rate",
                bars=(
                    Bar(
                        label="red-team pass rate",
                        value=passed / len(outcomes),
                        low=pass_ci.low,
                        high=pass_ci.high,
                        threshold=1.0,
                    ),
                    Bar(
                        label="Spider false rejections",
                        value=refused / total,
                        low=spider_ci.low,
                        high=spider_ci.high,
                        threshold=0.005,
                    ),
                ),
            ),
        ),
    )

"""Run a bundle's ``_test.rego`` suites with regorus, with line coverage; check a bundle.

What ``hqg policy test`` and ``hqg policy check`` print. A test is a rule named ``test_*``
in any package; it passes when it evaluates to true, fails when false or undefined, and errs
when evaluation raises. A failure says why: the statement, expected and actual values and the
input (``authz.failures``). Coverage is reported for policy modules only (not the tests).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from authz.bundle import PolicyModule, is_test_module, read_data, read_modules
from authz.failures import FailureDetail, diagnose, ref_path
from authz.regorus_engine import is_fatal, regorus_message
from hqg.errors import ConfigError

TEST_PREFIX = "test_"


class RegoTestResult(BaseModel):
    """One test rule's outcome."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    package: str
    name: str
    file: str
    passed: bool
    error: str | None = None
    failure: FailureDetail | None = None  # a failed (not erring) test: the statement and values
    duration_ms: float


class FileCoverage(BaseModel):
    """Covered and not-covered lines of one policy module."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    covered: tuple[int, ...]
    not_covered: tuple[int, ...]

    @property
    def percent(self) -> float:
        total = len(self.covered) + len(self.not_covered)
        return 100.0 if total == 0 else 100.0 * len(self.covered) / total


class RegoTestReport(BaseModel):
    """Every test result and the coverage of the policy modules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    results: tuple[RegoTestResult, ...]
    coverage: tuple[FileCoverage, ...]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[RegoTestResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    @property
    def coverage_percent(self) -> float:
        covered = sum(len(f.covered) for f in self.coverage)
        total = covered + sum(len(f.not_covered) for f in self.coverage)
        return 100.0 if total == 0 else 100.0 * covered / total


class BundleProblem(BaseModel):
    """One problem found by ``check_bundle``; ``file`` is relative to the bundle."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    message: str


def _rule_name(rule: Any) -> str | None:
    """The name of a rule without arguments, or None (functions, defaults, other heads)."""
    head = rule.get("Spec", {}).get("head", {})
    compr = head.get("Compr")
    if compr is None:
        return None
    path = ref_path(compr["refr"])
    return path[0] if len(path) == 1 else None


def discover_tests(engine: Any) -> list[tuple[str, str, str]]:
    """(package, rule, file) of every ``test_*`` rule loaded in ``engine``, in file order."""
    found: dict[tuple[str, str], str] = {}
    for module in json.loads(engine.get_ast_as_json()):
        package = ".".join(ref_path(module["ast"]["package"]["refr"]) or ["?"])
        for rule in module["ast"]["rules"]:
            name = _rule_name(rule)
            if name and name.startswith(TEST_PREFIX):
                found.setdefault((package, name), module["source"]["file"])
    return [(package, name, file) for (package, name), file in found.items()]


def _engine_with(modules: tuple[PolicyModule, ...], data_json: str) -> Any:
    import regorus

    engine = regorus.Engine()
    for module in modules:
        try:
            engine.add_policy(module.path, module.source)
        except Exception as exc:
            raise ConfigError(f"{module.path}: {regorus_message(exc)}") from exc
    engine.add_data_json(data_json)
    return engine


def _run_one(engine: Any, package: str, name: str, file: str) -> RegoTestResult:
    started = time.perf_counter()
    error: str | None = None
    try:
        passed = engine.eval_rule(f"data.{package}.{name}") is True
    except BaseException as exc:
        if is_fatal(exc):
            raise
        passed, error = False, regorus_message(exc) or type(exc).__name__
    elapsed = (time.perf_counter() - started) * 1000
    return RegoTestResult(
        package=package, name=name, file=file, passed=passed, error=error, duration_ms=elapsed
    )


def _coverage(engine: Any) -> tuple[FileCoverage, ...]:
    report = json.loads(engine.get_coverage_report_as_json())
    return tuple(
        FileCoverage(
            file=entry["path"],
            covered=tuple(sorted(entry["covered"])),
            not_covered=tuple(sorted(entry["not_covered"])),
        )
        for entry in sorted(report["files"], key=lambda e: e["path"])
        if not is_test_module(Path(entry["path"]))
    )


def run_tests(directory: Path, *, coverage: bool = True) -> RegoTestReport:
    """Run every ``test_*`` rule in the bundle; ``ConfigError`` if a module does not parse."""
    modules = read_modules(directory, include_tests=True)
    return run_module_tests(modules, read_data(directory), coverage=coverage)


def run_module_tests(
    modules: tuple[PolicyModule, ...], data_json: str, *, coverage: bool = True
) -> RegoTestReport:
    """``run_tests`` over modules held in memory (the sandbox's worker runs a caller's bundle
    this way: ``authz.sandbox.sandboxed_tests``)."""
    engine = _engine_with(modules, data_json)
    engine.set_enable_coverage(coverage)
    results = tuple(_run_one(engine, *test) for test in discover_tests(engine))
    report = RegoTestReport(results=results, coverage=_coverage(engine) if coverage else ())
    if not any(r.error is None for r in report.failures):
        return report
    ast = json.loads(engine.get_ast_as_json())
    explained = tuple(
        r.model_copy(
            update={"failure": diagnose(modules, data_json, ast, package=r.package, name=r.name)}
        )
        if not r.passed and r.error is None
        else r
        for r in results
    )
    return report.model_copy(update={"results": explained})


def check_bundle(directory: Path) -> tuple[BundleProblem, ...]:
    """Parse and analyse every module (tests included); each problem names its file."""
    try:
        modules = read_modules(directory, include_tests=True)
        data_json = read_data(directory)
    except ConfigError as exc:
        return (BundleProblem(file=str(directory), message=exc.message),)
    problems = [
        BundleProblem(file=module.path, message=message)
        for module in modules
        if (message := _parse_problem(module))
    ]
    if not modules:
        problems.append(BundleProblem(file=".", message="the bundle has no .rego modules"))
    if problems:
        return tuple(problems)
    try:
        _engine_with(modules, data_json).eval_query("true")  # analysis across modules
    except Exception as exc:
        message = regorus_message(exc)
        culprit = next((m.path for m in modules if m.path in message), ".")
        return (BundleProblem(file=culprit, message=message),)
    return ()


def _parse_problem(module: PolicyModule) -> str | None:
    import regorus

    try:
        regorus.Engine().add_policy(module.path, module.source)
    except Exception as exc:
        return regorus_message(exc) or type(exc).__name__
    return None

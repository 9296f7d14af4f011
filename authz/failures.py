"""Why a Rego test failed: the statement that failed, the expected and actual values, the input.

``opa test`` says only "FAIL"; a policy author then edits the test to print values. Here a
failing test rule is re-run statement by statement (its first body, in probe rules added to
the same package, so its names and imports resolve as in the test): the first statement that
does not hold is the failure. For a comparison (``lhs == rhs`` and the other operators) both
sides are evaluated under the statement's ``with`` modifiers and shown as actual and expected;
for any other statement its value is the actual and ``true`` the expected (``not x``: expected
false or undefined). The ``with input as …`` value is shown as the input.

A diagnosis is best effort and never changes a result: anything it cannot evaluate (a test
with several bodies, a probe that does not compile) leaves the failure as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict

from authz.bundle import PolicyModule
from authz.regorus_engine import is_fatal

MAX_VALUE_CHARS = 2000
UNDEFINED = "undefined"
_PROBE_FILE = "__hqg_failure_probe__.rego"
_IMPORT = re.compile(r"^import\s+\S.*$", re.MULTILINE)
_OPERATORS = {"Eq": "==", "Ne": "!=", "Lt": "<", "Le": "<=", "Gt": ">", "Ge": ">="}


class FailureDetail(BaseModel):
    """The failing statement (source and line) and the values behind it, as JSON text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    statement: str
    line: int
    expected: str
    actual: str
    input: str | None = None


@dataclass(frozen=True)
class _Statement:
    """One statement of a test body: its source, line and ``with`` part, and what to evaluate
    to show it: both sides of a comparison, or the expression (``not``'s operand)."""

    text: str
    line: int
    negated: bool
    with_text: str
    target: str  # the expression whose value is the actual one (lhs of a comparison)
    op: str | None = None
    rhs: str | None = None


def diagnose(
    modules: Sequence[PolicyModule], data_json: str, ast: Sequence[Any], *, package: str, name: str
) -> FailureDetail | None:
    """The detail of failing test ``data.<package>.<name>``; None if it cannot be worked out."""
    found = _test_rule(ast, package, name)
    if found is None:
        return None
    source, stmts = found
    statements = [_statement(source, stmt) for stmt in stmts]
    imports = "\n".join(_IMPORT.findall(source.decode("utf-8", "replace")))
    try:
        return _diagnose(modules, data_json, package, imports, statements)
    except BaseException as exc:  # a probe that does not compile or evaluate: no detail
        if is_fatal(exc):
            raise
        return None


def _diagnose(
    modules: Sequence[PolicyModule],
    data_json: str,
    package: str,
    imports: str,
    statements: Sequence[_Statement],
) -> FailureDetail | None:
    probes = [
        f"__hqg_holds_{k} if {{\n{_body(statements[: k + 1])}\n}}" for k in range(len(statements))
    ]
    engine = _engine(modules, data_json, package, imports, probes)
    failing = next(
        (
            k
            for k in range(len(statements))
            if _value(engine, package, f"__hqg_holds_{k}") is not True
        ),
        None,
    )
    if failing is None:
        return None
    statement, before = statements[failing], statements[:failing]
    values = _values_of(statement, before)
    engine = _engine(modules, data_json, package, imports, list(values.values()))
    shown = {key: _shown(engine, package, f"__hqg_{key}") for key in values}
    expected = shown.get("expected", "false or undefined" if statement.negated else "true")
    return FailureDetail(
        statement=statement.text,
        line=statement.line,
        expected=expected,
        actual=shown["actual"],
        input=shown.get("input"),
    )


def _test_rule(ast: Sequence[Any], package: str, name: str) -> tuple[bytes, list[Any]] | None:
    """The source of the module defining the test and the statements of its only body."""
    for module in ast:
        path = ref_path(module["ast"]["package"]["refr"])
        if ".".join(path) != package:
            continue
        for rule in module["ast"]["rules"]:
            spec = rule.get("Spec", {})
            head = spec.get("head", {}).get("Compr")
            if head is None or ref_path(head["refr"]) != [name]:
                continue
            bodies = spec.get("bodies", [])
            if len(bodies) != 1:
                return None
            return module["source"]["contents"].encode("utf-8"), bodies[0]["query"]["stmts"]
    return None


def ref_path(node: Any) -> list[str]:
    """The dotted path of a regorus AST reference (``Var`` / ``RefDot`` chain); [] otherwise."""
    if "Var" in node:
        return [str(node["Var"]["value"])]
    if "RefDot" in node:
        return [*ref_path(node["RefDot"]["refr"]), str(node["RefDot"]["field"][1])]
    return []


def _statement(source: bytes, stmt: Mapping[str, Any]) -> _Statement:
    def text(span: Mapping[str, Any]) -> str:
        return source[span["start"] : span["end"]].decode("utf-8", "replace")

    span = stmt["span"]
    kind, inner = next(iter(stmt["literal"].items()))
    expr_span = inner.get("span", span)
    expr = inner.get("expr", {})
    node = next(iter(expr.values())) if isinstance(expr, Mapping) and expr else {}
    negated = kind == "NotExpr"
    statement = _Statement(
        text=text(span),
        line=int(span["line"]),
        negated=negated,
        with_text=source[expr_span["end"] : span["end"]].decode("utf-8", "replace"),
        target=text(node["span"]) if negated and "span" in node else text(expr_span),
    )
    compare = expr.get("BoolExpr") if kind == "Expr" and isinstance(expr, Mapping) else None
    if compare is not None and compare.get("op") in _OPERATORS:
        lhs, rhs = (next(iter(compare[side].values()))["span"] for side in ("lhs", "rhs"))
        return replace(statement, target=text(lhs), op=_OPERATORS[compare["op"]], rhs=text(rhs))
    return statement


def _values_of(statement: _Statement, before: Sequence[_Statement]) -> dict[str, str]:
    """Probe rules (by what they show) evaluating the failing statement's parts."""
    rules = {"actual": _probe("actual", statement.target, statement.with_text, before)}
    if statement.rhs is not None:
        expected = (
            statement.rhs
            if statement.op == "=="
            else (f'concat(" ", ["{statement.op}", json.marshal({statement.rhs})])')
        )
        rules["expected"] = _probe("expected", expected, statement.with_text, before)
    given = _input_text(statement.with_text)
    if given is not None:
        rules["input"] = _probe("input", given, "", before)
    return rules


def _input_text(with_text: str) -> str | None:
    """The ``X`` of ``with input as X`` (up to the next ``with``)."""
    for part in re.split(r"\bwith\s+", with_text):
        target, _, value = part.partition(" as ")
        if target.strip() == "input" and value.strip():
            return value.strip()
    return None


def _probe(key: str, expression: str, with_text: str, before: Sequence[_Statement]) -> str:
    body = _body(before)
    separator = "\n" if body else ""
    return (
        f"__hqg_{key} := __hqg_v if {{\n{body}{separator}\t__hqg_v := ({expression}){with_text}\n}}"
    )


def _body(statements: Sequence[_Statement]) -> str:
    return "\n".join(f"\t{s.text}" for s in statements)


def _engine(
    modules: Sequence[PolicyModule], data_json: str, package: str, imports: str, rules: list[str]
) -> Any:
    import regorus

    engine = regorus.Engine()
    for module in modules:
        engine.add_policy(module.path, module.source)
    engine.add_policy(_PROBE_FILE, f"package {package}\n\n{imports}\n\n" + "\n\n".join(rules))
    engine.add_data_json(data_json)
    return engine


def _value(engine: Any, package: str, rule: str) -> Any:
    return engine.eval_rule(f"data.{package}.{rule}")


def _shown(engine: Any, package: str, rule: str) -> str:
    value = _value(engine, package, rule)
    if value is None:
        return UNDEFINED
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"

"""Run OPA-format YAML test cases (``../shared/corpora/opa-rego-cases``) through regorus.

Case semantics follow regorus' own harness: the result of a query is the bindings of its last
result when it has any, else the value of its last expression; ``want_result`` is that value
(``set!`` / ``object!`` encode sets and non-string keys, ``#undefined`` no result, ``many!``
several inputs); OPA's own files list every binding. ``error`` / ``want_error`` cases pass when
evaluation raises. Cases marked ``skip`` are not counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

UNDEFINED = "#undefined"


@dataclass(frozen=True)
class Outcome:
    file: str
    note: str
    passed: bool
    problem: str = ""


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"set!"}:
            return sorted((_canonical(v) for v in value["set!"]), key=json.dumps)
        if set(value) == {"object!"}:
            pairs = [[_canonical(i["key"]), _canonical(i["value"])] for i in value["object!"]]
            return ["object", sorted(pairs, key=json.dumps)]
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return ["set", sorted((_canonical(v) for v in value), key=json.dumps)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _result(results: Any) -> Any:
    rows = results.get("result", []) if isinstance(results, dict) else []
    if not rows:
        return UNDEFINED
    last = rows[-1]
    if last.get("bindings"):
        return last["bindings"]
    expressions = last.get("expressions") or []
    return expressions[-1]["value"] if expressions else UNDEFINED


def _inputs(case: dict[str, Any]) -> list[Any]:
    given = case.get("input")
    if isinstance(given, dict) and set(given) == {"many!"}:
        return list(given["many!"])
    return [given]


def _engine(case: dict[str, Any], v0: bool) -> Any:
    import regorus

    engine = regorus.Engine()
    engine.set_gather_prints(True)
    engine.set_rego_v0(v0)
    for index, module in enumerate(case.get("modules") or []):
        engine.add_policy(f"rego_{index}.rego", module)
    if case.get("data") is not None:
        engine.add_data_json(json.dumps(case["data"]))
    return engine


def _evaluate(case: dict[str, Any], v0: bool) -> list[Any]:
    engine = _engine(case, v0)
    outputs = []
    for given in _inputs(case):
        if given is not None:
            engine.set_input_json(json.dumps(given))
        outputs.append(_result(json.loads(engine.eval_query_as_json(case["query"]))))
    return outputs


def _expected(case: dict[str, Any], opa_format: bool) -> list[Any]:
    want = case["want_result"]
    if opa_format:
        return [want if want else UNDEFINED]
    if isinstance(want, dict) and set(want) == {"many!"}:
        return list(want["many!"])
    return [want]


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    found = [line for line in lines if line.startswith("error:")] or lines or [type(exc).__name__]
    return found[0][:160]


V0_ONLY = "`if` keyword is required"


def run_case(case: dict[str, Any], *, opa_format: bool) -> tuple[bool, str]:
    """Run as Rego v1; a module written in v0 syntax (no ``if``) is run again as v0."""
    passed, problem = _run_case(case, opa_format=opa_format, v0=False)
    if not passed and V0_ONLY in problem:
        return _run_case(case, opa_format=opa_format, v0=True)
    return passed, problem


def _run_case(case: dict[str, Any], *, opa_format: bool, v0: bool) -> tuple[bool, str]:
    wants_error = any(k in case for k in ("error", "want_error", "want_error_code"))
    try:
        got = _evaluate(case, v0)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return wants_error, "" if wants_error else _first_line(exc)
    if wants_error:
        return False, "expected an error, evaluation succeeded"
    if opa_format:
        rows = _evaluate_all_bindings(case, v0)
        expected = case["want_result"] or []
        return _canonical(rows) == _canonical(expected), "bindings differ"
    expected = _expected(case, opa_format)
    return _canonical(got) == _canonical(expected), "result differs"


def _evaluate_all_bindings(case: dict[str, Any], v0: bool) -> list[Any]:
    engine = _engine(case, v0)
    if case.get("input") is not None:
        engine.set_input_json(json.dumps(case["input"]))
    rows = json.loads(engine.eval_query_as_json(case["query"])).get("result", [])
    return [row.get("bindings", {}) for row in rows]


def cases(root: Path) -> Iterator[tuple[str, dict[str, Any], bool]]:
    for path in sorted(root.rglob("*.yaml")):
        if "aci" in path.parts:
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in document.get("cases") or []:
            yield path.relative_to(root).as_posix(), case, "opa-sample" in path.parts


def _has_expectation(case: dict[str, Any]) -> bool:
    return any(k in case for k in ("want_result", "error", "want_error", "want_error_code"))


def run_corpus(root: Path) -> list[Outcome]:
    outcomes = []
    for file, case, opa_format in cases(root):
        if case.get("skip") or not _has_expectation(case):
            continue
        passed, problem = run_case(case, opa_format=opa_format)
        outcomes.append(
            Outcome(file=file, note=str(case.get("note")), passed=passed, problem=problem)
        )
    return outcomes


if __name__ == "__main__":
    import sys
    from collections import Counter

    results = run_corpus(Path(sys.argv[1]))
    passed = sum(o.passed for o in results)
    print(f"{passed}/{len(results)} passed ({100 * passed / len(results):.1f}%)")
    failing = Counter(o.file for o in results if not o.passed)
    for file, count in failing.most_common():
        print(f"{count:4d} {file}")
    for o in results:
        if not o.passed:
            print(f"  {o.file} :: {o.note} :: {o.problem}")

"""The child side of ``authz.sandbox``: evaluate a caller's Rego under OS limits.

Run as ``python -m authz.rego_worker MAX_BYTES CPU_SECONDS``. The limits are set
first, before the request is even read, so nothing the candidate does escapes them: an
address-space cap (``RLIMIT_AS``: an allocation past it fails, Rust aborts, Python raises
``MemoryError``) and a CPU-time cap (``RLIMIT_CPU``, a backstop to the parent's wall-clock
deadline). The request on stdin is JSON ``{"modules": [[path, source], ...], "data_json",
"inputs": [canonical input, ...]}``; the answer on stdout is ``{"decisions": [...]}`` (one raw
decision, or ``null`` when evaluation failed, per input) or ``{"load_error": message}``. With
``"tests": true`` the bundle's own ``test_*`` rules are run instead and the answer is
``{"tests": RegoTestReport}``. Exit codes name what went wrong when no answer could be written.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

EXIT_MEMORY = 3
EXIT_OUTPUT = 4
EXIT_USAGE = 2


def _limit(max_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _evaluate(request: dict[str, Any]) -> dict[str, Any]:
    from authz.bundle import PolicyBundle, PolicyModule
    from authz.engine import DECISION_PATH
    from authz.regorus_engine import jsonable, new_engine
    from hqg.errors import ConfigError

    bundle = PolicyBundle(
        root=Path("<candidate>"),
        modules=tuple(PolicyModule(path=p, source=s) for p, s in request["modules"]),
        data_json=request["data_json"],
        policy_hash="candidate",
    )
    if request.get("tests"):
        return _tests(bundle.modules, bundle.data_json)
    try:
        engine = new_engine(bundle)
    except ConfigError as exc:
        return {"load_error": exc.message}
    decisions: list[Any] = []
    for document in request["inputs"]:
        try:
            engine.set_input_json(document)
            decisions.append(jsonable(engine.eval_rule(DECISION_PATH)))
        except MemoryError:
            raise
        except Exception:
            decisions.append(None)  # the parent fails closed on it
    return {"decisions": decisions}


def _tests(modules: Any, data_json: str) -> dict[str, Any]:
    """The bundle's ``test_*`` rules run (``authz.testing``), or why they could not be."""
    from authz.testing import run_module_tests
    from hqg.errors import ConfigError

    try:
        report = run_module_tests(modules, data_json, coverage=False)
    except ConfigError as exc:
        return {"load_error": exc.message}
    return {"tests": report.model_dump(mode="json")}


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        return EXIT_USAGE
    max_bytes, cpu_seconds, max_output = (int(arg) for arg in argv[1:])
    _limit(max_bytes, cpu_seconds)
    try:
        answer = json.dumps(_evaluate(json.load(sys.stdin)), separators=(",", ":"))
    except MemoryError:
        return EXIT_MEMORY
    if len(answer) > max_output:
        return EXIT_OUTPUT
    sys.stdout.write(answer)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

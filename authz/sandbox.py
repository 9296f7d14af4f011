"""Caller-supplied Rego runs in a child process with a deadline and a memory cap.

A candidate policy sent to ``/v1/policy/simulate`` (or ``hqg policy simulate``) is code from
the caller: a comprehension over ``numbers.range(1, 30000000)`` ran 43 s and took 3.5 GB
in-process. So it is never evaluated in the gateway's process. ``SandboxedPolicy`` hands the
bundle and every input to one ``python -m authz.rego_worker`` child, which caps its own
address space (``RLIMIT_AS``) and CPU time before reading anything; the parent waits at most
the wall-clock deadline and kills the child on overrun. Either limit ends the request with a
422 (``InvalidRequest``) naming the limit and its setting. A candidate that does not compile,
defines no ``data.hqg.decision`` or returns a decision of the wrong shape is a 422 naming the
problem and where (module, line, column), never quoting the candidate's source back; an input
the candidate cannot evaluate is decided as a deny (fail closed). The child writes at most
``MAX_OUTPUT_BYTES`` of decisions.

Each worker may use up to its memory cap, so a gateway runs at most
``HQG_POLICY__CANDIDATE_MAX_WORKERS`` of them at once (``WorkerSlots``); a request finding them
all busy is refused with 429 naming that setting, never queued behind them.

The enforced policy is not sandboxed: it is the operator's, loaded at start-up.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from authz import rego_worker
from authz.bundle import PolicyBundle, PolicyModule
from authz.cache import canonical_json
from authz.decision import Decision, decision_problem, deny, parse_decision
from authz.engine import DECISION_PATH, PROBE_INPUT
from authz.regorus_engine import ENGINE_NAME
from authz.testing import RegoTestReport
from hqg.errors import InvalidRequest, RateLimited

MAX_OUTPUT_BYTES = 32 * 1024 * 1024
_MB = 1024 * 1024
_SOURCE_ROOT = Path(__file__).resolve().parents[1]  # the directory holding ``authz/``
WORKERS_SETTING = "HQG_POLICY__CANDIDATE_MAX_WORKERS"
_MAX_PROBLEM_CHARS = 160
# regorus: "--> module.rego:LINE:COL | LINE | <source line> | ^ error: <problem>"
_LOCATION = re.compile(r"-->\s*(\S+?:\d+:\d+)")
_PROBLEM = re.compile(r"\berror:\s*(.+)$")


class CandidateLimits(BaseModel):
    """Limits on evaluating one caller-supplied bundle (``HQG_POLICY__CANDIDATE_*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timeout_seconds: float = Field(gt=0)
    max_memory_mb: int = Field(gt=0)


def _time_limit(limits: CandidateLimits) -> InvalidRequest:
    return InvalidRequest(
        f"candidate policy: evaluation exceeded the time limit of {limits.timeout_seconds:g} s "
        "(HQG_POLICY__CANDIDATE_TIMEOUT_SECONDS)"
    )


def _memory_limit(limits: CandidateLimits) -> InvalidRequest:
    return InvalidRequest(
        f"candidate policy: evaluation exceeded the memory limit of {limits.max_memory_mb} MB "
        "(HQG_POLICY__CANDIDATE_MAX_MEMORY_MB)"
    )


def child_env() -> dict[str, str]:
    """Only what finding the code needs: the gateway's settings and secrets (``HQG_*``) stay
    out of reach of a candidate's builtins (``opa.runtime()`` reads the environment)."""
    inherited = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    paths = [str(_SOURCE_ROOT), *filter(None, inherited)]
    return {"PYTHONPATH": os.pathsep.join(paths), "PATH": os.environ.get("PATH", "")}


def run_worker(
    bundle: PolicyBundle, inputs: Sequence[str], limits: CandidateLimits, *, tests: bool = False
) -> Any:
    """The worker's JSON answer for ``inputs`` (canonical JSON documents), within ``limits``;
    with ``tests``, the bundle's ``test_*`` rules run instead (``sandboxed_tests``)."""
    command = [
        sys.executable,
        "-P",
        "-m",
        "authz.rego_worker",
        str(limits.max_memory_mb * _MB),
        str(int(limits.timeout_seconds) + 1),
        str(MAX_OUTPUT_BYTES),
    ]
    request = json.dumps(
        {
            "modules": [[m.path, m.source] for m in bundle.modules],
            "data_json": bundle.data_json,
            "inputs": list(inputs),
            "tests": tests,
        }
    )
    with subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,  # capped by the worker (MAX_OUTPUT_BYTES)
        # never read: a candidate's print() writes there, and reading it is unbounded memory in
        # this process, not the capped child's
        stderr=subprocess.DEVNULL,
        env=child_env(),
        close_fds=True,
    ) as child:
        try:
            out, _ = child.communicate(request.encode("utf-8"), timeout=limits.timeout_seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise _time_limit(limits) from None
    return _answer(child.returncode, out, limits)


def _answer(code: int, out: bytes, limits: CandidateLimits) -> Any:
    if code == 0:
        return json.loads(out)
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise _time_limit(limits)
    if code in (rego_worker.EXIT_MEMORY, -signal.SIGABRT):  # MemoryError, or the engine's abort
        raise _memory_limit(limits)
    if code == rego_worker.EXIT_OUTPUT:
        raise InvalidRequest(
            f"candidate policy: its decisions exceed {MAX_OUTPUT_BYTES // _MB} MB of output"
        )
    raise InvalidRequest("candidate policy: evaluation failed in its worker process")


def load_problem(message: str) -> str:
    """The worker's load error as a 422 message: where and what, without the source excerpt
    regorus quotes (the candidate's text is never sent back)."""
    if "not a valid rule path" in message:
        return f"candidate: it defines no rule {DECISION_PATH} (package hqg, rule decision)"
    location, problem = _LOCATION.search(message), _PROBLEM.search(message)
    if location is None or problem is None:
        return "candidate: it could not be loaded by the policy engine"
    return f"candidate: {location.group(1)}: {problem.group(1)[:_MAX_PROBLEM_CHARS]}"


def sandboxed_tests(
    modules: Mapping[str, str], data_json: str, limits: CandidateLimits, slots: WorkerSlots
) -> RegoTestReport:
    """Run a caller's bundle's ``test_*`` rules (``authz.testing``) in a bounded worker: the
    tests are the caller's code as much as the policy is."""
    bundle = PolicyBundle(
        root=Path("<candidate>"),
        modules=tuple(PolicyModule(path=p, source=s) for p, s in sorted(modules.items())),
        data_json=data_json,
        policy_hash="candidate",
    )
    with slots.slot():
        answer = run_worker(bundle, [], limits, tests=True)
    if "load_error" in answer:
        raise InvalidRequest(load_problem(str(answer["load_error"])))
    return RegoTestReport.model_validate(answer["tests"])


class WorkerSlots:
    """At most ``size`` candidate workers of one gateway at once (each may use its memory cap)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot while a worker runs; ``RateLimited`` (429) when all are busy."""
        if not self._free.acquire(blocking=False):
            raise RateLimited(
                f"candidate policy: all {self.size} candidate workers are busy "
                f"({WORKERS_SETTING}); retry shortly",
                retry_after=1,
            )
        try:
            yield
        finally:
            self._free.release()


class SandboxedPolicy:
    """A caller's bundle, decided in a bounded child process, many inputs per child."""

    def __init__(self, bundle: PolicyBundle, limits: CandidateLimits, slots: WorkerSlots) -> None:
        self._bundle = bundle
        self._limits = limits
        self._slots = slots

    @property
    def name(self) -> str:
        return ENGINE_NAME

    @property
    def policy_hash(self) -> str:
        return self._bundle.policy_hash

    def decide_all(self, inputs: Sequence[Mapping[str, Any]]) -> list[Decision]:
        """One decision per input, from one child. The child also decides the readiness
        probe first, so a candidate that does not load or answers with a malformed decision is
        refused even when there is nothing to replay."""
        documents = [canonical_json(PROBE_INPUT), *(canonical_json(i) for i in inputs)]
        with self._slots.slot():
            answer = run_worker(self._bundle, documents, self._limits)
        if "load_error" in answer:
            raise InvalidRequest(load_problem(str(answer["load_error"])))
        probe, *decisions = answer["decisions"]
        self._decision(probe, PROBE_INPUT)
        return [self._decision(raw, doc) for raw, doc in zip(decisions, inputs, strict=True)]

    def _decision(self, raw: Any, document: Mapping[str, Any]) -> Decision:
        if raw is None:
            return deny(
                "the candidate policy failed to evaluate this request",
                policy_hash=self.policy_hash,
                engine=self.name,
            )
        problem = decision_problem(raw)
        if problem is not None:
            raise InvalidRequest(f"candidate: its decision is malformed: {problem}")
        return parse_decision(
            raw, policy_hash=self.policy_hash, engine=self.name, policy_input=document
        )

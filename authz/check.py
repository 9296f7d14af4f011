"""``hqg policy check``: everything that can be known about a bundle without running its tests.

Parse and analyse with regorus (``testing.check_bundle``), then the strict part: the bundle
must also compile under OPA itself when the OPA engine is installed (the engines must load the
same files unchanged), every module must ``import rego.v1`` (portable between engines), the
decision must come back well-formed for the readiness probe, and every file must be formatted
(``hqg policy fmt``). Each problem names its file.
"""

from __future__ import annotations

import re
from pathlib import Path

from authz.bundle import load_bundle, read_modules
from authz.decision import parse_decision
from authz.engine import PROBE_INPUT
from authz.fmt import unformatted
from authz.testing import BundleProblem, check_bundle
from hqg.errors import ConfigError, PolicyEngineError

_REGO_V1 = re.compile(r"^import\s+rego\.v1\s*$", re.MULTILINE)
_MALFORMED = "policy decision is malformed"


def strict_check(directory: Path) -> tuple[tuple[BundleProblem, ...], tuple[str, ...]]:
    """(problems, notes): an empty problem list means the bundle may ship."""
    problems = list(check_bundle(directory))
    if problems:
        return tuple(problems), ()
    notes: list[str] = []
    problems += _portability(directory)
    problems += _probe(directory)
    problems += _opa_compile(directory, notes)
    problems += [
        BundleProblem(
            file=p.relative_to(directory).as_posix(), message="not formatted: run hqg policy fmt"
        )
        for p in unformatted(directory)
    ]
    return tuple(problems), tuple(notes)


def _portability(directory: Path) -> list[BundleProblem]:
    return [
        BundleProblem(file=m.path, message="missing `import rego.v1` (needed by both engines)")
        for m in read_modules(directory, include_tests=True)
        if not _REGO_V1.search(m.source)
    ]


def _probe(directory: Path) -> list[BundleProblem]:
    """data.hqg.decision must be defined and well-formed for a request nobody is granted."""
    from authz.regorus_engine import RegorusEngine

    try:
        engine = RegorusEngine(load_bundle(directory), cache_size=0)
        raw = engine.evaluate(_probe_json())
    except (ConfigError, PolicyEngineError) as exc:
        return [BundleProblem(file=".", message=exc.message)]
    decision = parse_decision(raw, policy_hash="-", engine="regorus", policy_input=PROBE_INPUT)
    return [
        BundleProblem(file=".", message=reason)
        for reason in decision.reasons
        if reason.startswith(_MALFORMED)
    ]


def _probe_json() -> str:
    from authz.cache import canonical_json

    return canonical_json(PROBE_INPUT)


def _opa_compile(directory: Path, notes: list[str]) -> list[BundleProblem]:
    from authz.golib_engine import golib_available, new_golib_engine

    if not golib_available():
        notes.append("OPA engine not installed: compiled with regorus only")
        return []
    try:
        new_golib_engine(load_bundle(directory)).close()
    except ConfigError as exc:
        file, _, message = exc.message.partition(": ")
        return [BundleProblem(file=file, message=f"OPA: {message}")]
    notes.append("compiled with regorus and OPA")
    return []

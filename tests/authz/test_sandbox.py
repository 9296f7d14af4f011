"""Caller-supplied Rego is decided in a bounded child process (issue 12, item 8)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from authz.bundle import bundle_from_sources, load_bundle
from authz.regorus_engine import RegorusEngine
from authz.sandbox import CandidateLimits, SandboxedPolicy, WorkerSlots, child_env
from authz.settings import PolicySettings
from hqg.errors import InvalidRequest, RateLimited
from policies import bundle_dir
from tests.authz.conftest import CONTRACTS, PRINCIPALS, build_input

pytestmark = pytest.mark.slow  # make test-fast skips it: sandbox worker processes

LIMITS = CandidateLimits(timeout_seconds=60, max_memory_mb=256)  # ample for a loaded CI box
SHORT = CandidateLimits(timeout_seconds=2, max_memory_mb=256)

_DECISION = (
    '{"allow": false, "reasons": [], "tables": {}, "denied": {}, '
    '"limits": {"max_rows": 1, "timeout_ms": 1}}'
)


def candidate(body: str, limits: CandidateLimits = LIMITS) -> SandboxedPolicy:
    source = f"package hqg\n\nimport rego.v1\n\n{body}\n"
    return SandboxedPolicy(bundle_from_sources({"hqg/c.rego": source}, {}), limits, WorkerSlots(2))


def test_sandboxed_candidate_decides_exactly_like_the_embedded_engine():
    bundle = load_bundle(bundle_dir())
    inputs = [
        build_input(principal, action, (table,))
        for principal in PRINCIPALS
        for action in ("sql", "catalog")
        for table in CONTRACTS
    ]
    sandboxed = SandboxedPolicy(bundle, LIMITS, WorkerSlots(1)).decide_all(inputs)
    embedded = RegorusEngine(bundle, cache_size=0)
    for document, decision in zip(inputs, sandboxed, strict=True):
        expected = embedded.decide(document).as_document()
        assert decision.as_document() | {"decision_id": None} == expected | {"decision_id": None}


def test_looping_candidate_is_killed_at_its_deadline_with_a_422_naming_the_limit():
    looping = candidate(
        "r := numbers.range(1, 30000)\n\n"
        f"decision := {_DECISION} if count([1 | some i in r; some j in r; i == j]) > 0",
        SHORT,
    )
    started = time.monotonic()
    with pytest.raises(InvalidRequest) as raised:
        looping.decide_all([build_input("alice", "sql", ("orders",))])
    assert time.monotonic() - started < SHORT.timeout_seconds + 2
    assert raised.value.status == 422
    assert "time limit of 2 s" in raised.value.message
    assert "HQG_POLICY__CANDIDATE_TIMEOUT_SECONDS" in raised.value.message


def test_memory_hungry_candidate_is_stopped_at_its_memory_cap_with_a_422_naming_it():
    hungry = candidate(
        f"decision := {_DECISION} if count([x | some x in numbers.range(1, 30000000)]) > 0"
    )
    with pytest.raises(InvalidRequest) as raised:
        hungry.decide_all([build_input("alice", "sql", ("orders",))])
    assert "memory limit of 256 MB" in raised.value.message
    assert "HQG_POLICY__CANDIDATE_MAX_MEMORY_MB" in raised.value.message


def test_candidate_that_does_not_compile_is_a_422_naming_the_module():
    with pytest.raises(InvalidRequest, match="hqg/c.rego"):
        candidate("decision := {").decide_all([])


def test_candidate_failing_on_one_input_denies_that_input_only():
    flaky = candidate(
        'x := 1 if input.action == "sql"\n\nx := 2 if input.action == "sql"\n\n'
        'x := 0 if input.action == "catalog"\n\n'
        f'decision := object.union({_DECISION}, {{"reasons": [sprintf("%d", [x])]}})'
    )
    sql, catalog = flaky.decide_all(
        [build_input("alice", "sql", ("orders",)), build_input("alice", "catalog", ("orders",))]
    )
    assert not sql.allow
    assert sql.reasons == ("the candidate policy failed to evaluate this request",)
    assert catalog.reasons == ("0",)


def test_candidate_limits_are_settings_with_defaults():
    limits = PolicySettings().candidate_limits()
    assert (limits.timeout_seconds, limits.max_memory_mb) == (10.0, 512)


def test_candidate_process_gets_none_of_the_gateways_settings_or_secrets(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("HQG_PRIVACY__HASH_SALT", "s3cret-salt-value")
    assert set(child_env()) == {"PYTHONPATH", "PATH"}


def test_the_candidate_process_imports_the_policy_engine_from_this_source_tree():
    root = Path(child_env()["PYTHONPATH"].split(os.pathsep)[0])
    assert (root / "authz" / "rego_worker.py").is_file()


def test_a_request_finding_every_candidate_worker_busy_is_a_429_naming_the_setting():
    slots = WorkerSlots(1)
    policy = SandboxedPolicy(
        bundle_from_sources({"hqg/c.rego": f"package hqg\n\ndecision := {_DECISION}\n"}, {}),
        LIMITS,
        slots,
    )
    with slots.slot(), pytest.raises(RateLimited) as raised:
        policy.decide_all([build_input("alice", "sql", ("orders",))])
    assert raised.value.status == 429
    assert "HQG_POLICY__CANDIDATE_MAX_WORKERS" in raised.value.message
    assert len(policy.decide_all([build_input("alice", "sql", ("orders",))])) == 1  # freed


def test_worker_slots_are_released_when_the_worker_fails():
    slots = WorkerSlots(1)
    broken = SandboxedPolicy(
        bundle_from_sources({"hqg/c.rego": "package hqg\n\nx := {"}, {}), LIMITS, slots
    )
    for _ in range(2):
        with pytest.raises(InvalidRequest):
            broken.decide_all([])

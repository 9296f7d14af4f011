"""The embedded engine fails closed: broken or undefined policy never yields data."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from authz.bundle import load_bundle
from authz.regorus_engine import RegorusEngine
from hqg.errors import ConfigError, PolicyEngineError
from policies import bundle_dir

REQUEST = {
    "principal": {"id": "alice", "tenant": "acme", "roles": ["analyst"]},
    "action": "sql",
    "purpose": "analytics",
    "resources": {"tables": [{"name": "customers"}], "collections": []},
}

DECISION = """package hqg

import rego.v1

decision := {{
	"allow": true, "reasons": [], "denied": {{}}, "collections": {{}},
	"limits": {{"max_rows": 10, "timeout_ms": 100}}, "max_staleness": null,
	"tables": {{"customers": {{"row_filter": {row_filter}, "masks": {masks}}}}},
}}
"""


def bundle(tmp_path: Path, source: str, data: object | None = None) -> Path:
    (tmp_path / "hqg.rego").write_text(source)
    if data is not None:
        (tmp_path / "data.json").write_text(json.dumps(data))
    return tmp_path


def engine_for(tmp_path: Path, source: str, **kw: object) -> RegorusEngine:
    return RegorusEngine(load_bundle(bundle(tmp_path, source)), **kw)  # type: ignore[arg-type]


def test_policy_with_syntax_error_fails_at_load_naming_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"hqg\.rego"):
        engine_for(tmp_path, "package hqg\n\nimport rego.v1\n\ndecision if {\n")


@pytest.mark.parametrize("rule", ["decision if { x > 1 }", "decision := x if x > 1"])
def test_policy_with_unsafe_variable_fails_at_load(tmp_path, rule):
    with pytest.raises(ConfigError, match="unsafe"):
        engine_for(tmp_path, f"package hqg\n\nimport rego.v1\n\n{rule}\n")


def test_undefined_decision_is_an_engine_error(tmp_path):
    engine = engine_for(tmp_path, "package hqg\n\nimport rego.v1\n\ndecision := 1 if false\n")
    with pytest.raises(PolicyEngineError, match="undefined"):
        engine.decide(REQUEST)
    with pytest.raises(PolicyEngineError):
        engine.check()


def test_bundle_without_the_decision_rule_fails_at_load(tmp_path):
    with pytest.raises(ConfigError):
        engine_for(tmp_path, "package other\n\nimport rego.v1\n\ndecision := {}\n")


def test_runtime_error_in_policy_is_an_engine_error(tmp_path):
    source = (
        "package hqg\n\nimport rego.v1\n\nx := 1 if input.a\n\nx := 2 if input.b\n\n"
        "decision := {'allow': x}\n"
    ).replace("'", '"')
    engine = engine_for(tmp_path, source)
    with pytest.raises(PolicyEngineError, match="evaluation failed"):
        engine.decide({"a": True, "b": True})


def test_input_that_is_not_json_is_an_engine_error(engine):
    with pytest.raises(PolicyEngineError):
        engine.decide({"principal": object()})


def test_policy_emitting_an_unknown_op_is_a_deny(tmp_path):
    row_filter = '{"column": "tenant_id", "op": "LIKE", "value": "%"}'
    engine = engine_for(tmp_path, DECISION.format(row_filter=row_filter, masks="{}"))
    decision = engine.decide(REQUEST)
    assert not decision.allow
    assert dict(decision.tables) == {}


def test_policy_emitting_an_unknown_mask_is_a_deny(tmp_path):
    engine = engine_for(tmp_path, DECISION.format(row_filter="null", masks='{"email": "blur"}'))
    assert not engine.decide(REQUEST).allow


def test_policy_emitting_a_set_of_reasons_is_read_as_a_list(tmp_path):
    source = DECISION.format(row_filter="null", masks="{}").replace(
        '"reasons": []', '"reasons": {"b", "a"}'
    )
    decision = engine_for(tmp_path, source).decide(REQUEST)
    assert decision.allow
    assert decision.reasons == ("a", "b")


def test_cache_returns_an_equal_decision_under_a_new_id(policy_input):
    engine = RegorusEngine(load_bundle(bundle_dir()), cache_size=8)
    request = policy_input("alice", "sql", ("customers",))
    first, second = engine.decide(request), engine.decide(request)
    assert first.decision_id != second.decision_id
    assert first.model_copy(update={"decision_id": ""}) == second.model_copy(
        update={"decision_id": ""}
    )


def test_cache_keys_on_the_input(policy_input):
    engine = RegorusEngine(load_bundle(bundle_dir()), cache_size=8)
    alice = engine.decide(policy_input("alice", "sql", ("customers",)))
    carol = engine.decide(policy_input("carol", "sql", ("customers",)))
    assert alice.tables["customers"].row_filter != carol.tables["customers"].row_filter


def test_engine_serves_many_threads_with_correct_decisions(policy_input):
    engine = RegorusEngine(load_bundle(bundle_dir()), cache_size=0)
    expected = {"alice": "acme", "carol": "globex"}
    seen: list[tuple[str, object]] = []

    def work(who: str) -> None:
        for _ in range(20):
            grant = engine.decide(policy_input(who, "sql", ("customers",))).tables["customers"]
            seen.append((who, grant.row_filter.value))  # type: ignore[union-attr]

    threads = [threading.Thread(target=work, args=(w,)) for w in ("alice", "carol") * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 80
    assert all(value == expected[who] for who, value in seen)


def test_shipped_bundle_is_ready(engine):
    engine.check()

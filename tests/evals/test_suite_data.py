"""The suites' data files are well formed, and the canary scanner finds what it must."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.ground_truth import demo_ground_truth
from demo.principals import demo_principals
from evals.canaries import CanaryScanner
from evals.config import data_file
from evals.document_probes import adversarial_payloads, document_groups
from evals.pii_sweep import KINDS, sweep_requests, sweep_values
from evals.pii_sweep import PROBE as PII_SWEEP
from evals.suites.enforcement import load_matrix
from evals.suites.leakage import document_pairs, load_spec

PRINCIPALS = {principal.id: principal for _, principal in demo_principals()}
CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"


def test_enforcement_matrix_covers_every_demo_principal_and_table() -> None:
    cases = load_matrix(data_file("enforcement.yaml"))
    assert {c.principal for c in cases} == set(PRINCIPALS)
    assert {c.expect for c in cases} >= {"deny", "allow", "masked", "clear", "nonzero", "0"}
    for table in ("customers", "orders", "products", "support_tickets", "hr_salaries"):
        assert any(table in c.text for c in cases if c.kind == "sql"), table
    forbidden = {
        (c.principal, c.purpose) for c in cases if c.purpose not in PRINCIPALS[c.principal].purposes
    }
    assert forbidden, "the matrix must exercise purposes the principal does not declare"


def test_enforcement_matrix_has_search_ask_and_chat_cells_for_every_principal() -> None:
    cases = [c for c in load_matrix(data_file("enforcement.yaml")) if c.kind != "sql"]
    assert {c.kind for c in cases} == {"search", "ask", "chat"}
    assert {c.principal for c in cases} == set(PRINCIPALS)
    # "withheld" never appears with the shipped policy: it refuses collections only by
    # clearance, and a collection the caller may not see is never counted as withheld
    assert {c.expect for c in cases} == {"deny", "allow"}
    named = {name for c in cases for name in c.collections or ()}
    assert named == {"handbook", "tickets", "hr", "products"}
    assert any(c.collections is None for c in cases), "implicit collections must be exercised"
    by_cell = {(c.principal, c.purpose, c.request): c.expect for c in cases}
    assert by_cell["alice", "analytics", "search_hr"] == "deny"
    assert by_cell["alice", "analytics", "search_implicit"] == "allow"
    assert by_cell["alice", "analytics", "search_handbook"] == "allow"
    assert by_cell["dana", "analytics", "search_hr"] == "allow"
    assert by_cell["sec", "audit", "search_products"] == "deny"
    assert by_cell["acme-assistant", "support", "ask_handbook"] == "allow"


def test_a_document_cell_cannot_expect_a_masked_column(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "requests: {}\nmatrix: {}\n"
        "document_requests: {s: {kind: search, text: q, column: t.c}}\n"
        "document_matrix: {alice/analytics: {s: masked}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="deny, allow or withheld"):
        load_matrix(path)


def test_a_malformed_matrix_cell_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "requests: {q: {sql: 'SELECT 1'}}\nmatrix: {alice/analytics: {q: perhaps}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="unknown outcome"):
        load_matrix(path)


def test_leakage_callers_are_demo_principals_and_controls_name_real_probes() -> None:
    spec = load_spec(data_file("leakage.yaml"))
    assert {c.partition("/")[0] for c in spec.callers} <= set(PRINCIPALS)
    sweep = spec.pii_sweep
    assert sweep is not None
    assert set(sweep.callers) | set(sweep.controls) <= set(spec.callers)
    for control in spec.controls:
        assert control.caller in spec.callers
        probes = spec.probes | spec.oracles | spec.document_probes
        if control.probe == PII_SWEEP:
            assert control.caller in sweep.controls
        else:
            assert control.probe in probes
        assert set(control.groups) <= set(spec.callers[control.caller])


def test_the_pii_sweep_sends_at_least_600_requests_per_masked_caller_over_every_path() -> None:
    spec = load_spec(data_file("leakage.yaml"))
    assert spec.pii_sweep is not None
    assert spec.pii_sweep.per_caller >= 600
    for caller in spec.pii_sweep.callers:
        assert not any(g.endswith((":customer", ":employee")) for g in spec.callers[caller])
    truth = demo_ground_truth(seed=7)
    requests = sweep_requests(sweep_values(truth), spec.pii_sweep.per_caller, salt="alice")
    assert {kind for kind, _ in requests} == set(KINDS)
    assert len({text for _, text in requests}) == len(requests)


def test_smoke_document_probes_keep_every_control_and_a_small_sample() -> None:
    spec = load_spec(data_file("leakage.yaml"))
    pairs = document_pairs(spec, smoke=True)
    controls = {(c.caller, c.probe) for c in spec.controls if c.probe in spec.document_probes}
    assert controls
    assert controls <= set(pairs)
    assert len(pairs) == len(controls) + spec.document_smoke_size
    assert len(document_pairs(spec, smoke=False)) == len(spec.callers) * len(spec.document_probes)


def test_tenant_fact_markers_are_canaries_without_the_company_name() -> None:
    groups = document_groups(demo_ground_truth(seed=7))
    assert "14 days" in groups["globex:facts"]
    assert "30 days" in groups["acme:facts"]
    assert "Globex" not in groups["globex:facts"]
    assert "Acme" not in groups["acme:facts"]
    assert groups["acme:facts"].isdisjoint(groups["globex:facts"])


@pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not present")
def test_adversarial_sample_is_deterministic_and_drawn_from_every_corpus() -> None:
    first = adversarial_payloads(CORPORA.resolve(), 3)
    assert first == adversarial_payloads(CORPORA.resolve(), 3)
    assert len(first) == 12
    assert len(set(first)) == 12


def test_canary_scanner_matches_case_insensitively_at_word_boundaries() -> None:
    scanner = CanaryScanner({"acme:customer": {"Aaron Barnes"}, "acme:salary": {"42600.00"}})
    assert {f.group for f in scanner.scan('["aaron barnes"]')} == {"acme:customer"}
    assert scanner.scan("AARON BARNES, 42600.00")
    assert not scanner.scan("142600.00 and 42600.001 and Aaron Barnesworth")
    assert {f.group for f in scanner.scan("paid 42600.00.")} == {"acme:salary"}


def test_analyst_questions_are_hybrid_and_asked_by_the_analyst_checked_by_the_steward() -> None:
    from evals.suites.analyst import load_questions

    questions = load_questions(data_file("analyst.yaml"))
    assert len(questions.questions) >= 15
    assert len({q.id for q in questions.questions}) == len(questions.questions)
    assert (questions.analyst.key, questions.steward.key) == ("demo-alice", "demo-dana")
    by_key = dict(demo_principals())
    assert "steward" in by_key[questions.steward.key].roles
    assert "analyst" in by_key[questions.analyst.key].roles
    for question in questions.questions:
        assert "vector_search(" in question.analyst, question.id
        assert "acme" not in question.analyst, question.id  # alice's tenant comes from policy
        # the steward restricts to acme explicitly (products are published to every tenant)
        assert "acme" in question.steward or "'products'" in question.steward, question.id
    assert any("'documents')" in q.analyst for q in questions.questions)


def test_the_conversations_are_two_or_three_turns_and_at_least_twenty() -> None:
    from evals.suites.conversations import load_conversations

    spec = load_conversations(data_file("conversations.yaml"))
    runs = spec.runs()
    assert len(runs) >= 20
    assert {len(conv.turns) for _, _, conv in runs} == {2, 3}
    assert {caller.partition("/")[0] for _, caller, _ in runs} <= set(PRINCIPALS)


def test_answer_quality_facts_are_stated_by_the_documents_the_generator_writes(
    tmp_path: Path,
) -> None:
    """Every key fact occurs in one of its question's expected documents, as generated."""
    from demo.documents import write_demo_documents
    from evals.suites.answer_quality import load_questions

    spec = load_questions(data_file("answer_quality.yaml"))
    assert len(spec.runs()) >= 40
    written = write_demo_documents(tmp_path / "docs")
    bodies = {doc.doc_id: doc.path.read_text(encoding="utf-8") for doc in written.documents}
    for name, question in spec.questions.items():
        for tenant, facts in question.facts.items():
            texts = [bodies[doc.format(tenant=tenant)] for doc in question.cites]
            for fact in facts:
                assert any(fact in text for text in texts), (name, tenant, fact)

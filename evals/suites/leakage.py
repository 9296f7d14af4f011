"""Leakage: canaries of the demo ground truth must never reach a caller not entitled to them.

Probes (direct selects, aggregates, joins, string functions, windows), value oracles and a
deterministic sample of the payloadbox SQL-injection corpus are sent through ``/v1/sql`` of an
in-process app as each caller of ``evals/data/leakage.yaml``; every response body, error or not,
is scanned. Document probes (search, ask, chat) and corpus jailbreaks wrapped as exfiltration
attempts go through the in-process document pipelines (``evals.document_probes``). The
MCP channel (``probe_over_mcp``) sends the SQL probes as ``query_sql`` tool calls. The
write-side channel (``evals.write_side``) ingests an adversarial corpus into a copy of the demo
and reads it back as the masked callers. Positive
controls prove the probes can see: an entitled caller must find the groups it is entitled to,
else a broken probe (all 400s, say) would pass vacuously.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from demo.ground_truth import DemoGroundTruth
from demo.principals import demo_principals
from evals.canaries import CanaryScanner, Finding, canary_groups, digest
from evals.config import data_file
from evals.context import EvalContext
from evals.document_probes import (
    Adversarial,
    DocumentProbe,
    DocumentProber,
    DocumentTally,
    adversarial_payloads,
)
from evals.mcp_channel import McpCall, call_all
from evals.model import Bar, Chart, Metric, SuiteConfig, SuiteOutcome, Table
from evals.pii_sweep import PiiSweeper, PiiSweepSpec, sweep_requests, sweep_values
from evals.stats import deterministic_sample, wilson_interval
from evals.write_side import WriteSideTally, measure_write_side

SQLI_DIR = "sqli-payloads/payloadbox/Intruder"


class Control(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    caller: str
    probe: str
    groups: tuple[str, ...]


class LeakageSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    callers: dict[str, tuple[str, ...]]
    probes: dict[str, str]
    oracles: dict[str, str]
    controls: tuple[Control, ...]
    sqli_templates: tuple[str, ...]
    document_probes: dict[str, DocumentProbe] = {}
    document_smoke_size: int = 15  # (caller, probe) pairs beyond the controls' under --smoke
    adversarial: Adversarial | None = None
    pii_sweep: PiiSweepSpec | None = None


class Leak(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    caller: str
    probe: str
    group: str
    digest: str


class Tally(BaseModel):
    """What the probes observed, mutable while the suite runs."""

    model_config = ConfigDict(extra="forbid")

    requests: int = 0
    leaks: list[Leak] = []
    seen: dict[str, set[str]] = {}  # "caller probe" -> groups seen (for controls)
    statuses: Counter[str] = Counter()


def load_spec(path: Path) -> LeakageSpec:
    return LeakageSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def sqli_payloads(folder: Path) -> list[str]:
    """Distinct non-empty payload lines of every Intruder list, sorted (as the API test)."""
    lines: set[str] = set()
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines.update(line.strip() for line in text.splitlines() if line.strip())
    return sorted(lines)


def oracle_values(truth: DemoGroundTruth, tenant: str) -> dict[str, str]:
    """The first (sorted) canary of each kind of ``tenant``, quoted for a SQL literal."""
    canaries = truth.tenants[tenant]

    def first(values: frozenset[str]) -> str:
        return sorted(values)[0].replace("'", "''")

    return {
        "email": first(canaries.customer_emails),
        "phone": first(canaries.customer_phones),
        "name": first(canaries.customer_names),
        "salary": f"{sorted(canaries.salaries)[0]:.2f}",
    }


@contextmanager
def demo_client(ctx: EvalContext) -> Iterator[TestClient]:
    """An in-process app over the run's shared gateway.

    One process can hold an embedded collection open only once, so a second gateway here would
    find every collection the shared one has opened unavailable. The app's lifespan is not run:
    it would close the shared gateway, which outlives this client and closes with the run.
    """
    from transports.rest import create_app

    client = TestClient(create_app(ctx.gateway), raise_server_exceptions=False)
    try:
        yield client
    finally:
        client.close()


class Prober:
    """Sends probes as callers and records what each response reveals."""

    def __init__(self, client: TestClient, spec: LeakageSpec, truth: DemoGroundTruth) -> None:
        self.client = client
        self.spec = spec
        self.scanner = CanaryScanner(canary_groups(truth))
        self.keys = {principal.id: key for key, principal in demo_principals()}
        self.tally = Tally()

    def send(self, caller: str, probe: str, sql: str) -> dict[str, Any] | None:
        """Post one query; returns the JSON body of a 200, else None."""
        principal, _, purpose = caller.partition("/")
        headers = {"Authorization": f"Bearer {self.keys[principal]}", "X-Purpose": purpose}
        response = self.client.post("/v1/sql", json={"sql": sql}, headers=headers)
        self.tally.requests += 1
        self.tally.statuses[str(response.status_code)] += 1
        try:
            body = response.json()
        except ValueError:
            body = response.text
        # A value the caller wrote into its own SQL (echoed in provenance or a column name)
        # cannot leak to it; PIVOT-made column names still count, as the SQL does not hold them.
        text = json.dumps(body, ensure_ascii=False, default=str)
        self.record(caller, probe, self.scanner.scan(text) - self.scanner.scan(sql))
        return body if response.status_code == 200 and isinstance(body, dict) else None

    def record(self, caller: str, probe: str, findings: set[Finding]) -> None:
        entitled = set(self.spec.callers[caller])
        self.tally.seen.setdefault(f"{caller} {probe}", set()).update(f.group for f in findings)
        self.tally.leaks.extend(
            Leak(caller=caller, probe=probe, group=f.group, digest=f.digest)
            for f in sorted(findings, key=lambda f: (f.group, f.digest))
            if f.group not in entitled
        )

    def oracle(self, caller: str, name: str, template: str, truth: DemoGroundTruth) -> None:
        for tenant in sorted(truth.tenants):
            body = self.send(caller, name, template.format(**oracle_values(truth, tenant)))
            rows = body.get("rows") if body else None
            first = rows[0][0] if rows and rows[0] else None
            if first not in (None, 0, "0"):
                kind = "salary" if "{salary}" in template else "customer"
                value = oracle_values(truth, tenant)[kind if kind == "salary" else "email"]
                self.record(caller, name, {Finding(group=f"{tenant}:{kind}", digest=digest(value))})


def measure(ctx: EvalContext, config: SuiteConfig) -> SuiteOutcome:
    spec = load_spec(data_file(str(config.data.get("probes", "leakage.yaml"))))
    size = config.smoke.size if ctx.smoke else config.data.get("sqli_sample")
    payloads = deterministic_sample(sqli_payloads(ctx.corpus(SQLI_DIR)), size, key=str)
    truth = ctx.ground_truth
    with demo_client(ctx) as client:
        prober = Prober(client, spec, truth)
        for caller in spec.callers:
            for name, sql in spec.probes.items():
                prober.send(caller, name, sql)
            for name, template in spec.oracles.items():
                prober.oracle(caller, name, template, truth)
            for payload in payloads:
                for template in spec.sqli_templates:
                    prober.send(caller, "sqli", template.replace("{payload}", payload))
        swept = sweep_pii(ctx, spec, prober)
    mcp_controls_failed = probe_over_mcp(ctx, spec, prober, payloads)
    documents, attacks = probe_documents(ctx, spec, prober)
    write = measure_write_side(ctx)
    result = outcome(
        spec, prober.tally, payloads=len(payloads), documents=documents, attacks=attacks
    )
    return result.model_copy(
        update={
            "metrics": (
                *result.metrics,
                Metric(name="pii_sweep_requests", value=swept),
                Metric(name="mcp_controls_failed", value=mcp_controls_failed),
                *write_side_metrics(write),
            ),
            "tables": (*result.tables, write_side_table(write)),
        }
    )


def probe_over_mcp(ctx: EvalContext, spec: LeakageSpec, prober: Prober, payloads: list[str]) -> int:
    """The MCP channel (``evals.mcp_channel``): the SQL probes, value oracles and injection
    payloads as ``query_sql`` tool calls, every reply (text and structured content, error or
    not) scanned like a response body; findings are filed under ``mcp:<probe>``. Returns the
    positive controls this channel failed (it must see what the REST probes see)."""
    from gateway.wiring import build_chat_model

    sent: list[tuple[str, str, str]] = []  # caller, probe, sql
    oracles: list[tuple[str, str, str]] = []  # caller, probe, "tenant:kind" it would reveal
    for caller in spec.callers:
        sent += [(caller, name, sql) for name, sql in spec.probes.items()]
        for name, template in spec.oracles.items():
            kind = "salary" if "{salary}" in template else "customer"
            for tenant in sorted(ctx.ground_truth.tenants):
                values = oracle_values(ctx.ground_truth, tenant)
                sent.append((caller, name, template.format(**values)))
                oracles.append((caller, name, f"{tenant}:{kind}"))
        sent += [
            (caller, "sqli", template.replace("{payload}", payload))
            for payload in payloads
            for template in spec.sqli_templates
        ]
    calls = [
        McpCall(caller.partition("/")[0], caller.partition("/")[2], "query_sql", {"sql": sql})
        for caller, _, sql in sent
    ]
    replies = call_all(ctx.gateway, calls, model=build_chat_model(ctx.gateway))
    oracle_of = iter(oracles)
    for (caller, probe, sql), reply in zip(sent, replies, strict=True):
        prober.tally.requests += 1
        prober.tally.statuses[str(reply.error.get("status", 500)) if reply.is_error else "200"] += 1
        text = reply.text + json.dumps(reply.data, ensure_ascii=False, default=str)
        found = prober.scanner.scan(text) - prober.scanner.scan(sql)
        if probe in spec.oracles:
            tenant, _, kind = next(oracle_of)[2].partition(":")
            rows = reply.data.get("rows") if not reply.is_error else None
            first = rows[0][0] if rows and rows[0] else None
            if first not in (None, 0, "0"):
                value = oracle_values(ctx.ground_truth, tenant)[
                    "salary" if kind == "salary" else "email"
                ]
                found |= {Finding(group=f"{tenant}:{kind}", digest=digest(value))}
        prober.record(caller, f"mcp:{probe}", found)
    seen = prober.tally.seen
    return sum(
        1
        for c in spec.controls
        if c.probe in spec.probes
        and not set(c.groups) <= seen.get(f"{c.caller} mcp:{c.probe}", set())
    )


def write_side_metrics(write: WriteSideTally) -> tuple[Metric, ...]:
    """The write-side channel's counts (``evals.write_side``): each must be zero."""
    return (
        Metric(name="write_side_pii", value=write.pii, n=write.requests),
        Metric(name="write_side_cross_tenant", value=write.cross_tenant, n=write.requests),
        Metric(name="write_side_injections", value=write.injections, n=write.requests),
        Metric(name="write_side_controls_failed", value=write.controls_failed),
        Metric(name="write_side_requests", value=write.requests),
    )


def write_side_table(write: WriteSideTally) -> Table:
    return Table(
        title="Write-side channel findings (values shown as digests)",
        header=("caller", "finding"),
        rows=tuple(write.findings[:200]),
    )


def sweep_pii(ctx: EvalContext, spec: LeakageSpec, prober: Prober) -> int:
    """The PII sweep (``evals.pii_sweep``) as every swept caller, then the controls over the
    values they may see; findings and statuses go to ``prober``. Returns the request count."""
    sweep = spec.pii_sweep
    if sweep is None:
        return 0
    sweeper = PiiSweeper(prober.client, prober.keys, prober.scanner, prober.record)
    per_caller = sweep.smoke_per_caller if ctx.smoke else sweep.per_caller
    per_control = sweep.smoke_per_control if ctx.smoke else sweep.per_control
    for caller in sweep.callers:
        sweeper.sweep(
            caller, sweep_requests(sweep_values(ctx.ground_truth), per_caller, salt=caller)
        )
    groups = canary_groups(ctx.ground_truth)
    for caller in sweep.controls:
        values = sorted(
            v for g in spec.callers[caller] if g.endswith(":customer") for v in groups[g]
        )
        sweeper.sweep(caller, sweep_requests(values, per_control, salt=caller))
    prober.tally.requests += sweeper.requests
    prober.tally.statuses.update(sweeper.statuses)
    return sweeper.requests


def document_pairs(spec: LeakageSpec, *, smoke: bool) -> list[tuple[str, str]]:
    """Every (caller, document probe); under smoke the controls' pairs and a hash sample."""
    pairs = [(caller, name) for caller in spec.callers for name in spec.document_probes]
    if not smoke:
        return pairs
    controls = {(c.caller, c.probe) for c in spec.controls}
    others = [pair for pair in pairs if pair not in controls]
    sample = set(deterministic_sample(others, spec.document_smoke_size, key=" ".join))
    return [pair for pair in pairs if pair in controls or pair in sample]


def probe_documents(
    ctx: EvalContext, spec: LeakageSpec, prober: Prober
) -> tuple[DocumentTally, int]:
    """Document probes as every caller, then the adversarial sample; findings go to ``prober``."""
    from gateway.wiring import build_chat_model

    gateway = ctx.gateway
    documents = DocumentProber(gateway, build_chat_model(gateway), ctx.ground_truth, prober.record)
    for caller, name in document_pairs(spec, smoke=ctx.smoke):
        documents.send(caller, name, spec.document_probes[name], family="probe")
    attacks: list[str] = []
    if spec.adversarial is not None:
        per_corpus = spec.adversarial.smoke_per_corpus if ctx.smoke else spec.adversarial.per_corpus
        attacks = adversarial_payloads(ctx.corpora, per_corpus)
        documents.adversarial(spec.adversarial, attacks)
    return documents.tally, len(attacks)


def outcome(
    spec: LeakageSpec,
    tally: Tally,
    *,
    payloads: int,
    documents: DocumentTally | None = None,
    attacks: int = 0,
) -> SuiteOutcome:
    failed = [
        c
        for c in spec.controls
        if not set(c.groups) <= tally.seen.get(f"{c.caller} {c.probe}", set())
    ]
    leaky_requests = len({(leak.caller, leak.probe) for leak in tally.leaks})
    server_errors = sum(n for status, n in tally.statuses.items() if status.startswith("5"))
    documents = documents or DocumentTally()
    requests = tally.requests + documents.requests
    by_caller = Counter(leak.caller for leak in tally.leaks)
    return SuiteOutcome(
        metrics=(
            Metric(name="leaks", value=len(tally.leaks), n=requests),
            Metric(name="leaked_canaries", value=len({leak.digest for leak in tally.leaks})),
            Metric(
                name="leaky_request_rate",
                value=leaky_requests / max(requests, 1),
                n=requests,
                ci=wilson_interval(leaky_requests, requests),
            ),
            Metric(name="controls_failed", value=len(failed), n=len(spec.controls)),
            Metric(name="server_errors", value=server_errors, n=tally.requests),
            Metric(name="requests", value=requests),
            Metric(name="sqli_payloads", value=payloads),
            Metric(name="document_requests", value=documents.requests),
            Metric(name="adversarial_payloads", value=attacks),
            *(
                Metric(
                    name=f"adversarial_{verdict}",
                    value=documents.count(family="adv", verdict=verdict),
                )
                for verdict in ("refused", "answered", "abstained")
            ),
            Metric(name="document_errors", value=documents.count(family="", verdict="error")),
        ),
        tables=(
            Table(
                title="Leaks (value shown as a digest)",
                header=("caller", "probe", "group", "digest"),
                rows=tuple((lk.caller, lk.probe, lk.group, lk.digest) for lk in tally.leaks[:200]),
            ),
            Table(
                title="Failed positive controls",
                header=("caller", "probe", "groups expected"),
                rows=tuple((c.caller, c.probe, ", ".join(c.groups)) for c in failed),
            ),
            Table(
                title="HTTP statuses",
                header=("status", "responses"),
                rows=tuple((s, str(n)) for s, n in sorted(tally.statuses.items())),
            ),
            Table(
                title="Document requests (search / ask / chat) by outcome",
                header=("family", "kind", "outcome", "requests"),
                rows=tuple(
                    (*key.split(" ", 2), str(n)) for key, n in sorted(documents.outcomes.items())
                ),
            ),
        ),
        charts=(
            Chart(
                title="Leaks per caller",
                unit="leaks",
                bars=tuple(Bar(label=c, value=by_caller[c], threshold=0) for c in spec.callers),
            ),
        ),
    )

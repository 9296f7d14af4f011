"""The million-chunk benchmark at CI size: behaviour only (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import million
from benchmarks.common import RunContext

pytestmark = pytest.mark.slow  # builds a 5,000-chunk index and embeds 2,400 sentences (~45 s)

CHUNKS, REAL, QUERIES = 5_000, 400, 12


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> million.Result:
    from benchmarks.search import prepare
    from gateway.settings import load_settings
    from gateway.wiring import build_gateway

    scratch = tmp_path_factory.mktemp("million")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HQG_BENCH_CACHE", str(scratch / "cache"))
        home = prepare(RunContext(quick=True, scratch=scratch), million.NAME)
        gateway = build_gateway(load_settings(home=home))
        try:
            return million.measure(
                gateway, chunks=CHUNKS, real=REAL, n_calls=5, recall_queries=QUERIES,
                progress=lambda _: None,
            )  # fmt: skip
        finally:
            gateway.close()


def test_governed_search_sees_only_alices_tenant_and_clearance(result: million.Result) -> None:
    # acme holds the even chunks; every fourth of them is restricted, above her clearance
    expected = sum(1 for i in range(CHUNKS) if i % 2 == 0 and i // 2 % 4 != 3)
    assert result.visible == expected
    assert result.leaked_tenants == 0


def test_recall_is_computed_against_exact_search_over_real_embeddings(
    result: million.Result,
) -> None:
    assert result.recall_queries == QUERIES
    assert result.real == REAL
    assert 0.9 <= result.recall_at_10 <= 1.0  # exact on both sides at this size


def test_searches_keep_being_served_from_the_old_version_while_the_new_one_builds(
    result: million.Result,
) -> None:
    assert result.during_build.n >= 1
    assert result.during_build_errors == 0
    assert result.served_old_version
    assert result.serves_new_version


def test_rows_report_build_time_disk_size_latency_percentiles_and_recall(
    result: million.Result,
) -> None:
    rows = million.rows(result)
    measures = " | ".join(r.measure for r in rows)
    for part in ("build", "disk", "recall@10", "p50", "p95", "p99", "during the build"):
        assert part in measures, part
    assert all(r.hqg > 0 for r in rows)
    assert result.disk_bytes > 0


def test_the_million_benchmark_is_opt_in_and_takes_a_chunk_count(tmp_path: Path) -> None:
    from benchmarks import __main__ as bench

    assert million.NAME in bench.BENCHMARKS
    assert million.NAME in bench.OPT_IN
    with pytest.raises(SystemExit):
        bench.main(["--only", million.NAME, "--chunks", "0"])

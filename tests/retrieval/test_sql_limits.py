"""The guard's size limits and the engine's runtime backstops (issue 12, items 4-6)."""

from __future__ import annotations

import threading
import time

import pytest

from hqg.errors import QueryLimitExceeded, Unavailable, UnsafeQuery
from retrieval.sql import EngineSettings, GuardContext, QueryEngine, guard_sql
from retrieval.sql.context import GuardLimits

CONTEXT = GuardContext(datasets=frozenset({"t"}), granted=frozenset({"t"}))
SLOW = "SELECT count(*) FROM range(1000000000000) a"


def refusal(sql: str, context: GuardContext = CONTEXT) -> UnsafeQuery:
    with pytest.raises(UnsafeQuery) as raised:
        guard_sql(sql, context=context)
    return raised.value


def test_sql_over_the_length_limit_is_refused_naming_the_limit_and_setting() -> None:
    context = GuardContext(
        datasets=CONTEXT.datasets, granted=CONTEXT.granted, limits=GuardLimits(max_sql_chars=100)
    )
    error = refusal("SELECT " + "+".join(["1"] * 60), context)
    assert error.rule == "sql_length"
    assert "100" in error.message
    assert "HQG_SQL__MAX_SQL_CHARS" in error.message
    assert guard_sql("SELECT 1+1", context=context).datasets == ()


def test_a_long_sql_text_is_refused_before_it_is_parsed() -> None:
    started = time.monotonic()
    assert refusal("SELECT " + "+".join(["1"] * 500_000)).rule == "sql_length"
    assert time.monotonic() - started < 0.5


@pytest.mark.slow
def test_sql_at_the_default_length_limit_parses_in_bounded_time() -> None:
    sql = "SELECT " + "+".join(["1"] * (GuardLimits().max_sql_chars // 2 - 8))
    started = time.monotonic()
    guard_sql(sql, context=CONTEXT)
    assert time.monotonic() - started < 5  # generous: ~0.3 s measured on 2 busy cores


def _searches(count: int) -> str:
    calls = ", ".join(f"vector_search('docs', 'q{i}', 5) v{i}" for i in range(count))
    return f"SELECT count(*) FROM {calls}"


def test_vector_search_calls_per_statement_are_capped_by_setting() -> None:
    context = GuardContext(
        datasets=CONTEXT.datasets,
        granted=CONTEXT.granted,
        table_functions=frozenset({"vector_search"}),
        limits=GuardLimits(max_vector_searches=8),
    )
    assert len(guard_sql(_searches(8), context=context).searches) == 8
    error = refusal(_searches(9), context)
    assert error.rule == "vector_search_calls"
    assert "HQG_SQL__MAX_VECTOR_SEARCHES" in error.message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT lpad(a, 8, '0') FROM t",
        "SELECT rpad(a, 20) FROM t",
        "SELECT repeat('-', 40)",
        "SELECT space(4)",
        "SELECT list_resize([1, 2], 10, 0)",
        "SELECT printf('%08.2f', 3.5)",
        "SELECT format('{:>10}', a) FROM t",
        "SELECT hex(a), to_base64(a) FROM t",
        "SELECT replace(a, ',', ', ') FROM t",
        "SELECT regexp_replace(a, '[^0-9]', '', 'g') FROM t",
        "SELECT lpad(hex(a), 40, '0') FROM t",
    ],
)
def test_bounded_generators_and_amplifiers_are_allowed(sql: str) -> None:
    guard_sql(sql, context=CONTEXT)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT lpad('x', 2000000000, 'y')",
        "SELECT lpad(a, length(a) * 1000, '0') FROM t",
        "SELECT rpad(a, 10001) FROM t",
        "SELECT repeat('ab', 5001)",
        "SELECT repeat(a, 2) FROM t",
        "SELECT repeat('x', (SELECT count(*) FROM t))",
        "SELECT space(1000000)",
        "SELECT list_resize([1], 2000000000)",
        "SELECT list_resize([1], 10, a) FROM t",
        "SELECT printf('%100000d', 1)",
        "SELECT printf('%*d', 100000, 1)",
        "SELECT format('{:>{}}', 'x', 100000)",
        "SELECT printf(a, 1) FROM t",
        "SELECT hex(hex(a)) FROM t",
        "SELECT to_base64(replace(a, 'x', 'y')) FROM t",
        "SELECT replace(a, 'x', 'xxx') FROM t",
        "SELECT replace(a, 'x', b) FROM t",
        "SELECT replace(a, b, 'xx') FROM t",
        r"SELECT regexp_replace(a, '(.)', '\1\1') FROM t",
        "SELECT regexp_replace(a, 'x*', 'yy', 'g') FROM t",
        "SELECT list_transform([1, 2], x -> repeat('y', x))",
    ],
)
def test_computed_or_oversized_generators_and_amplifier_chains_are_refused(sql: str) -> None:
    assert refusal(sql).rule == "generated_size"


def test_iterated_accumulation_is_not_on_the_allow_list() -> None:
    assert refusal("SELECT list_reduce([1, 2, 3], (a, b) -> a + b)").rule == "function"


def test_the_memory_backstop_interrupts_running_queries_and_names_itself(sources) -> None:
    engine = QueryEngine(EngineSettings(max_memory="256MB", max_process_memory="1KB"))
    try:
        with engine.session({"products": sources["products"]}) as session:
            started = time.monotonic()
            with pytest.raises(QueryLimitExceeded, match="HQG_SQL__MAX_PROCESS_MEMORY"):
                session.fetch(SLOW, parameters=None, max_rows=1, timeout_seconds=30)
            assert time.monotonic() - started < 5
    finally:
        engine.close()


def test_the_backstop_is_off_at_zero_and_parses_units() -> None:
    assert EngineSettings(max_process_memory="0").max_rss_bytes is None
    assert EngineSettings(max_process_memory="1.5GB").max_rss_bytes == 1_500_000_000


def test_interrupt_all_ends_running_queries_as_unavailable_and_refuses_new_ones(
    sources,
) -> None:
    engine = QueryEngine(EngineSettings(max_memory="256MB"))
    errors: list[Exception] = []

    def run() -> None:
        with engine.session({"products": sources["products"]}) as session:
            try:
                session.fetch(SLOW, parameters=None, max_rows=1, timeout_seconds=30)
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                errors.append(exc)

    try:
        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        assert engine.interrupt_all() == 1
        thread.join(timeout=10)
        assert time.monotonic() - started < 5
        assert [type(e) for e in errors] == [Unavailable]
        with (
            engine.session({"products": sources["products"]}) as session,
            pytest.raises(Unavailable),
        ):
            session.fetch("SELECT 1", parameters=None, max_rows=1, timeout_seconds=5)
    finally:
        engine.close()


def test_a_closed_engine_serves_again_with_its_watchdog(sources) -> None:
    engine = QueryEngine(EngineSettings(max_memory="256MB"))
    try:
        with engine.session({"products": sources["products"]}) as session:
            assert session.fetch("SELECT 1", parameters=None, max_rows=1, timeout_seconds=5)
        engine.close()
        with engine.session({"products": sources["products"]}) as session:
            started = time.monotonic()
            with pytest.raises(QueryLimitExceeded):
                session.fetch(SLOW, parameters=None, max_rows=1, timeout_seconds=0.3)
            assert time.monotonic() - started < 5
    finally:
        engine.close()


class _CountingCursor:
    """Stands for a DuckDB cursor whose first interrupt was lost (it landed before execute)."""

    def __init__(self) -> None:
        self.interrupts = 0

    def interrupt(self) -> None:
        self.interrupts += 1


def test_a_fired_query_is_interrupted_again_until_it_is_released() -> None:
    from retrieval.sql.watchdog import Watchdog

    watchdog = Watchdog()
    cursor = _CountingCursor()
    try:
        watch = watchdog.watch(cursor, timeout_seconds=0.01)
        deadline = time.monotonic() + 10
        while cursor.interrupts < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (watch.reason, cursor.interrupts >= 3) == ("timeout", True)
        watchdog.release(watch)
        time.sleep(0.2)
        settled = cursor.interrupts
        time.sleep(0.2)
        assert cursor.interrupts == settled  # released: left alone
    finally:
        watchdog.stop()

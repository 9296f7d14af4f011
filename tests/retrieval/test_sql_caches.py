"""The hot-path caches never reuse a verdict or a rewrite across catalogs, grants or versions."""

from __future__ import annotations

import pytest
from sql_fixture_data import SALT

from hqg.errors import AccessDenied, UnsafeQuery
from hqg.lru import LruCache
from hqg.predicates import Compare, cache_key
from privacy.operators import MaskKind
from retrieval.grants import TableGrant
from retrieval.sql import GuardContext, SqlLimits, TableSource, run_governed_sql


def run(sql, sources, grants, engine):
    return run_governed_sql(
        sql, sources=sources, grants=grants, limits=SqlLimits(), salt=SALT, engine=engine
    )


def test_a_guard_verdict_is_not_reused_for_another_principals_grants(sources, engine) -> None:
    sql = "SELECT count(*) FROM customers"
    assert run(sql, sources, {"customers": TableGrant()}, engine).rows == ((5,),)
    with pytest.raises(AccessDenied):
        run(sql, sources, {"orders": TableGrant()}, engine)


def test_a_guard_verdict_is_not_reused_for_another_catalog(engine) -> None:
    sql = "SELECT * FROM customers"
    everything = frozenset({"customers"})
    engine.guard(sql, context=GuardContext(datasets=everything, granted=everything))
    with pytest.raises(UnsafeQuery) as caught:
        engine.guard(sql, context=GuardContext(datasets=frozenset(), granted=frozenset()))
    assert caught.value.rule == "unknown_table"


def test_a_refusal_is_refused_again_from_the_cache(engine) -> None:
    context = GuardContext(datasets=frozenset(), granted=frozenset())
    for _ in range(2):
        with pytest.raises(UnsafeQuery):
            engine.guard("SELECT * FROM read_csv('/etc/passwd')", context=context)


def test_the_same_text_under_different_masks_is_rewritten_for_each(sources, engine) -> None:
    sql = "SELECT email FROM customers WHERE customer_id = 1"
    plain = run(sql, sources, {"customers": TableGrant()}, engine)
    masked = run(sql, sources, {"customers": TableGrant(masks={"email": MaskKind.NULL})}, engine)
    assert plain.rows == (("alice.anders@acme.example",),)
    assert masked.rows == ((None,),)
    assert run(sql, sources, {"customers": TableGrant()}, engine).rows == plain.rows


def test_a_new_dataset_version_is_not_served_a_cached_rewrite(sources, engine) -> None:
    sql = "SELECT count(*) FROM products"
    grants = {"products": TableGrant()}
    first = run(sql, sources, grants, engine)
    moved = dict(sources)
    old = sources["products"]
    moved["products"] = TableSource(contract=old.contract, database=old.database, version="v2")
    second = run(sql, moved, grants, engine)
    assert first.rows == second.rows
    assert second.datasets[0].version == "v2"


def test_the_lru_cache_drops_the_least_recently_used_entry() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Compare("flag", "=", 1), Compare("flag", "=", True)),
        (Compare("n", "=", 1), Compare("n", "=", 1.0)),
        (Compare("n", "in", (0, 1)), Compare("n", "in", (False, True))),
    ],
)
def test_cache_keys_tell_apart_predicates_python_calls_equal(left: Compare, right: Compare) -> None:
    """Counts are cached under ``cache_key``: ``= 1`` must never answer for ``= true``."""
    assert left == right  # dataclass equality: why the predicate itself is not the key
    assert cache_key(left) != cache_key(right)
    assert cache_key(left) == cache_key(Compare(left.column, left.op, left.value))
    assert cache_key(None) is None

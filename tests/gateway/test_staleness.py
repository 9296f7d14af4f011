"""The max-staleness cutoff: never laxer than exact, one predicate per minute, scopes and
datasets judged against it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authz.decision import CollectionGrant, Decision
from gateway.staleness import (
    AS_OF_FIELD,
    collection_scope,
    require_fresh,
    stale_datasets,
    staleness_cutoff,
)
from hqg.errors import AccessDenied
from hqg.predicates import All, Compare
from ingestion.catalog import Dataset, DatasetVersion
from ingestion.contracts import parse_contract

TENANT = Compare("tenant", "=", "acme")
NOW = datetime(2026, 12, 3, 8, 21, 12, 500_000, tzinfo=UTC)


def decision(max_staleness: timedelta | None, *, allow: bool = True) -> Decision:
    return Decision(
        allow=allow,
        collections={"handbook": CollectionGrant(filter=TENANT), "public": CollectionGrant()},
        max_staleness=max_staleness,
        policy_hash="test",
        engine="test",
    )


@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    staleness=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)),
)
def test_the_rounded_cutoff_is_never_laxer_than_exact_and_at_most_a_minute_stricter(
    now: datetime, staleness: timedelta
) -> None:
    exact = (now - staleness).timestamp()
    cutoff = staleness_cutoff(staleness, now=now)
    assert cutoff >= exact
    assert cutoff - exact < 60
    assert cutoff % 60 == 0


def test_the_cutoff_is_the_same_for_a_whole_minute() -> None:
    day = timedelta(days=1)
    minute = datetime(2026, 12, 3, 8, 21, tzinfo=UTC)
    cutoffs = {staleness_cutoff(day, now=minute + timedelta(seconds=s)) for s in (0.5, 30, 59.9)}
    assert cutoffs == {(minute + timedelta(minutes=1) - day).timestamp()}
    assert staleness_cutoff(day, now=minute) == (minute - day).timestamp()  # exact stays exact


def test_a_limit_reaching_before_year_one_is_no_limit_not_an_error() -> None:
    cutoff = staleness_cutoff(timedelta(days=9_999_999), now=NOW)
    assert cutoff == datetime(1, 1, 1, tzinfo=UTC).timestamp()
    assert stale_datasets(decision(timedelta(days=9_999_999)), [], now=NOW) == ()


def test_a_scope_adds_the_cutoff_to_the_grant_filter() -> None:
    cutoff = staleness_cutoff(timedelta(hours=24), now=NOW)
    scope = collection_scope(decision(timedelta(hours=24)), "handbook", now=NOW)
    assert scope.predicate == All((TENANT, Compare(AS_OF_FIELD, ">=", cutoff)))
    assert isinstance(cutoff, float)  # one value type, so one cache key per minute


def test_a_scope_without_a_grant_filter_is_the_cutoff_alone() -> None:
    scope = collection_scope(decision(timedelta(hours=1)), "public", now=NOW)
    assert scope.predicate == Compare(
        AS_OF_FIELD, ">=", staleness_cutoff(timedelta(hours=1), now=NOW)
    )


def test_without_max_staleness_a_scope_is_exactly_the_grant() -> None:
    assert collection_scope(decision(None), "handbook", now=NOW).predicate is TENANT
    assert collection_scope(decision(None), "public", now=NOW).predicate is None


@pytest.mark.parametrize(("name", "allow"), [("hr", True), ("handbook", False)])
def test_a_collection_not_granted_has_no_scope(name: str, allow: bool) -> None:
    with pytest.raises(AccessDenied, match="not readable"):
        collection_scope(decision(timedelta(hours=1), allow=allow), name, now=NOW)


def dataset(name: str, as_of: datetime | None) -> Dataset:
    columns = [{"name": "id", "type": "BIGINT"}]
    contract = parse_contract({"name": name, "owner": "team", "columns": columns}, source="t")
    current = (
        None
        if as_of is None
        else DatasetVersion(
            dataset=name,
            version="v1",
            seq=1,
            row_count=1,
            quarantined_count=0,
            content_hash="0" * 64,
            source_path="x.csv",
            source_mtime=as_of,
            ingested_at=as_of,
            as_of=as_of,
            file=Path("x.duckdb"),
        )
    )
    return Dataset(contract=contract, contract_origin="file", current=current)


def test_datasets_older_than_the_cutoff_are_refused_by_name_and_duration() -> None:
    read = [
        dataset("fresh", NOW - timedelta(hours=23)),
        dataset("stale", NOW - timedelta(hours=25)),
        dataset("unversioned", None),
    ]
    limit = decision(timedelta(hours=24))
    assert stale_datasets(limit, read, now=NOW) == ("stale", "unversioned")
    with pytest.raises(AccessDenied) as refused:
        require_fresh(limit, read, now=NOW)
    assert "stale: older than the policy's max staleness of 1d" in refused.value.message
    assert "fresh" not in refused.value.message
    assert refused.value.reasons[-2:] == (
        "stale: older than the policy's max staleness of 1d",
        "unversioned: older than the policy's max staleness of 1d",
    )


def test_a_dataset_within_the_rounding_minute_is_refused_not_served() -> None:
    edge = dataset("orders", NOW - timedelta(hours=24) + timedelta(seconds=10))
    assert stale_datasets(decision(timedelta(hours=24)), [edge], now=NOW) == ("orders",)


def test_without_max_staleness_no_dataset_is_refused() -> None:
    read = [dataset("ancient", datetime(2000, 1, 1, tzinfo=UTC)), dataset("none", None)]
    require_fresh(decision(None), read, now=NOW)
    assert stale_datasets(decision(None), read, now=NOW) == ()

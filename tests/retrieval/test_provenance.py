"""Freshness reads the same for tables and for the chunks a hybrid query read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.hybrid import collection_freshness
from retrieval.provenance import ChunkRef, age_text

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0s"),
        (0, "0s"),
        (59.9, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h"),
        (5 * 3600 + 10, "5h"),
        (86_400, "1d"),
        (3 * 86_400 + 7200, "3d"),
    ],
)
def test_an_age_is_spelled_in_its_largest_whole_unit(seconds: float, text: str) -> None:
    assert age_text(seconds) == text


@pytest.mark.parametrize("age", [timedelta(seconds=42), timedelta(hours=5), timedelta(days=9)])
def test_a_collection_age_is_spelled_like_a_table_age(age: timedelta) -> None:
    chunk = ChunkRef(
        collection="handbook",
        doc_id="acme/refunds",
        chunk_id="c1",
        doc_version=1,
        source="refunds.md",
        start=0,
        end=10,
        content_hash="0" * 64,
        as_of=NOW - age,
        sla_seconds=86_400,
        stale=False,
    )
    (line,) = collection_freshness([chunk], now=NOW)
    assert line.age == age_text(age.total_seconds())

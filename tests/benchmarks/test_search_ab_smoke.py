"""The search A/B benchmark for a moment, this tree against itself: behaviour only (no number is
asserted; the machine is shared): both servers answer every search and the table has a row
per concurrency with the server's CPU per request."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import search_ab
from benchmarks.http import REPO

pytestmark = pytest.mark.slow  # make test-fast skips it: serves hqg twice


def test_search_ab_answers_every_search_on_both_servers_and_prices_each_request(
    demo_home: Path,
) -> None:
    blocks = search_ab.compare(REPO, demo_home, rounds=1, seconds=1.0, concurrency=(1, 2), env={})

    assert set(blocks) == {(side, c) for side in ("A", "B") for c in (1, 2)}
    for (side, c), measured in blocks.items():
        assert len(measured) == 1, (side, c)
        (block,) = measured
        assert block.errors == 0, (side, c)
        assert block.rate > 0, (side, c)
        assert block.cpu_ms > 0, (side, c)
    table = search_ab.report(blocks, (1, 2))
    assert table.count("\n| ") == 2  # one row per concurrency under the header

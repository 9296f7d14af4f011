"""The leakage eval's write-side channel, on the session's demo workspace: an adversarial
corpus ingested with the real pipeline and read back over HTTP by the masked demo callers
yields no PII, no cross-tenant read and no quoted injection, and its positive controls see."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.context import EvalContext
from evals.write_side import WriteSideTally, measure_write_side

pytestmark = pytest.mark.slow  # make test-fast skips it: builds a workspace from an ingest


@pytest.fixture(scope="module")
def tally(demo_home: Path) -> WriteSideTally:
    with EvalContext(smoke=True) as ctx:
        ctx.__dict__["demo_home"] = demo_home  # the session's build, not a second one
        return measure_write_side(ctx)


def test_the_write_side_channel_finds_nothing_and_its_controls_see(
    tally: WriteSideTally,
) -> None:
    assert tally.findings == []
    assert (tally.pii, tally.cross_tenant, tally.injections, tally.controls_failed) == (
        0,
        0,
        0,
        0,
    )
    assert tally.requests > 0


def test_the_tenancy_attacks_of_the_corpus_fail_alone(tally: WriteSideTally) -> None:
    """The file claiming globex's tenant and the tenantless one are refused."""
    assert tally.failed_files == 2

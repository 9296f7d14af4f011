"""Group commit of one-item calls (``hqg.batching``): concurrent callers share one batched
call, each gets its own result, and one caller's failure stays its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest

from hqg.batching import GroupBatcher

WAIT = 30.0


class Model:
    """A batched function that records its batches; its first call can be held open."""

    def __init__(self, answer: Callable[[str], str | None], *, hold_first: bool = False) -> None:
        self.answer = answer
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, items: Sequence[str]) -> list[str | None]:
        self.batches.append(list(items))
        self.entered.set()
        assert self.release.wait(WAIT)
        return [self.answer(item) for item in items]


def _concurrently(
    batcher: GroupBatcher[str, str | None], model: Model, items: Sequence[str]
) -> dict[str, str | None | Exception]:
    """The first item enters the model and is held there while the others queue behind it."""
    results: dict[str, str | None | Exception] = {}

    def call(item: str) -> None:
        try:
            results[item] = batcher(item)
        except Exception as exc:
            results[item] = exc

    first = threading.Thread(target=call, args=(items[0],))
    first.start()
    assert model.entered.wait(WAIT)
    others = [threading.Thread(target=call, args=(item,)) for item in items[1:]]
    for thread in others:
        thread.start()
    while batcher.waiting < len(others):
        threading.Event().wait(0.005)
    model.release.set()
    for thread in (first, *others):
        thread.join(WAIT)
    return results


def test_callers_who_arrive_during_a_call_share_the_next_call_each_getting_its_own_result() -> None:
    model = Model(str.upper, hold_first=True)
    batcher: GroupBatcher[str, str | None] = GroupBatcher(model, max_batch=32)
    items = [f"query {i}" for i in range(9)]
    results = _concurrently(batcher, model, items)
    assert results == {item: item.upper() for item in items}
    assert model.batches[0] == [items[0]]
    assert sorted(model.batches[1]) == sorted(items[1:])
    assert len(model.batches) == 2


def test_a_batch_never_exceeds_its_maximum() -> None:
    model = Model(str.upper, hold_first=True)
    batcher: GroupBatcher[str, str | None] = GroupBatcher(model, max_batch=3)
    items = [f"q{i}" for i in range(8)]
    results = _concurrently(batcher, model, items)
    assert results == {item: item.upper() for item in items}
    assert [len(batch) for batch in model.batches] == [1, 3, 3, 1]


def test_a_lone_call_runs_at_once_and_a_result_of_none_is_a_result() -> None:
    model = Model(lambda item: None)
    batcher: GroupBatcher[str, str | None] = GroupBatcher(model, max_batch=8)
    assert batcher("alone") is None
    assert model.batches == [["alone"]]


def test_one_callers_bad_input_fails_only_that_caller() -> None:
    def answer(item: str) -> str:
        if item == "poison":
            raise ValueError("bad input")
        return item.upper()

    model = Model(answer, hold_first=True)
    batcher: GroupBatcher[str, str | None] = GroupBatcher(model, max_batch=32)
    results = _concurrently(batcher, model, ["first", "a", "poison", "b"])
    assert isinstance(results.pop("poison"), ValueError)
    assert results == {"first": "FIRST", "a": "A", "b": "B"}
    # the failing batch was run again one item at a time
    assert sorted(model.batches[1]) == ["a", "b", "poison"]
    assert sorted(model.batches[2:]) == [["a"], ["b"], ["poison"]]


def test_a_model_that_loses_results_fails_its_callers() -> None:
    batcher: GroupBatcher[str, str] = GroupBatcher(lambda items: [], max_batch=4)
    with pytest.raises(ValueError, match="gave 0 results"):
        batcher("question")

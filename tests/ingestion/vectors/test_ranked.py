"""Search results are cut at ``k`` by score, ties broken by id: the same query returns the same
hits twice in a row, whatever order the engine hands tied points back in."""

from __future__ import annotations

import itertools

from ingestion.vectors.base import Hit
from ingestion.vectors.queries import ranked


def _hit(id_: str, score: float) -> Hit:
    return Hit(id=id_, score=score, text="", payload={})


def test_tied_hits_at_the_cut_off_are_chosen_by_id_whatever_the_engine_order() -> None:
    hits = [_hit("d", 0.5), _hit("b", 0.9), _hit("c", 0.5), _hit("a", 0.5)]
    answers = {tuple(h.id for h in ranked(order, 3)) for order in itertools.permutations(hits)}
    assert answers == {("b", "a", "c")}


def test_fewer_hits_than_k_are_all_kept_best_first() -> None:
    assert [h.id for h in ranked([_hit("x", 0.1), _hit("y", 0.7)], 5)] == ["y", "x"]

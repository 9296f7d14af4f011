"""Search results are cut at ``k`` by score, ties broken by id, and hybrid rankings are fused
with the same tie-break: the same query returns the same hits twice in a row, whatever order
the engine hands tied points back in."""

from __future__ import annotations

import itertools

import pytest

from ingestion.vectors.base import Hit
from ingestion.vectors.queries import RRF_K, fuse, ranked


def _hit(id_: str, score: float) -> Hit:
    return Hit(id=id_, score=score, text="", payload={})


def test_tied_hits_at_the_cut_off_are_chosen_by_id_whatever_the_engine_order() -> None:
    hits = [_hit("d", 0.5), _hit("b", 0.9), _hit("c", 0.5), _hit("a", 0.5)]
    answers = {tuple(h.id for h in ranked(order, 3)) for order in itertools.permutations(hits)}
    assert answers == {("b", "a", "c")}


def test_fewer_hits_than_k_are_all_kept_best_first() -> None:
    assert [h.id for h in ranked([_hit("x", 0.1), _hit("y", 0.7)], 5)] == ["y", "x"]


def test_fused_scores_do_not_depend_on_the_order_tied_hits_are_listed_in() -> None:
    dense = [_hit("a", 0.9), _hit("b", 0.5), _hit("c", 0.5)]
    lexical = [_hit("c", 2.0), _hit("b", 2.0), _hit("a", 1.0)]
    answers = {
        tuple((h.id, h.score) for h in fuse([list(d), list(lx)], 3))
        for d in itertools.permutations(dense)
        for lx in itertools.permutations(lexical)
    }
    assert len(answers) == 1


def test_a_hit_first_in_both_rankings_outscores_one_first_in_one() -> None:
    fused = fuse([[_hit("a", 0.9), _hit("b", 0.8)], [_hit("a", 3.0), _hit("c", 4.0)]], 3)
    assert [h.id for h in fused][0] == "a"
    assert fused[0].score == pytest.approx(1 / RRF_K + 1 / (RRF_K + 1))


def test_a_single_ranking_keeps_its_own_scores() -> None:
    assert [(h.id, h.score) for h in fuse([[_hit("x", 0.2), _hit("y", 0.7)]], 5)] == [
        ("y", 0.7),
        ("x", 0.2),
    ]

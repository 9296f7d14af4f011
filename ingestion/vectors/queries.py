"""Checking a search call once, for every implementation: which vectors a mode needs, ``k``;
and the one reciprocal-rank fusion every hybrid search uses.

Hybrid search fuses here, not inside an engine: the engines order tied points by a hash map's
iteration order, so an engine's fusion turns a tie in one ranking into a different fused score
from one build (or call) to the next. Fusing ranks taken with a fixed tie-break makes a hybrid
result a function of the scores alone, identical for both engines and for one collection or
many (``retrieval.search`` fuses across collections with the same function).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from hqg.errors import ConfigError
from ingestion.vectors.base import Hit, SearchMode

MAX_K = 1000
RRF_K = 60  # the usual constant of reciprocal-rank fusion (Cormack et al. 2009)
_PREFETCH_FACTOR = 4
_MIN_PREFETCH = 50
#: Results asked of the engine beyond ``k``, so that hits tied at the cut-off all come back and
#: the cut is made here, by id (see ``ranked``).
_TIE_MARGIN = 8


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """What to search with: a dense vector, a BM25 query text, or both (fused with RRF)."""

    dense: tuple[float, ...] | None
    text: str | None
    k: int
    prefetch: int  # candidates per source before fusion

    @property
    def sources(self) -> int:
        """How many rankings the search takes: 2 for hybrid, else 1."""
        return (self.dense is not None) + (self.text is not None)

    @property
    def per_source(self) -> int:
        """Hits kept from each ranking: ``k`` alone, the fusion's candidates when fused."""
        return self.prefetch if self.sources > 1 else self.k

    @property
    def limit(self) -> int:
        """What to ask the engine for per ranking: ``per_source`` and a margin for ties at the
        cut-off."""
        return self.per_source + _TIE_MARGIN


def plan_search(
    *,
    mode: SearchMode,
    dense: Sequence[float] | None,
    text: str | None,
    k: int,
    dim: int,
    fusing: bool = True,
) -> SearchPlan:
    """Refuse a call the mode cannot serve (a caller bug, not a user error: ``ValueError``).

    ``fusing=False`` plans the rankings alone (``VectorIndex.rankings``): each keeps ``k``, for
    a caller that fuses rankings of several collections itself."""
    if not 0 < k <= MAX_K:
        raise ValueError(f"k must be between 1 and {MAX_K}")
    mode = SearchMode(mode)
    needs_dense = mode in (SearchMode.DENSE, SearchMode.HYBRID)
    needs_text = mode in (SearchMode.LEXICAL, SearchMode.HYBRID)
    if needs_dense and dense is None:
        raise ValueError(f"{mode.value} search needs a dense query vector")
    if needs_text and not (text and text.strip()):
        raise ValueError(f"{mode.value} search needs a query text")
    if needs_dense and dense is not None and len(dense) != dim:
        raise ConfigError("the query vector's dimension differs from the collection's")
    return SearchPlan(
        dense=tuple(dense) if needs_dense and dense is not None else None,
        text=text if needs_text else None,
        k=k,
        prefetch=fusion_candidates(k) if fusing else k,
    )


def fusion_candidates(k: int) -> int:
    """Candidates each ranking contributes to a fusion whose best ``k`` are kept."""
    return min(max(k * _PREFETCH_FACTOR, _MIN_PREFETCH), MAX_K)


class _Ranked(Protocol):
    """What a ranking holds: a ``Hit`` (``search``) or a ``Scored`` (``rankings``)."""

    @property
    def id(self) -> str: ...

    @property
    def score(self) -> float: ...


RankedT = TypeVar("RankedT", bound=_Ranked)


def ranked(hits: Sequence[RankedT], k: int) -> list[RankedT]:
    """The best ``k`` hits, ties broken by id.

    Reciprocal-rank fusion and BM25 tie often, and the engines order tied points by a hash map's
    iteration order, which changes from one call to the next. Without a fixed tie-break the
    same query could return different evidence twice in a row, which makes answers
    irreproducible and turns the order of results into a side channel (two questions that mask
    to the same text must be answered alike).
    """
    return sorted(hits, key=lambda hit: (-hit.score, hit.id))[:k]


Key = TypeVar("Key", bound=Hashable)


def reciprocal_ranks(rankings: Iterable[Sequence[tuple[Key, float]]]) -> dict[Key, float]:
    """Reciprocal-rank fusion of ``(key, score)`` rankings: each key scores the sum of
    ``1 / (RRF_K + rank)`` over the rankings it appears in, the best rank being 0 (as Qdrant
    counts, so a fused score means what the engines' own fusion meant).

    Each ranking is ordered here by score, ties by key, so equal scores never take their
    rank from the order a caller (or an engine) happened to list them in.
    """
    fused: dict[Key, float] = {}
    for ranking in rankings:
        ordered = sorted(ranking, key=lambda item: (-item[1], item[0]))
        for rank, (key, _) in enumerate(ordered):
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def fused(plan: SearchPlan, results: Iterable[Sequence[Hit]]) -> list[Hit]:
    """The plan's best ``k`` from an engine's answer to each of its rankings: each answer cut
    to ``per_source`` by ``ranked`` (ties by id), then ``fuse``d. What both engines return."""
    return fuse(cut(plan, results), plan.k)


def cut(plan: SearchPlan, results: Iterable[Sequence[RankedT]]) -> list[list[RankedT]]:
    """Each of an engine's answers cut to the plan's ``per_source`` by ``ranked`` (ties by id):
    the rankings ``fused`` fuses and ``VectorIndex.rankings`` returns."""
    return [ranked(hits, plan.per_source) for hits in results]


def fuse(rankings: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
    """The best ``k`` hits of one collection's rankings: a single ranking as it scored,
    several fused by ``reciprocal_ranks`` (a hit's score becomes its fused score)."""
    if len(rankings) == 1:
        return ranked(rankings[0], k)
    fused = reciprocal_ranks([(hit.id, hit.score) for hit in ranking] for ranking in rankings)
    first = {hit.id: hit for ranking in rankings for hit in ranking}
    return ranked([first[id_].model_copy(update={"score": s}) for id_, s in fused.items()], k)

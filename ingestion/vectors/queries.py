"""Checking a search call once, for every implementation: which vectors a mode needs, ``k``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hqg.errors import ConfigError
from ingestion.vectors.base import Hit, SearchMode

MAX_K = 1000
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
    def limit(self) -> int:
        """What to ask the engine for: ``k`` and a margin for ties at the cut-off."""
        return self.k + _TIE_MARGIN


def plan_search(
    *, mode: SearchMode, dense: Sequence[float] | None, text: str | None, k: int, dim: int
) -> SearchPlan:
    """Refuse a call the mode cannot serve (a caller bug, not a user error: ``ValueError``)."""
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
        prefetch=max(k * _PREFETCH_FACTOR, _MIN_PREFETCH),
    )


def ranked(hits: Sequence[Hit], k: int) -> list[Hit]:
    """The best ``k`` hits, ties broken by id.

    Reciprocal-rank fusion and BM25 tie often, and the engines order tied points by a hash map's
    iteration order, which changes from one call to the next. Without a fixed tie-break the
    same query could return different evidence twice in a row, which makes answers
    irreproducible and turns the order of results into a side channel (two questions that mask
    to the same text must be answered alike).
    """
    return sorted(hits, key=lambda hit: (-hit.score, hit.id))[:k]

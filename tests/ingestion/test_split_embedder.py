"""``SplitEmbedder``: queries on one runtime, stored texts on another loaded on first need."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hqg.errors import Unavailable
from ingestion.embedding import SplitEmbedder


class Fixed:
    """A two-dimensional stand-in for a runtime of ``name``."""

    def __init__(self, name: str = "m", dim: int = 2) -> None:
        self.name, self.dim = name, dim

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[1.0, 0.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [0.0, 1.0]


def test_queries_never_load_the_stored_text_runtime_and_an_empty_batch_does() -> None:
    loads: list[str] = []

    def documents() -> Fixed:
        loads.append("loaded")
        return Fixed()

    split = SplitEmbedder(queries=Fixed(), documents=documents)
    assert split.embed_query("q") == [0.0, 1.0]
    assert loads == []
    assert split.embed([]) == []  # what `hqg ingest docs` does under its "loading" status line
    assert loads == ["loaded"]
    assert split.embed(["a"]) == [[1.0, 0.0]]
    assert loads == ["loaded"]


def test_a_stored_text_runtime_of_another_model_is_refused() -> None:
    split = SplitEmbedder(queries=Fixed(), documents=lambda: Fixed(name="other"))
    with pytest.raises(Unavailable, match="other"):
        split.embed(["a"])

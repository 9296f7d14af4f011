"""The ``Embedder`` protocol: text to dense vectors, on CPU, from weights shipped in a package."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Embedder(Protocol):
    """Embeds text; ``dim`` is fixed for a model, ``name`` identifies it in the catalog."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

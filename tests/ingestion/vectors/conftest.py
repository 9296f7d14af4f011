"""Both index implementations behind one fixture: qdrant-edge on disk, qdrant-client local mode."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingestion.vectors.base import IndexedPoint, PayloadValue, VectorIndex
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.server import QdrantServerIndex

DIM = 4
# qdrant-client's local mode says (once) that it ignores payload indexes and search params
LOCAL_MODE_NOTICES = "ignore:(Payload indexes|Local mode):UserWarning"


def make_index(kind: str, directory: Path) -> VectorIndex:
    if kind == "edge":
        return EdgeVectorIndex(directory)
    from qdrant_client import QdrantClient

    return QdrantServerIndex.from_client(QdrantClient(location=":memory:"))


@pytest.fixture(
    params=["edge", pytest.param("server", marks=pytest.mark.filterwarnings(LOCAL_MODE_NOTICES))]
)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    built = make_index(request.param, tmp_path / "vectors")
    yield built
    built.close()


def pid(n: int) -> str:
    return str(uuid.UUID(int=n))


def point(n: int, dense: tuple[float, ...], text: str, **payload: PayloadValue) -> IndexedPoint:
    return IndexedPoint(id=pid(n), dense=dense, text=text, payload=payload)

"""Chunks to indexed points, in shared batches, with a document at fault held apart.

Each embedding call has a fixed cost (~0.1 s on this CPU), so chunks of several documents are
embedded together, ``batch_size`` at a time, with each chunk's masked view beside it (a chunk
with nothing masked reuses its raw vector). When a shared batch fails, each document is
embedded alone: one the embedder rejects gets a ``StageFailed`` (its run quarantines it), once
the probe (``faults.py``) shows the embedder works for others; else the run aborts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ingestion.documents.faults import Probe, Stage, StageFailed
from ingestion.documents.model import DocumentChunk
from ingestion.embedding import Embedder
from ingestion.vectors.base import IndexedPoint

Embedded = list[IndexedPoint] | StageFailed


class ChunkEmbedder:
    """Embeds documents' chunks for one run, counting progress across calls."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        batch_size: int,
        probe: Probe,
        progress: Callable[[str, int, int | None], None],
    ) -> None:
        self.embedder, self.batch_size = embedder, batch_size
        self.probe, self.progress = probe, progress
        self.embedded = 0

    def documents(self, documents: Sequence[Sequence[DocumentChunk]]) -> list[Embedded]:
        """Each document's points, or the failure that quarantines it."""
        try:
            points = self.chunks([chunk for chunks in documents for chunk in chunks])
        except Exception:
            return [self._alone(chunks) for chunks in documents]
        groups: list[Embedded] = []
        offset = 0
        for chunks in documents:
            groups.append(points[offset : offset + len(chunks)])
            offset += len(chunks)
        return groups

    def _alone(self, chunks: Sequence[DocumentChunk]) -> Embedded:
        try:
            return self.chunks(chunks)
        except Exception as exc:
            failed = StageFailed(Stage.EMBEDDING, exc)
            self.probe.blame_document(failed)  # raises when the embedder fails for everyone
            return failed

    def chunks(self, chunks: Sequence[DocumentChunk]) -> list[IndexedPoint]:
        points: list[IndexedPoint] = []
        size, embedder = self.batch_size, self.embedder
        for start in range(0, len(chunks), size):
            batch = chunks[start : start + size]
            masked = [chunk for chunk in batch if chunk.text_masked != chunk.text]
            texts = [chunk.text for chunk in batch] + [chunk.text_masked for chunk in masked]
            vectors = embedder.embed(texts)
            if len(vectors) != len(texts) or any(len(v) != embedder.dim for v in vectors):
                raise ValueError(f"embedder {embedder.name} returned malformed vectors")
            masked_vectors = dict(zip((c.id for c in masked), vectors[len(batch) :], strict=True))
            points.extend(
                chunk.to_point(v, masked_dense=masked_vectors.get(chunk.id, v))
                for chunk, v in zip(batch, vectors[: len(batch)], strict=True)
            )
            self.embedded += len(batch)
            self.progress("embed", self.embedded, None)
        return points

"""Versioned embedded collections: document ingest beside a serving gateway.

A qdrant-edge shard is locked by the process that opens it, and opening it writes to it, so
a published version is never opened in place. As with tables, writers never touch what
readers have open: each collection lives in ``ROOT/<collection>/v<N>/``, a writer copies the
current version to ``v<N+1>``, applies its changes there, flushes, closes, and flips
``ROOT/<collection>/CURRENT`` with an atomic rename. A reader (``reading``: one per request)
reads ``CURRENT`` at its first call on a collection and keeps that version for the rest of the
block, so one search's calls (rankings, counts, fetches) all see one version, and the next
request sees the newest; when ``CURRENT`` changes, the process opens a private copy of the new
version (``ingestion.vectors.private_copy``), so any number of processes (``hqg serve`` twice,
the CLI beside a server) read one workspace. A replaced version stays open until the last
reader holding it is done. A failed or no-op run
leaves ``CURRENT`` untouched and removes its copy. Versions older than the previous one are
removed by the next writer.

Because a published version never changes, a count of (collection, version, predicate) never
changes either: ``count`` keeps exact counts in a small LRU keyed by the version ``CURRENT``
named for that call, so a flip invalidates them with no bookkeeping (governed search asks for
two counts per collection per request, the bulk of its latency at 100k chunks). This relies on
a version name never being reused for other data while the process runs, as the map of open
versions already does. Errors are never cached.

The copy costs time proportional to the collection's size (a 100k-chunk collection is a few
hundred MB): the price of never stopping the gateway. A Qdrant server needs none of this.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hqg.errors import IngestError, NotFound, Unavailable
from hqg.lru import LruCache
from hqg.predicates import Predicate, cache_key
from ingestion.vectors.base import (
    Hit,
    IndexedPoint,
    Scored,
    SearchMode,
    SearchView,
    VectorReader,
)
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.layout import check_collection_name
from ingestion.vectors.private_copy import copy_sparse_tree, private_copy, remove_private_copy

CURRENT = "CURRENT"
OPEN_ATTEMPTS = 3
"""Tries to open ``CURRENT``'s version: a writer may publish twice and remove the version a
reader was copying; the reader then reads ``CURRENT`` again."""

MAX_CACHED_COUNTS = 4096
"""Counts kept by ``VersionedEdgeIndex.count``.

Each governed search reads two keys per collection: the unfiltered count (one per collection
version) and the caller's filter (one per distinct grant, typically per tenant and role). An
entry is a short string and an int, well under 1 KB, so 4096 stay below a few MB while holding
every filter of a few hundred tenants across ten collections. Keys of replaced versions are
never read again and age out; a miss costs one exact count (tens of ms at 100k chunks).
"""

_CountKey = tuple[str, str, str | None]  # collection, version, predicate key


@dataclass(eq=False)
class _Opened:
    """A version this process has open, on its private copy; ``readers``: the readers
    (``VersionedEdgeIndex.reading`` blocks) holding it, guarded by the index's lock."""

    version: str
    index: EdgeVectorIndex
    copy: Path
    readers: int = 0

    def close(self) -> None:
        try:
            self.index.close()
        finally:
            remove_private_copy(self.copy)


class VersionedEdgeIndex:
    """Reads the current version of each collection; ``writer`` makes the next one."""

    def __init__(self, root: Path, *, hnsw_ef: int, exact_below: int) -> None:
        self._root = root
        self._hnsw_ef, self._exact_below = hnsw_ef, exact_below
        self._lock = threading.Lock()  # guards the map and set below, and their readers
        self._open: dict[str, _Opened] = {}
        self._replaced: set[_Opened] = set()  # replaced versions readers still hold
        self._counts: LruCache[_CountKey, int] = LruCache(MAX_CACHED_COUNTS)
        root.mkdir(parents=True, exist_ok=True)

    def _edge(self, directory: Path) -> EdgeVectorIndex:
        return EdgeVectorIndex(directory, hnsw_ef=self._hnsw_ef, exact_below=self._exact_below)

    # -- reading -------------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[VectorReader]:
        """A reader for one request: each collection at the version ``CURRENT`` names at the
        reader's first call on it, held (never closed) until the block ends, whatever is
        published meanwhile. Not shared between threads."""
        reader = _Reader(self)
        try:
            yield reader
        finally:
            reader.release()

    def _acquire(self, collection: str, *, attempts: int = OPEN_ATTEMPTS) -> _Opened:
        """The version ``CURRENT`` names now, open on this process's copy, held for the caller
        (``_release`` it)."""
        name = check_collection_name(collection)
        version = current_version(self._root, name)
        if version is None:
            raise NotFound(f"collection {collection!r} does not exist")
        try:
            return self._held(name, version)
        except Unavailable:
            if attempts <= 1 or current_version(self._root, name) == version:
                raise
            return self._acquire(collection, attempts=attempts - 1)  # replaced meanwhile

    def _held(self, collection: str, version: str) -> _Opened:
        with self._lock:
            held = self._open.get(collection)
            if held is None or held.version != version:
                opened = self._open_copy(collection, version)
                if held is not None:
                    if held.readers:
                        self._replaced.add(held)
                    else:
                        held.close()
                self._open[collection] = held = opened
            held.readers += 1
            return held

    def _release(self, opened: _Opened) -> None:
        """One reader less on ``opened``; a replaced version closes with its last reader."""
        with self._lock:
            opened.readers -= 1
            done = not opened.readers and opened in self._replaced
            if done:
                self._replaced.discard(opened)
        if done:
            opened.close()

    def _open_copy(self, collection: str, version: str) -> _Opened:
        try:
            copy = private_copy(self._root / collection, version)
        except OSError as exc:
            raise Unavailable(f"collection {collection!r} could not be copied for reading") from exc
        try:
            return _Opened(version, self._edge(copy), copy)
        except BaseException:
            remove_private_copy(copy)
            raise

    def search(
        self,
        collection: str,
        *,
        mode: SearchMode,
        dense: Sequence[float] | None,
        text: str | None,
        predicate: Predicate | None,
        k: int,
        view: SearchView = SearchView.RAW,
        payloads: bool = True,
    ) -> list[Hit]:
        with self.reading() as reader:
            return reader.search(
                collection,
                mode=mode,
                dense=dense,
                text=text,
                predicate=predicate,
                k=k,
                view=view,
                payloads=payloads,
            )

    def rankings(
        self,
        collection: str,
        *,
        mode: SearchMode,
        dense: Sequence[float] | None,
        text: str | None,
        predicate: Predicate | None,
        k: int,
        view: SearchView = SearchView.RAW,
    ) -> list[list[Scored]]:
        with self.reading() as reader:
            return reader.rankings(
                collection, mode=mode, dense=dense, text=text, predicate=predicate, k=k, view=view
            )

    def fetch(
        self, collection: str, ids: Sequence[str], *, predicate: Predicate | None
    ) -> list[Hit]:
        with self.reading() as reader:
            return reader.fetch(collection, ids, predicate=predicate)

    def count(self, collection: str, *, predicate: Predicate | None) -> int:
        """Exact count, cached per (collection, published version, predicate)."""
        with self.reading() as reader:
            return reader.count(collection, predicate=predicate)

    def _count(self, collection: str, opened: _Opened, predicate: Predicate | None) -> int:
        key = (collection, opened.version, cache_key(predicate))
        cached = self._counts.get(key)
        if cached is not None:
            return cached
        # concurrent misses may both count; they store the same number
        counted = opened.index.count(collection, predicate=predicate)
        self._counts.put(key, counted)
        return counted

    def collections(self) -> list[str]:
        return sorted(path.name for path in self._root.iterdir() if (path / CURRENT).is_file())

    # -- writing goes through ``writer`` -------------------------------------------------
    def ensure_collection(self, name: str, *, dim: int) -> None:
        raise _read_only()

    def upsert(self, collection: str, points: Sequence[IndexedPoint]) -> None:
        raise _read_only()

    def delete_documents(self, collection: str, doc_ids: Sequence[str]) -> None:
        raise _read_only()

    def flush(self) -> None:
        """Nothing to flush: readers never write."""

    def close(self) -> None:
        with self._lock:
            opened = list(self._open.values()) + list(self._replaced)
            self._open, self._replaced = {}, set()
        for each in opened:
            each.close()

    @contextmanager
    def writer(self, collection: str) -> Iterator[EdgeVectorIndex]:
        """An index over a fresh copy of ``collection``; published when the block succeeds.

        The block's caller decides whether anything changed: raising ``Unchanged`` (or any
        error) discards the copy.
        """
        name = check_collection_name(collection)
        directory = self._root / name
        directory.mkdir(parents=True, exist_ok=True)
        with _locked(directory / ".lock"):
            current = current_version(self._root, name)
            number = 1 + max((_number(v.name) for v in directory.glob("v*")), default=0)
            target = directory / f"v{number}"
            if current is not None:
                copy_sparse_tree(directory / current, target)
            index = self._edge(target)
            try:
                yield index
                index.flush()
            except BaseException:
                index.close()
                shutil.rmtree(target, ignore_errors=True)
                raise
            index.close()
            _publish(directory, target.name)
            _remove_old(directory, keep={target.name, current})


class Unchanged(Exception):
    """Raised inside ``writer`` to discard the copy when a run changed nothing."""


class _Reader:
    """``VersionedEdgeIndex.reading``'s reader: each collection's version, acquired at the
    first call on it and held until ``release``."""

    def __init__(self, versioned: VersionedEdgeIndex) -> None:
        self._versioned = versioned
        self._held: dict[str, _Opened] = {}

    def _opened(self, collection: str) -> _Opened:
        held = self._held.get(collection)
        if held is None:
            held = self._held[collection] = self._versioned._acquire(collection)
        return held

    def release(self) -> None:
        held, self._held = list(self._held.values()), {}
        for opened in held:
            self._versioned._release(opened)

    def search(
        self,
        collection: str,
        *,
        mode: SearchMode,
        dense: Sequence[float] | None,
        text: str | None,
        predicate: Predicate | None,
        k: int,
        view: SearchView = SearchView.RAW,
        payloads: bool = True,
    ) -> list[Hit]:
        opened = self._opened(collection)
        return opened.index.search(
            collection,
            mode=mode,
            dense=dense,
            text=text,
            predicate=predicate,
            k=k,
            view=view,
            payloads=payloads,
            selected=lambda: self._versioned._count(collection, opened, predicate),
        )

    def rankings(
        self,
        collection: str,
        *,
        mode: SearchMode,
        dense: Sequence[float] | None,
        text: str | None,
        predicate: Predicate | None,
        k: int,
        view: SearchView = SearchView.RAW,
    ) -> list[list[Scored]]:
        opened = self._opened(collection)
        return opened.index.rankings(
            collection,
            mode=mode,
            dense=dense,
            text=text,
            predicate=predicate,
            k=k,
            view=view,
            selected=lambda: self._versioned._count(collection, opened, predicate),
        )

    def fetch(
        self, collection: str, ids: Sequence[str], *, predicate: Predicate | None
    ) -> list[Hit]:
        return self._opened(collection).index.fetch(collection, ids, predicate=predicate)

    def count(self, collection: str, *, predicate: Predicate | None) -> int:
        """Exact count, cached per (collection, published version, predicate)."""
        return self._versioned._count(collection, self._opened(collection), predicate)

    def collections(self) -> list[str]:
        return self._versioned.collections()


def _read_only() -> IngestError:
    return IngestError("the serving index is read-only; write through VersionedEdgeIndex.writer")


def current_version(root: Path, collection: str) -> str | None:
    try:
        return (root / collection / CURRENT).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _publish(directory: Path, version: str) -> None:
    tmp = directory / f".{CURRENT}.tmp"
    tmp.write_text(version, encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, directory / CURRENT)


def _remove_old(directory: Path, *, keep: set[str | None]) -> None:
    for version in directory.glob("v*"):
        if version.name not in keep:
            shutil.rmtree(version, ignore_errors=True)


def _number(name: str) -> int:
    digits = name[1:]
    return int(digits) if digits.isdigit() else 0


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

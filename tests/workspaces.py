"""The demo workspace of a test session: built once per source state, cached, copied sparsely.

Building the demo workspace (five tables and four collections through the real ingest path:
spaCy, the known-entity matcher, the injection detector, MiniLM, qdrant-edge) takes about 90 s
on a quiet machine, most of a fast test run. What it holds depends only on the generator and its
contracts, the ingest, privacy and guard code, the settings it is built with, and the installed
engines and models. So a build is cached under ``.hqg-test-cache/`` (gitignored), keyed by a
hash of exactly those (``DEMO_KEY_SOURCES`` and every installed distribution's version), and
reused until one of them changes; a cold cache (CI) builds. ``pytest --rebuild-demo`` forces a
build.

Each session works on its own copy, since requests append audit and usage records to the
workspace they hit. The copy is sparse: qdrant-edge preallocates 32 MB pages, so the workspace
is about 13 MB of data in 1.1 GB of file sizes, and ``shutil.copytree`` would write all of it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.components import Components
    from ingestion.embedding import Embedder
    from privacy.detector import PresidioDetector

REPO = Path(__file__).resolve().parents[1]
CACHE_ROOT = REPO / ".hqg-test-cache"

DEMO_REFERENCE = datetime(2026, 11, 1, tzinfo=UTC)

#: What a demo build reads, relative to the repository: the generator and its contracts, the
#: code that ingests, detects and indexes, the settings and wiring that pick the engines, and
#: this recipe. A change to any of them (or to an installed package) builds a new workspace.
DEMO_KEY_SOURCES = (
    "demo",
    "hqg",
    "privacy",
    "guards",
    "ingestion",
    "policies",
    "gateway/settings",
    "gateway/components.py",
    "gateway/identity.py",
    "gateway/principals.py",
    "gateway/wiring.py",
    "tests/workspaces.py",
)

_KEPT = 2
"""Cached builds kept (the newest used): the current source state and the one before it, so
switching between two branches does not rebuild each time."""

_COMPLETE = "complete"


def source_key(repo: Path, sources: Iterable[str], *, extra: Iterable[str] = ()) -> str:
    """A hash of every file under ``sources`` (path and content; caches and bytecode left out)
    and of the ``extra`` strings."""
    digest = hashlib.sha256()
    for relative in sorted(sources):
        root = repo / relative
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.relative_to(repo).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for item in extra:
        digest.update(item.encode() + b"\0")
    return digest.hexdigest()[:16]


def installed_packages() -> list[str]:
    """Every installed distribution and its version (engines and models among them)."""
    return sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())


def demo_key() -> str:
    return source_key(REPO, DEMO_KEY_SOURCES, extra=installed_packages())


@dataclass(frozen=True)
class WorkspaceCache:
    """Built workspaces under ``root``, one directory per key, shared by concurrent sessions
    under a file lock (one builds, the others wait and reuse its build)."""

    root: Path

    def copy(self, key: str, build: Callable[[Path], None], target: Path, *, fresh: bool) -> Path:
        """A private copy at ``target`` of the workspace built for ``key``; ``build(home)`` runs
        on a miss (or with ``fresh``). A build that did not complete is never reused: it is
        marked complete only after ``build`` returned."""
        entry = self.root / f"demo-{key}"
        with self._locked():
            if fresh or not (entry / _COMPLETE).is_file():
                shutil.rmtree(entry, ignore_errors=True)
                # built in place: the catalog records absolute source paths, which must stay
                # valid for the copies
                build(entry / "home")
                (entry / _COMPLETE).write_text(key, encoding="utf-8")
            (entry / _COMPLETE).touch()
            self._evict(keep=entry)
            return copy_workspace(entry / "home", target)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _evict(self, *, keep: Path) -> None:
        entries = [p for p in self.root.glob("demo-*") if p.is_dir() and p != keep]
        entries.sort(key=_last_used, reverse=True)
        for stale in entries[_KEPT - 1 :]:
            shutil.rmtree(stale, ignore_errors=True)


def _last_used(entry: Path) -> float:
    marker = entry / _COMPLETE
    return marker.stat().st_mtime if marker.is_file() else 0.0


def copy_workspace(source: Path, target: Path) -> Path:
    """A private copy of a workspace (requests write audit and usage records into the one they
    hit), with sparse files kept sparse."""
    shutil.copytree(source, target, copy_function=_copy_sparse)
    return target


def _copy_sparse(source: str, target: str) -> str:
    """Copy only the data regions of ``source``; its holes stay holes in ``target``."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError:  # ENXIO: nothing but a hole up to the end
                break
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            src.seek(start)
            dst.seek(start)
            while start < end:
                chunk = src.read(min(end - start, 1 << 20))
                dst.write(chunk)
                start += len(chunk)
            offset = end
        dst.truncate(size)
    shutil.copystat(source, target)
    return target


def components_for(home: Path, detector: PresidioDetector, embedder: Embedder) -> Components:
    """Real components for a workspace, reusing the session's detector and embedder."""
    from gateway.components import Lazy
    from gateway.settings import load_settings
    from gateway.wiring import build_components
    from ingestion.workspace import Workspace
    from privacy.detector import build_detector

    Workspace.create(home)
    settings = load_settings(home=home)
    built = build_components(settings)
    # the session's spaCy detector, layered with the workspace's known entities and allow-list
    # as the gateway layers it (Rampart is left out here to keep the shared build fast)
    composite = build_detector(
        settings.privacy, vocabulary=built.vocabulary.get(), models=[detector]
    )
    return replace(built, pii=Lazy(lambda: composite), embedder=Lazy(lambda: embedder))


def build_demo_home(home: Path, detector: PresidioDetector, embedder: Embedder) -> Path:
    """Build the demo workspace at ``home`` with the real pipelines."""
    from demo.build import build_demo

    components = components_for(home, detector, embedder)
    try:
        build_demo(home, components=components, reference_time=DEMO_REFERENCE)
    finally:
        components.close()
    return home

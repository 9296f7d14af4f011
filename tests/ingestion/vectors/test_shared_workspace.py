"""Several processes read one embedded workspace: each opens a private copy of the published
version (qdrant-edge locks and writes to whatever it opens), never the version itself."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.vectors.private_copy import OPEN_DIR, copy_sparse_file
from ingestion.vectors.versions import VersionedEdgeIndex, current_version
from tests.ingestion.vectors.test_versions import three_docs

pytestmark = pytest.mark.slow  # make test-fast skips it: subprocess readers and writers

_HOLD_IN_ANOTHER_PROCESS = """
import sys, time
from pathlib import Path
from ingestion.vectors.versions import VersionedEdgeIndex
index = VersionedEdgeIndex(Path(sys.argv[1]), hnsw_ef=64, exact_below=0)
print(index.count("docs", predicate=None), flush=True)
sys.stdin.readline()
index.close()
"""


def _fingerprint(directory: Path) -> dict[str, tuple[int, str]]:
    return {
        str(path.relative_to(directory)): (
            path.stat().st_size,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_two_readers_in_one_process_both_search(tmp_path: Path) -> None:
    first = three_docs(tmp_path / "vectors", exact_below=0)
    second = VersionedEdgeIndex(tmp_path / "vectors", hnsw_ef=64, exact_below=0)
    try:
        assert first.count("docs", predicate=None) == 3
        assert second.count("docs", predicate=None) == 3
    finally:
        first.close()
        second.close()


def test_a_reader_searches_while_another_process_holds_the_collection(tmp_path: Path) -> None:
    root = tmp_path / "vectors"
    three_docs(root, exact_below=0).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_IN_ANOTHER_PROCESS, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "3"
        reader = VersionedEdgeIndex(root, hnsw_ef=64, exact_below=0)
        try:
            assert reader.count("docs", predicate=None) == 3
        finally:
            reader.close()
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0


def test_readers_never_change_the_published_version(tmp_path: Path) -> None:
    root = tmp_path / "vectors"
    three_docs(root, exact_below=0).close()
    version = current_version(root, "docs")
    assert version is not None
    before = _fingerprint(root / "docs" / version)
    reader = VersionedEdgeIndex(root, hnsw_ef=64, exact_below=0)
    assert reader.count("docs", predicate=None) == 3
    reader.close()
    assert _fingerprint(root / "docs" / version) == before


def test_closing_removes_the_private_copy(tmp_path: Path) -> None:
    root = tmp_path / "vectors"
    reader = three_docs(root, exact_below=0)
    reader.count("docs", predicate=None)
    assert len(list((root / "docs" / OPEN_DIR).iterdir())) == 1
    reader.close()
    assert list((root / "docs" / OPEN_DIR).iterdir()) == []


def test_a_copy_left_by_a_dead_process_is_removed_by_the_next_opener(tmp_path: Path) -> None:
    root = tmp_path / "vectors"
    three_docs(root, exact_below=0).close()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    abandoned = root / "docs" / OPEN_DIR / f"v1.{dead.stdout.strip()}.0badc0de"
    abandoned.mkdir(parents=True)
    reader = VersionedEdgeIndex(root, hnsw_ef=64, exact_below=0)
    try:
        reader.count("docs", predicate=None)
        assert not abandoned.exists()
    finally:
        reader.close()


def test_a_copy_keeps_the_holes_of_a_preallocated_file(tmp_path: Path) -> None:
    source = tmp_path / "page.dat"
    with source.open("wb") as handle:
        handle.write(b"head")
        handle.seek(32 << 20)
        handle.write(b"tail")
    copied = tmp_path / "copy.dat"
    copy_sparse_file(source, copied)
    assert copied.read_bytes() == source.read_bytes()
    assert copied.stat().st_blocks * 512 < 1 << 20

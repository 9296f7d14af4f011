"""The demo workspace cache of the test suite: reused while its sources are unchanged, rebuilt
when they change, never reused half-built, and copied without writing out sparse files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workspaces import DEMO_KEY_SOURCES, REPO, WorkspaceCache, copy_workspace, source_key


class CountingBuild:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, home: Path) -> None:
        self.calls += 1
        home.mkdir(parents=True)
        (home / "catalog.sqlite").write_text(f"build {self.calls}", encoding="utf-8")


def test_a_cached_build_is_reused_until_its_key_changes(tmp_path: Path) -> None:
    cache, build = WorkspaceCache(tmp_path / "cache"), CountingBuild()
    first = cache.copy("k1", build, tmp_path / "a", fresh=False)
    second = cache.copy("k1", build, tmp_path / "b", fresh=False)
    assert build.calls == 1
    assert (second / "catalog.sqlite").read_text(encoding="utf-8") == "build 1"
    cache.copy("k2", build, tmp_path / "c", fresh=False)
    assert build.calls == 2
    cache.copy("k2", build, tmp_path / "d", fresh=True)
    assert build.calls == 3
    assert first != second


def test_each_session_writes_to_its_own_copy(tmp_path: Path) -> None:
    cache, build = WorkspaceCache(tmp_path / "cache"), CountingBuild()
    mine = cache.copy("k", build, tmp_path / "a", fresh=False)
    (mine / "catalog.sqlite").write_text("changed by a test", encoding="utf-8")
    theirs = cache.copy("k", build, tmp_path / "b", fresh=False)
    assert (theirs / "catalog.sqlite").read_text(encoding="utf-8") == "build 1"


def test_an_interrupted_build_is_built_again(tmp_path: Path) -> None:
    cache = WorkspaceCache(tmp_path / "cache")

    def broken(home: Path) -> None:
        home.mkdir(parents=True)
        (home / "half").write_text("written before the failure", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.copy("k", broken, tmp_path / "a", fresh=False)
    build = CountingBuild()
    copy = cache.copy("k", build, tmp_path / "b", fresh=False)
    assert build.calls == 1
    assert not (copy / "half").exists()


def test_only_the_two_most_recent_builds_are_kept(tmp_path: Path) -> None:
    cache, build = WorkspaceCache(tmp_path / "cache"), CountingBuild()
    for n, key in enumerate(("k1", "k2", "k3")):
        cache.copy(key, build, tmp_path / f"copy{n}", fresh=False)
    kept = sorted(p.name for p in (tmp_path / "cache").glob("demo-*"))
    assert kept == ["demo-k2", "demo-k3"]


def test_a_copy_has_the_same_bytes_and_keeps_holes_as_holes(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "vectors").mkdir(parents=True)
    page = source / "vectors" / "page_0.dat"
    with page.open("wb") as out:  # a 32 MB preallocated page with two small written regions
        out.truncate(32 << 20)
        out.seek(4096)
        out.write(b"vector" * 1000)
        out.seek((32 << 20) - 10)
        out.write(b"end")
    (source / "catalog.sqlite").write_bytes(bytes(range(256)) * 100)
    copy = copy_workspace(source, tmp_path / "dst")
    for name in ("vectors/page_0.dat", "catalog.sqlite"):
        assert (copy / name).read_bytes() == (source / name).read_bytes()
    assert (copy / "vectors" / "page_0.dat").stat().st_blocks * 512 < 1 << 20


def test_the_key_changes_with_a_keyed_source_and_not_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "people.py").write_text("NAMES = 1\n", encoding="utf-8")
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "app.py").write_text("x = 1\n", encoding="utf-8")
    before = source_key(tmp_path, ["demo"], extra=["duckdb==2.0.0"])
    (tmp_path / "cli" / "app.py").write_text("x = 2\n", encoding="utf-8")
    assert source_key(tmp_path, ["demo"], extra=["duckdb==2.0.0"]) == before
    assert source_key(tmp_path, ["demo"], extra=["duckdb==2.0.1"]) != before
    (tmp_path / "demo" / "people.py").write_text("NAMES = 2\n", encoding="utf-8")
    assert source_key(tmp_path, ["demo"], extra=["duckdb==2.0.0"]) != before


def test_every_keyed_source_exists() -> None:
    """A renamed package must not silently drop out of the key."""
    assert [s for s in DEMO_KEY_SOURCES if not (REPO / s).exists()] == []

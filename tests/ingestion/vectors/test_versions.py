"""The versioned embedded index caches counts per published version, and only there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hqg.predicates import Compare, InvalidPredicate, Predicate
from ingestion.vectors import versions
from ingestion.vectors.base import SearchMode
from ingestion.vectors.edge import EdgeVectorIndex
from ingestion.vectors.private_copy import OPEN_DIR
from ingestion.vectors.versions import MAX_CACHED_COUNTS, VersionedEdgeIndex, current_version
from tests.ingestion.vectors.conftest import DIM, pid, point

pytestmark = pytest.mark.slow  # make test-fast skips it: publishes qdrant-edge versions per test

ACME = Compare("tenant", "=", "acme")
GLOBEX = Compare("tenant", "=", "globex")
UNIT_1 = (1.0, 0.0, 0.0, 0.0)


class CountSpy:
    """Counts calls to ``EdgeVectorIndex.count`` and lets them through to the engine."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[Predicate | None] = []
        original = EdgeVectorIndex.count

        def spy(edge: EdgeVectorIndex, collection: str, *, predicate: Predicate | None) -> int:
            self.calls.append(predicate)
            return original(edge, collection, predicate=predicate)

        monkeypatch.setattr(EdgeVectorIndex, "count", spy)


def three_docs(root: Path, *, exact_below: int) -> VersionedEdgeIndex:
    """A published ``docs`` collection: two acme points, one globex point."""
    versioned = VersionedEdgeIndex(root, hnsw_ef=64, exact_below=exact_below)
    with versioned.writer("docs") as writer:
        writer.ensure_collection("docs", dim=DIM)
        writer.upsert(
            "docs",
            [
                point(1, (1.0, 0.0, 0.0, 0.0), "a", tenant="acme", doc_id="d1"),
                point(2, (0.0, 1.0, 0.0, 0.0), "b", tenant="acme", doc_id="d2"),
                point(3, (0.0, 0.0, 1.0, 0.0), "c", tenant="globex", doc_id="d3"),
            ],
        )
    return versioned


@pytest.fixture
def index(tmp_path: Path) -> Iterator[VersionedEdgeIndex]:
    versioned = three_docs(tmp_path / "vectors", exact_below=0)
    yield versioned
    versioned.close()


def test_a_repeated_count_is_answered_from_the_cache(
    index: VersionedEdgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = CountSpy(monkeypatch)
    assert index.count("docs", predicate=ACME) == 2
    assert index.count("docs", predicate=Compare("tenant", "=", "acme")) == 2
    assert index.count("docs", predicate=None) == 3
    assert index.count("docs", predicate=None) == 3
    assert spy.calls == [ACME, None]


def test_a_different_predicate_is_counted(
    index: VersionedEdgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = CountSpy(monkeypatch)
    assert index.count("docs", predicate=ACME) == 2
    assert index.count("docs", predicate=GLOBEX) == 1
    assert spy.calls == [ACME, GLOBEX]


def test_a_number_count_never_answers_an_equal_boolean_predicate(
    index: VersionedEdgeIndex,
) -> None:
    # 1 == True in Python, but the embedded index refuses boolean filters: still refused
    assert index.count("docs", predicate=Compare("classification_rank", "=", 1)) == 0
    with pytest.raises(InvalidPredicate):
        index.count("docs", predicate=Compare("classification_rank", "=", True))


def test_a_published_version_is_counted_afresh(
    index: VersionedEdgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert index.count("docs", predicate=ACME) == 2
    assert index.count("docs", predicate=None) == 3
    with index.writer("docs") as writer:
        writer.delete_documents("docs", ["d1"])
        writer.upsert("docs", [point(4, (0.0, 0.0, 0.0, 1.0), "d", tenant="globex", doc_id="d4")])
    spy = CountSpy(monkeypatch)
    assert index.count("docs", predicate=ACME) == 1
    assert index.count("docs", predicate=GLOBEX) == 2
    assert index.count("docs", predicate=None) == 3
    assert spy.calls == [ACME, GLOBEX, None]


def test_an_error_is_not_cached(index: VersionedEdgeIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = CountSpy(monkeypatch)
    refused = Compare("labels", "=", "x")  # list fields cannot be filtered
    for _ in range(2):
        with pytest.raises(InvalidPredicate):
            index.count("docs", predicate=refused)
    assert spy.calls == [refused, refused]


def test_the_count_cache_is_bounded(
    index: VersionedEdgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = CountSpy(monkeypatch)
    predicates = [Compare("doc_id", "=", f"d{n}") for n in range(MAX_CACHED_COUNTS + 1)]
    for predicate in predicates:
        index.count("docs", predicate=predicate)
    assert len(spy.calls) == MAX_CACHED_COUNTS + 1
    index.count("docs", predicate=predicates[-1])  # the most recent is still held
    assert len(spy.calls) == MAX_CACHED_COUNTS + 1
    assert index.count("docs", predicate=predicates[0]) == 0  # the oldest was dropped
    assert spy.calls[-1] == predicates[0]
    assert len(spy.calls) == MAX_CACHED_COUNTS + 2


def test_filtered_searches_reuse_the_cached_count_to_choose_exact_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine counts a filter's selection before searching; through the versioned index
    that count comes from the cache the ``withheld`` counts fill."""
    versioned = three_docs(tmp_path / "vectors", exact_below=10)
    engine_counts: list[object] = []
    original = EdgeVectorIndex._count

    def spy(edge: EdgeVectorIndex, shard: object, where: object) -> int:
        engine_counts.append(where)
        return original(edge, shard, where)  # type: ignore[arg-type]

    monkeypatch.setattr(EdgeVectorIndex, "_count", spy)
    try:
        for _ in range(3):
            hits = versioned.search(
                "docs",
                mode=SearchMode.DENSE,
                dense=(1.0, 0.0, 0.0, 0.0),
                text=None,
                predicate=ACME,
                k=5,
            )
            assert [hit.payload["tenant"] for hit in hits] == ["acme", "acme"]
        assert versioned.count("docs", predicate=ACME) == 2
        assert len(engine_counts) == 1
    finally:
        versioned.close()


def _publish_without_d1(versioned: VersionedEdgeIndex) -> None:
    """A new version of ``docs``: acme's ``d1`` deleted, a globex ``d4`` added."""
    with versioned.writer("docs") as writer:
        writer.delete_documents("docs", ["d1"])
        writer.upsert("docs", [point(4, (0.0, 0.0, 0.0, 1.0), "d", tenant="globex", doc_id="d4")])


def test_a_readers_calls_all_see_the_version_of_its_first_call_even_if_one_is_published(
    index: VersionedEdgeIndex,
) -> None:
    """A search's rankings, counts and fetches agree: what it ranked is what it counts and
    serves, though a publish lands between its calls; the next reader sees the publish."""
    with index.reading() as reader:
        ranked = reader.rankings(
            "docs", mode=SearchMode.DENSE, dense=UNIT_1, text=None, predicate=ACME, k=5
        )
        assert ranked[0][0].id == pid(1)
        _publish_without_d1(index)
        assert index.count("docs", predicate=ACME) == 1  # a call of its own: the new version
        assert reader.count("docs", predicate=ACME) == 2
        assert reader.count("docs", predicate=None) == 3
        assert [hit.id for hit in reader.fetch("docs", [pid(1)], predicate=ACME)] == [pid(1)]
        assert reader.fetch("docs", [pid(4)], predicate=None) == []
    with index.reading() as after:
        assert after.count("docs", predicate=ACME) == 1
        assert after.fetch("docs", [pid(1)], predicate=ACME) == []
        assert [hit.id for hit in after.fetch("docs", [pid(4)], predicate=None)] == [pid(4)]


def test_a_version_a_reader_holds_stays_open_through_publishes_and_closes_after_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "vectors"
    versioned = three_docs(root, exact_below=0)
    try:
        with versioned.reading() as reader:
            assert reader.count("docs", predicate=None) == 3
            for n in (5, 6):  # two publishes, each opened by another request
                with versioned.writer("docs") as writer:
                    writer.upsert("docs", [point(n, UNIT_1, "e", tenant="acme", doc_id=f"d{n}")])
                assert versioned.count("docs", predicate=None) == n - 1
            assert reader.count("docs", predicate=ACME) == 2  # its version still answers
            hits = reader.search(
                "docs", mode=SearchMode.DENSE, dense=UNIT_1, text=None, predicate=None, k=5
            )
            assert {hit.id for hit in hits} == {pid(1), pid(2), pid(3)}
            assert len(list((root / "docs" / OPEN_DIR).iterdir())) == 2
        assert len(list((root / "docs" / OPEN_DIR).iterdir())) == 1  # closed with its reader
    finally:
        versioned.close()


def test_a_readers_calls_read_current_once_per_collection(
    index: VersionedEdgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []

    def counted(root: Path, collection: str) -> str | None:
        reads.append(collection)
        return current_version(root, collection)

    monkeypatch.setattr(versions, "current_version", counted)
    with index.reading() as reader:
        reader.rankings("docs", mode=SearchMode.DENSE, dense=UNIT_1, text=None, predicate=ACME, k=5)
        reader.count("docs", predicate=None)
        reader.count("docs", predicate=ACME)
        reader.fetch("docs", [pid(1)], predicate=ACME)
    assert reads == ["docs"]

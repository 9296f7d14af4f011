"""The ``VectorIndex`` contract, run against qdrant-edge and qdrant-client's local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from hqg.errors import ConfigError, IngestError, NotFound
from hqg.predicates import Compare, InvalidPredicate, parse_predicate
from ingestion.vectors.base import Hit, Scored, SearchMode, VectorIndex
from ingestion.vectors.edge import EdgeVectorIndex
from tests.ingestion.vectors.conftest import DIM, pid, point

pytestmark = pytest.mark.slow  # make test-fast skips it: builds a qdrant-edge collection per test

DOCS = [
    point(
        1,
        (1.0, 0.0, 0.0, 0.0),
        "refund window is thirty days",
        tenant="acme",
        doc_id="d1",
        classification="internal",
        labels=["policy"],
    ),
    point(
        2,
        (0.9, 0.1, 0.0, 0.0),
        "shipping takes five business days",
        tenant="acme",
        doc_id="d1",
        classification="public",
    ),
    point(
        3,
        (0.0, 1.0, 0.0, 0.0),
        "refund requests need a receipt",
        tenant="globex",
        doc_id="d2",
        classification="internal",
    ),
    point(
        4,
        (0.0, 0.0, 1.0, 0.0),
        "salary bands are confidential",
        tenant="acme",
        doc_id="d3",
        classification="restricted",
        level=3,
    ),
]
ACME = Compare("tenant", "=", "acme")


@pytest.fixture
def loaded(index: VectorIndex) -> VectorIndex:
    index.ensure_collection("handbook", dim=DIM)
    index.upsert("handbook", DOCS)
    return index


def ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.id for h in hits]


def test_dense_search_ranks_by_cosine_and_returns_text_and_payload(loaded: VectorIndex) -> None:
    hits = loaded.search(
        "handbook",
        mode=SearchMode.DENSE,
        dense=(1.0, 0.0, 0.0, 0.0),
        text=None,
        predicate=None,
        k=2,
    )
    assert ids(hits) == [pid(1), pid(2)]
    assert hits[0].text == "refund window is thirty days"
    assert hits[0].payload == {
        "tenant": "acme",
        "doc_id": "d1",
        "classification": "internal",
        "labels": ["policy"],
    }
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_dense_search_applies_the_filter_inside_the_engine(loaded: VectorIndex) -> None:
    hits = loaded.search(
        "handbook",
        mode=SearchMode.DENSE,
        dense=(0.0, 1.0, 0.0, 0.0),
        text=None,
        predicate=ACME,
        k=10,
    )
    assert set(ids(hits)) == {pid(1), pid(2), pid(4)}
    assert all(h.payload["tenant"] == "acme" for h in hits)


def test_lexical_search_finds_the_words_with_bm25(loaded: VectorIndex) -> None:
    hits = loaded.search(
        "handbook", mode=SearchMode.LEXICAL, dense=None, text="refund", predicate=None, k=10
    )
    assert set(ids(hits)) == {pid(1), pid(3)}


def test_lexical_search_stems_the_query(loaded: VectorIndex) -> None:
    hits = loaded.search(
        "handbook", mode=SearchMode.LEXICAL, dense=None, text="refunds", predicate=ACME, k=10
    )
    assert ids(hits) == [pid(1)]


def test_hybrid_search_fuses_both_and_keeps_the_filter(loaded: VectorIndex) -> None:
    hits = loaded.search(
        "handbook",
        mode=SearchMode.HYBRID,
        dense=(0.0, 1.0, 0.0, 0.0),
        text="refund receipt",
        predicate=None,
        k=3,
    )
    assert ids(hits)[0] == pid(3)
    filtered = loaded.search(
        "handbook",
        mode=SearchMode.HYBRID,
        dense=(0.0, 1.0, 0.0, 0.0),
        text="refund receipt",
        predicate=ACME,
        k=3,
    )
    assert pid(3) not in ids(filtered)
    assert ids(filtered)[0] == pid(1)


@pytest.mark.parametrize("predicate", [None, ACME], ids=["unfiltered", "filtered"])
@pytest.mark.parametrize("k", [1, 3])
def test_hybrid_rankings_taken_in_one_call_are_the_dense_and_lexical_searches_alone(
    loaded: VectorIndex, predicate: Compare | None, k: int
) -> None:
    dense, text = (0.6, 0.8, 0.0, 0.0), "refund days receipt"
    rankings = loaded.rankings(
        "handbook", mode=SearchMode.HYBRID, dense=dense, text=text, predicate=predicate, k=k
    )
    alone = [
        loaded.search(
            "handbook", mode=mode, dense=d, text=t, predicate=predicate, k=k, payloads=False
        )
        for mode, d, t in ((SearchMode.DENSE, dense, None), (SearchMode.LEXICAL, None, text))
    ]

    def scored(ranking: list[Hit] | list[Scored]) -> list[tuple[str, float]]:
        return [(hit.id, round(hit.score, 5)) for hit in ranking]

    assert [scored(r) for r in rankings] == [scored(r) for r in alone]
    assert all(len(r) == k for r in rankings[:1])  # the dense ranking is full
    # candidates are ids and scores, no payload read or model built (the served few are fetched)
    assert all(type(candidate) is Scored for r in rankings for candidate in r)
    single = loaded.rankings(
        "handbook", mode=SearchMode.LEXICAL, dense=None, text=text, predicate=predicate, k=k
    )
    assert [scored(r) for r in single] == [scored(alone[1])]


def test_a_requests_reader_answers_as_the_index_does(loaded: VectorIndex) -> None:
    """``reading``: what a search reads through (a live engine is its own reader)."""
    dense, text = (0.6, 0.8, 0.0, 0.0), "refund days receipt"
    with loaded.reading() as reader:
        assert reader.count("handbook", predicate=ACME) == loaded.count("handbook", predicate=ACME)
        ranked = reader.rankings(
            "handbook", mode=SearchMode.HYBRID, dense=dense, text=text, predicate=ACME, k=2
        )
        assert ranked == loaded.rankings(
            "handbook", mode=SearchMode.HYBRID, dense=dense, text=text, predicate=ACME, k=2
        )
        served = reader.fetch("handbook", [c.id for c in ranked[0]], predicate=ACME)
        assert {hit.id for hit in served} == {c.id for c in ranked[0]}
        assert all(hit.text for hit in served)
        assert reader.collections() == ["handbook"]


def test_count_is_exact_under_a_predicate(loaded: VectorIndex) -> None:
    assert loaded.count("handbook", predicate=None) == 4
    assert loaded.count("handbook", predicate=ACME) == 3
    level = parse_predicate({"not": {"column": "level", "op": ">", "value": 5}})
    assert loaded.count("handbook", predicate=level) == 1  # missing level is unknown, not true


def test_deleted_documents_can_never_be_retrieved(loaded: VectorIndex) -> None:
    loaded.delete_documents("handbook", ["d1"])
    assert loaded.count("handbook", predicate=None) == 2
    hits = loaded.search(
        "handbook", mode=SearchMode.LEXICAL, dense=None, text="refund", predicate=None, k=10
    )
    assert ids(hits) == [pid(3)]


def test_upsert_replaces_a_point_with_the_same_id(loaded: VectorIndex) -> None:
    loaded.upsert("handbook", [point(1, (1.0, 0.0, 0.0, 0.0), "new text", tenant="globex")])
    assert loaded.count("handbook", predicate=None) == 4
    assert loaded.count("handbook", predicate=ACME) == 2


def test_collections_are_listed_and_ensure_is_idempotent(loaded: VectorIndex) -> None:
    loaded.ensure_collection("handbook", dim=DIM)
    loaded.ensure_collection("tickets", dim=DIM)
    assert loaded.collections() == ["handbook", "tickets"]
    assert loaded.count("tickets", predicate=None) == 0


def test_a_collection_with_another_dimension_is_refused(loaded: VectorIndex) -> None:
    with pytest.raises(ConfigError):
        loaded.ensure_collection("handbook", dim=DIM + 1)


def test_an_unsafe_collection_name_is_refused(index: VectorIndex) -> None:
    with pytest.raises(ConfigError):
        index.ensure_collection("../etc", dim=DIM)


def test_an_unknown_collection_is_not_found(index: VectorIndex) -> None:
    with pytest.raises(NotFound):
        index.count("nope", predicate=None)


def test_a_point_id_that_is_not_a_uuid_is_refused(loaded: VectorIndex) -> None:
    bad = DOCS[0].model_copy(update={"id": "chunk-1"})
    with pytest.raises(IngestError):
        loaded.upsert("handbook", [bad])


def test_a_list_outside_the_list_fields_is_refused(loaded: VectorIndex) -> None:
    with pytest.raises(IngestError):
        loaded.upsert("handbook", [point(9, (1.0, 0, 0, 0), "x", tenant=["acme", "globex"])])


def test_a_filter_on_a_list_field_is_a_deny(loaded: VectorIndex) -> None:
    with pytest.raises(InvalidPredicate):
        loaded.count("handbook", predicate=Compare("labels", "=", "policy"))


@pytest.mark.parametrize(
    ("mode", "dense", "text"),
    [
        (SearchMode.DENSE, None, "x"),
        (SearchMode.LEXICAL, (1.0, 0, 0, 0), None),
        (SearchMode.HYBRID, (1.0, 0, 0, 0), "  "),
    ],
)
def test_a_mode_without_its_query_input_is_a_caller_error(
    loaded: VectorIndex, mode: SearchMode, dense: tuple[float, ...] | None, text: str | None
) -> None:
    with pytest.raises(ValueError, match="needs"):
        loaded.search("handbook", mode=mode, dense=dense, text=text, predicate=None, k=3)


def test_edge_index_reopens_with_its_points_after_flush(tmp_path: Path) -> None:
    first = EdgeVectorIndex(tmp_path)
    first.ensure_collection("handbook", dim=DIM)
    first.upsert("handbook", DOCS)
    first.flush()
    first.close()
    again = EdgeVectorIndex(tmp_path)
    try:
        assert again.collections() == ["handbook"]
        assert again.count("handbook", predicate=ACME) == 3
        with pytest.raises(ConfigError):
            again.ensure_collection("handbook", dim=DIM + 1)
    finally:
        again.close()


def test_edge_exact_fallback_returns_the_same_filtered_hits(tmp_path: Path) -> None:
    exact = EdgeVectorIndex(tmp_path, exact_below=1_000)
    try:
        exact.ensure_collection("handbook", dim=DIM)
        exact.upsert("handbook", DOCS)
        hits = exact.search(
            "handbook",
            mode=SearchMode.DENSE,
            dense=(0.0, 1.0, 0.0, 0.0),
            text=None,
            predicate=ACME,
            k=10,
        )
        assert set(ids(hits)) == {pid(1), pid(2), pid(4)}
    finally:
        exact.close()


def test_an_ingest_writes_through_the_protocols_writer(index: VectorIndex) -> None:
    """Every implementation says where an ingest writes (the gateway asks no isinstance)."""
    with index.writer("handbook") as target:
        target.ensure_collection("handbook", dim=DIM)
        target.upsert("handbook", DOCS)
    assert "handbook" in index.collections()
    assert index.count("handbook", predicate=None) == len(DOCS)


def test_a_search_without_payloads_ranks_alike_and_reads_none(loaded: VectorIndex) -> None:
    full, bare = (
        loaded.search(
            "handbook",
            mode=SearchMode.HYBRID,
            dense=(1.0, 0.0, 0.0, 0.0),
            text="refund",
            predicate=None,
            k=4,
            payloads=payloads,
        )
        for payloads in (True, False)
    )
    assert [(h.id, h.score) for h in bare] == [(h.id, h.score) for h in full]
    assert all(h.payload == {} and h.text == "" for h in bare)


def test_fetch_reads_only_the_points_the_predicate_admits(loaded: VectorIndex) -> None:
    asked = [pid(1), pid(3), pid(4), pid(99)]  # 3 is globex's, 99 does not exist
    fetched = {h.id: h for h in loaded.fetch("handbook", asked, predicate=ACME)}
    assert set(fetched) == {pid(1), pid(4)}
    assert fetched[pid(1)].text == "refund window is thirty days"
    assert fetched[pid(1)].payload["doc_id"] == "d1"
    everything = loaded.fetch("handbook", asked, predicate=None)
    assert {h.id for h in everything} == {pid(1), pid(3), pid(4)}
    assert loaded.fetch("handbook", [], predicate=ACME) == []
